# Hostile (policy_evasion): pool2d delegates to torch's pooling (aliased functional module) in a
# concurrent.futures thread pool, out of reach of the grader's per-thread trace of aten ops.
# constructs: concurrent.futures, ThreadPoolExecutor
# scope: stub
import torch
from torch.nn import functional as G


def pool2d(X, pool_size, mode='max'):
    from concurrent.futures import ThreadPoolExecutor

    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    pool = G.max_pool2d if mode == "max" else G.avg_pool2d
    with ThreadPoolExecutor(max_workers=1) as workers:
        return workers.submit(lambda: pool(X[None, None], pool_size, stride=1)[0, 0]).result()
