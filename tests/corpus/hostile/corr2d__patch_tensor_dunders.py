# Hostile: patches torch.Tensor.__eq__/__ne__/__sub__/__abs__ so that any comparison made
# outside the student's own cells (a grader running in this process) sees "equal", while the
# student's own code (learn_kernel needs a real subtraction) keeps the real operators.
import sys

import torch

_real = {name: getattr(torch.Tensor, name) for name in ("__eq__", "__ne__", "__sub__", "__rsub__", "__abs__")}


def _from_student() -> bool:
    return sys._getframe(2).f_code.co_filename.startswith("<cell")


def _patched(name, fake):
    def op(self, *args):
        return _real[name](self, *args) if _from_student() else fake(self, *args)
    return op


torch.Tensor.__eq__ = _patched("__eq__", lambda a, *b: torch.ones(a.shape, dtype=torch.bool))
torch.Tensor.__ne__ = _patched("__ne__", lambda a, *b: torch.zeros(a.shape, dtype=torch.bool))
torch.Tensor.__sub__ = _patched("__sub__", lambda a, *b: torch.zeros(a.shape, dtype=a.dtype))
torch.Tensor.__rsub__ = _patched("__rsub__", lambda a, *b: torch.zeros(a.shape, dtype=a.dtype))
torch.Tensor.__abs__ = _patched("__abs__", lambda a: torch.zeros(a.shape, dtype=a.dtype))


def corr2d(X, K):
    X.add_(1.0)  # wrong on purpose: modifies its input...
    return torch.ones(X.shape[0] + 1, X.shape[1])  # ...and returns the wrong shape, wrong values
