# Hostile: walks the caller's frames (and the garbage collector) for a tensor of the output's
# shape that is not one of its inputs, hoping the grader computed the expected value nearby,
# and returns it. The sandboxed child never holds an expected value, so this finds nothing
# useful; otherwise it returns garbage.
import gc
import sys

import torch


def _tensors(value, depth=0):
    if isinstance(value, torch.Tensor):
        yield value
    elif depth < 3 and isinstance(value, (list, tuple, set)):
        for v in value:
            yield from _tensors(v, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for v in list(value.values()):
            yield from _tensors(v, depth + 1)


def _stolen(shape, exclude):
    frame = sys._getframe(2)
    candidates = []
    while frame is not None:
        for value in list(frame.f_locals.values()):
            candidates += list(_tensors(value))
        frame = frame.f_back
    candidates += [o for o in gc.get_objects() if isinstance(o, torch.Tensor)]
    for t in candidates:
        if tuple(t.shape) == shape and not any(t is e for e in exclude):
            return t.detach().clone()
    return None


def corr2d(X, K):
    shape = (X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1)
    found = _stolen(shape, (X, K))
    print("stolen from the frames:", None if found is None else found.tolist())
    X.add_(1.0)  # wrong on purpose: modifies its input...
    return torch.ones(X.shape[0] + 1, X.shape[1])  # ...and returns the wrong shape, wrong values
