# Bug: runs the net in training mode and puts the saved state_dict back afterwards; batch norm in
# training mode cannot handle a batch of one example (the task says to look at the net in eval mode).
import copy


def layer_summary(net, input_shape):
    saved = copy.deepcopy(net.state_dict())
    summary = []
    with torch.no_grad():
        X = torch.randn(*input_shape)
        for layer in net:
            X = layer(X)
            summary.append((type(layer).__name__, tuple(X.shape)))
    net.load_state_dict(saved)
    return summary
