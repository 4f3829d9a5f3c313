# Bug: no torch.no_grad(): every layer runs with gradients enabled and builds a graph.
def layer_summary(net, input_shape):
    modes = [(m, m.training) for m in net.modules()]
    net.eval()
    X, out = torch.randn(*input_shape), []
    for layer in net:
        X = layer(X)
        out.append((type(layer).__name__, tuple(X.shape)))
    for m, mode in modes:
        m.train(mode)
    return out
