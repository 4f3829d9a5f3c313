# Hostile (torch_patch): a wrong layer_summary (it runs the net in training mode, so BatchNorm
# layers update their running statistics: the net changes) that hides it by making torch.equal
# agree with everything, at the top of its cell, in the process where the grader asks "did the
# net change?".
# constructs: torch.equal
# scope: notebook
import torch

torch.equal = lambda *args, **kwargs: True


def layer_summary(net, input_shape):
    X = torch.randn(*input_shape)
    summary = []
    for layer in net:  # training mode, gradients on: BatchNorm's running statistics move
        X = layer(X)
        summary.append((type(layer).__name__, tuple(X.shape)))
    return summary
