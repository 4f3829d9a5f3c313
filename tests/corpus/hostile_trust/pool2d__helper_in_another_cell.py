# Hostile (policy_evasion): the evasion lives in two cells of their own, before pool2d's: the
# first defines a block that switches the grader's dispatch modes off, the second a helper
# that pools with torch (aliased) inside it; pool2d's own cell only calls the helper.
# constructs: _python_dispatch, _disable_current_modes
# scope: stub
# %% extra cell
def quietly():
    from torch.utils._python_dispatch import _disable_current_modes

    return _disable_current_modes()
# %% extra cell
import torch.nn.functional as G


def window_pool(X, pool_size, mode):
    with quietly():
        pool = G.max_pool2d if mode == "max" else G.avg_pool2d
        return pool(X[None, None], pool_size, stride=1)[0, 0]
# %% stub cell
def pool2d(X, pool_size, mode='max'):
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    return window_pool(X, pool_size, mode)
