# Hostile: never returns (pure Python busy loop, no allocation, ignores signals it can catch).
import signal

import torch

for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM, signal.SIGXCPU):
    signal.signal(_sig, signal.SIG_IGN)


def corr2d(X, K):
    X.add_(1.0)  # wrong on purpose, were the loop ever left
    while True:
        pass
    return torch.ones(X.shape[0] + 1, X.shape[1])
