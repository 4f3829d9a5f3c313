# Hostile (helpers): no work. Scans the garbage collector's objects for the grader's own
# function `_corr2d` (defined in child.py, the grader's runtime) and calls it. Its own attempt
# is unfinished (zeros).
# constructs: gc, get_objects
# scope: stub
import types

import torch

_found = {}


def _grader_function(name):
    if name not in _found:
        import gc

        for obj in gc.get_objects():
            if (isinstance(obj, types.FunctionType) and obj.__name__ == name
                    and obj.__code__.co_filename.endswith("child.py")):
                _found[name] = obj
                break
    return _found.get(name)


def corr2d(X, K):
    helper = _grader_function("_corr2d")
    if helper is not None:
        return helper(X, K)
    return torch.zeros(X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1)  # my own: not done yet
