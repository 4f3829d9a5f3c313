# Bug: switches the net to eval mode and never switches it back.
def layer_summary(net, input_shape):
    net.eval()
    summary = []
    with torch.no_grad():
        X = torch.randn(*input_shape)
        for layer in net:
            X = layer(X)
            summary.append((type(layer).__name__, tuple(X.shape)))
    return summary
