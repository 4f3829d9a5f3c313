# Bug: the denominator counts batches instead of examples.
def evaluate_accuracy(net, data_iter, device=None):
    if device is None:
        first = next(iter(net.parameters()), None)
        device = first.device if first is not None else torch.device("cpu")
    net.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            correct += (net(X).argmax(dim=1) == y).sum().item()
            total += 1
    return correct / total
