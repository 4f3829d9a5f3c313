# Bug: takes each class name before the layer runs: a LazyConv2d is reported as LazyConv2d, not Conv2d.
def layer_summary(net, input_shape):
    modes = [(m, m.training) for m in net.modules()]
    net.eval()
    out = []
    with torch.no_grad():
        X = torch.randn(*input_shape)
        for layer in net:
            name = type(layer).__name__
            X = layer(X)
            out.append((name, tuple(X.shape)))
    for m, mode in modes:
        m.train(mode)
    return out
