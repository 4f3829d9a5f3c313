# Hostile: right on every other call, wrong (its input changed, the wrong shape) on the rest, and
# random besides, hoping that hypothesis, replaying a failure that then passes, reports the test as
# flaky: an error the grader might book as its own ("pending") rather than as the student's zero.
import os

import torch

_calls = [0]


def corr2d(X, K):
    _calls[0] += 1
    if _calls[0] % 2 and os.urandom(1)[0] < 200:
        h, w = K.shape
        Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
        return Y
    X.add_(1.0)  # wrong on purpose
    return torch.ones(X.shape[0] + 1, X.shape[1])
