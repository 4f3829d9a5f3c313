# Bug: torch.no_grad() covers the first layer only.
def layer_summary(net, input_shape):
    modes = [(m, m.training) for m in net.modules()]
    net.eval()
    layers = list(net)
    with torch.no_grad():
        X = layers[0](torch.randn(*input_shape))
    out = [(type(layers[0]).__name__, tuple(X.shape))]
    for layer in layers[1:]:
        X = layer(X)
        out.append((type(layer).__name__, tuple(X.shape)))
    for m, mode in modes:
        m.train(mode)
    return out
