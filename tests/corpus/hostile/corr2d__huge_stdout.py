# Hostile: floods stdout and stderr (200 MB while the cell runs, more at every call), hoping to
# exhaust the grader's memory or block the child on a full pipe.
import os
import sys

import torch

_line = ("spam " * 20 + "\n") * 10_000  # about 1 MB
for _ in range(100):
    sys.stdout.write(_line)
    sys.stderr.write(_line)
sys.stdout.flush()
os.write(1, b"raw fd 1 " * 100_000)
os.write(2, b"raw fd 2 " * 100_000)


def corr2d(X, K):
    print(_line[:100_000])
    X.add_(1.0)  # wrong on purpose
    return torch.ones(X.shape[0] + 1, X.shape[1])
