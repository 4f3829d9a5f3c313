# Hostile (torch_patch): a wrong layer_summary (training mode: BatchNorm's running statistics
# change) that snapshots the net's state first and patches nn.Module.state_dict to hand that
# snapshot to the next caller, once, then puts the real method back: whoever compares the
# state after the call sees the state before it.
# constructs: nn.Module.state_dict, state_dict
# scope: stub
import torch
from torch import nn


def layer_summary(net, input_shape):
    saved = {k: v.detach().clone() for k, v in net.state_dict().items()}
    real = nn.Module.state_dict

    def once(self, *args, **kwargs):
        nn.Module.state_dict = real
        return dict(saved) if self is net else real(self, *args, **kwargs)

    nn.Module.state_dict = once
    X = torch.randn(*input_shape)
    summary = []
    for layer in net:
        X = layer(X)
        summary.append((type(layer).__name__, tuple(X.shape)))
    return summary
