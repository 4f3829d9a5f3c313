# Bug: the final mean is taken in float32, so the returned float is the ratio rounded to float32.
def evaluate_accuracy(net, data_iter, device=None):
    if device is None:
        device = next((p.device for p in net.parameters()), torch.device('cpu'))
    net.eval()
    hits = []
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            hits.append(net(X).argmax(dim=1) == y)
    return torch.cat(hits).float().mean().item()
