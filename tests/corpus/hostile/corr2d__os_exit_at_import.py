# Hostile: ends the grader's child process as soon as the cell runs (no cleanup, no reply).
import os

import torch

os._exit(0)


def corr2d(X, K):
    X.add_(1.0)  # wrong on purpose
    return torch.ones(X.shape[0] + 1, X.shape[1])
