# Collects all predictions and labels, concatenates them, and takes one mean at the end.
def evaluate_accuracy(net, data_iter, device=None):
    if device is None:
        device = next((p.device for p in net.parameters()), torch.device('cpu'))
    net.eval()
    preds, labels = [], []
    with torch.no_grad():
        for X, y in data_iter:
            preds.append(net(X.to(device)).argmax(dim=1))
            labels.append(y.to(device))
    return (torch.cat(preds) == torch.cat(labels)).double().mean().item()
