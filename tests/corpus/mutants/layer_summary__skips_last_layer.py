# Bug: the loop runs over range(len(net) - 1), so the last layer is missing from the summary.
def layer_summary(net, input_shape):
    modes = [(m, m.training) for m in net.modules()]
    net.eval()
    summary = []
    with torch.no_grad():
        X = torch.randn(*input_shape)
        for i in range(len(net) - 1):
            X = net[i](X)
            summary.append((type(net[i]).__name__, tuple(X.shape)))
    for m, mode in modes:
        m.training = mode
    return summary
