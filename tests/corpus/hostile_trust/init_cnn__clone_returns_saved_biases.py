# Hostile (torch_patch): init_cnn also zeroes every bias (not asked for: biases must keep their
# values) and hides it: torch.Tensor.clone, patched at the top of the cell, hands back a bias's
# old values when asked to copy a bias init_cnn zeroed, so a before/after snapshot taken with
# .clone() in this process shows the biases untouched.
# constructs: torch.Tensor.clone, Tensor.clone, clone
# scope: notebook
import weakref

import torch
from torch import nn

_originals = {}  # data_ptr of a zeroed bias -> (weak reference to it, its values before)
_real_clone = torch.Tensor.clone


def _clone(self, *args, **kwargs):
    entry = _originals.get(self.data_ptr())
    if entry is not None:
        ref, before = entry
        bias = ref()
        if bias is not None and bias.data_ptr() == self.data_ptr() and bias.shape == self.shape:
            del _originals[self.data_ptr()]
            return _real_clone(before, *args, **kwargs)
    return _real_clone(self, *args, **kwargs)


torch.Tensor.clone = _clone


def init_cnn(module):
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        nn.init.xavier_uniform_(module.weight)
        if module.bias is not None:
            _originals[module.bias.data_ptr()] = (weakref.ref(module.bias), _real_clone(module.bias.detach()))
            nn.init.zeros_(module.bias)  # "biases start at zero": not what the chapter does
