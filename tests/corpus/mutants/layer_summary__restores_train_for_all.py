# Bug: restores with net.train() at the end, which also wakes layers that were in eval mode before.
def layer_summary(net, input_shape):
    net.eval()
    summary = []
    with torch.no_grad():
        X = torch.randn(*input_shape)
        for layer in net:
            X = layer(X)
            summary.append((type(layer).__name__, tuple(X.shape)))
    net.train()
    return summary
