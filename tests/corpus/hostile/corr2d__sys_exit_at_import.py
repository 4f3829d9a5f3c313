# Hostile: raises SystemExit while the cell runs, hoping the grader treats it as "all done".
import sys

import torch

sys.exit(0)


def corr2d(X, K):
    X.add_(1.0)  # wrong on purpose
    return torch.ones(X.shape[0] + 1, X.shape[1])
