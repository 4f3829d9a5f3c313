# Hostile: a fork bomb, capped so that it cannot take the machine down if the sandbox failed:
# at most 2000 forks per call, each child sleeps briefly and exits (and is never reaped, so it
# stays a zombie that still counts against the process limit).
import os
import time

import torch


def _bomb(limit=2000):
    made = 0
    for _ in range(limit):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(0.5)
            os._exit(0)
        made += 1
    return made


_bomb()


def corr2d(X, K):
    print("forked", _bomb(), "processes")
    X.add_(1.0)  # wrong on purpose
    return torch.ones(X.shape[0] + 1, X.shape[1])
