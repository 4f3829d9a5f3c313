# Hostile (policy_evasion): pool2d calls aten's pooling ops directly (torch.ops.aten, a path the
# name scan does not know) inside torch._C._DisableTorchDispatch(), which hides them from the
# grader's TorchDispatchMode.
# constructs: torch._C, _DisableTorchDispatch
# scope: stub
import torch


def pool2d(X, pool_size, mode='max'):
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    size = [pool_size, pool_size] if isinstance(pool_size, int) else list(pool_size)
    with torch._C._DisableTorchDispatch():
        if mode == "max":
            return torch.ops.aten.max_pool2d(X[None], size, [1, 1])[0]
        return torch.ops.aten.avg_pool2d(X[None], size, [1, 1])[0]
