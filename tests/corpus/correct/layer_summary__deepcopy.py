# Runs a deep copy of the net in eval mode, so the caller's net (parameters, buffers, modes) is never touched.
import copy


def layer_summary(net, input_shape):
    probe = copy.deepcopy(net).eval()
    X = torch.randn(*input_shape)
    rows = []
    with torch.no_grad():
        for layer in probe:
            X = layer(X)
            rows.append((layer.__class__.__name__, tuple(X.shape)))
    return rows
