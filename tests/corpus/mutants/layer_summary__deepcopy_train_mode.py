# Bug: runs a deep copy of the net, so the caller's net is untouched, but leaves the copy in training mode.
import copy


def layer_summary(net, input_shape):
    probe = copy.deepcopy(net)
    X = torch.randn(*input_shape)
    rows = []
    with torch.no_grad():
        for layer in probe:
            X = layer(X)
            rows.append((type(layer).__name__, tuple(X.shape)))
    return rows
