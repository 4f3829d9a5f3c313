# Running counts kept as tensors; the device comes from the first parameter or defaults to the CPU.
def evaluate_accuracy(net, data_iter, device=None):
    if device is None:
        params = list(net.parameters())
        device = params[0].device if params else 'cpu'
    net.eval()
    hits = torch.zeros((), dtype=torch.int64)
    count = 0
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            hits += (net(X).argmax(dim=-1) == y).sum().cpu()
            count += len(y)
    return float(hits) / count
