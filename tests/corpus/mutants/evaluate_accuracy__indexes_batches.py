# Bug: indexes data_iter by position: only lists (not generators or DataLoaders) support that.
def evaluate_accuracy(net, data_iter, device=None):
    if device is None:
        first = next(iter(net.parameters()), None)
        device = first.device if first is not None else torch.device("cpu")
    net.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for i in range(len(data_iter)):
            X, y = data_iter[i]
            correct += (net(X.to(device)).argmax(dim=1) == y.to(device)).sum().item()
            total += y.numel()
    return correct / total
