# Bug: runs the net in training mode (no_grad only), so BatchNorm updates its running statistics.
def layer_summary(net, input_shape):
    summary = []
    with torch.no_grad():
        X = torch.randn(*input_shape)
        for layer in net:
            X = layer(X)
            summary.append((type(layer).__name__, tuple(X.shape)))
    return summary
