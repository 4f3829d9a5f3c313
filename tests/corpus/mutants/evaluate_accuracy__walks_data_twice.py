# Bug: walks data_iter twice (once to count examples): a generator is empty the second time.
def evaluate_accuracy(net, data_iter, device=None):
    if device is None:
        first = next(iter(net.parameters()), None)
        device = first.device if first is not None else torch.device("cpu")
    net.eval()
    total = sum(y.numel() for _, y in data_iter)
    correct = 0
    with torch.no_grad():
        for X, y in data_iter:
            correct += (net(X.to(device)).argmax(dim=1) == y.to(device)).sum().item()
    return correct / total if total else 0.0
