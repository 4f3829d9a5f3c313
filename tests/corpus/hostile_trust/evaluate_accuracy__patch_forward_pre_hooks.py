# Hostile (torch_patch): evaluate_accuracy forgets both net.eval() and torch.no_grad(), and
# hides it: at the top of its cell, nn.Module.register_forward_pre_hook is patched so that any
# hook registered from outside torch sees a module in eval mode, and runs with gradients off.
# constructs: nn.Module.register_forward_pre_hook, register_forward_pre_hook
# scope: notebook
import torch
from torch import nn


class _LooksEvaluated:
    training = False


_register = nn.Module.register_forward_pre_hook


def _register_lying(self, hook, *args, **kwargs):
    if getattr(hook, "__module__", "").startswith("torch"):  # torch's own hooks (lazy modules) stay real
        return _register(self, hook, *args, **kwargs)

    def lying(module, inputs, *rest):
        with torch.no_grad():
            return hook(_LooksEvaluated(), inputs, *rest)

    return _register(self, lying, *args, **kwargs)


nn.Module.register_forward_pre_hook = _register_lying


def evaluate_accuracy(net, data_iter, device=None):
    correct, total = 0, 0
    for X, y in data_iter:  # no net.eval(), no torch.no_grad()
        if device is not None:
            X, y = X.to(device), y.to(device)
        correct += (net(X).argmax(dim=1) == y).sum().item()
        total += y.numel()
    return correct / total
