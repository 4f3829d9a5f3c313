# Bug: keeps the counts as tensors and returns a 0-d tensor instead of a Python float.
def evaluate_accuracy(net, data_iter, device=None):
    if device is None:
        first = next(iter(net.parameters()), None)
        device = first.device if first is not None else torch.device("cpu")
    net.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            correct = correct + (net(X).argmax(dim=1) == y).sum()
            total += y.numel()
    return correct / total
