# Bug: counts kept in a float32 tensor and divided there, so the result carries float32 rounding.
def evaluate_accuracy(net, data_iter, device=None):
    if device is None:
        params = list(net.parameters())
        device = params[0].device if params else torch.device('cpu')
    net.eval()
    correct = torch.zeros((), dtype=torch.float32)
    total = torch.zeros((), dtype=torch.float32)
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            correct += (net(X).argmax(dim=1) == y).sum().cpu()
            total += y.numel()
    return float(correct / total)
