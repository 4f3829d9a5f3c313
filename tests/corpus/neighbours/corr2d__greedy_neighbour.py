# Hostile neighbour: takes all it can of what it shares with the next student's sandbox: every
# core (busy threads), memory near its limit, the /tmp tmpfs, and the time of every call.
import threading
import torch

_hog = []


def _burn():
    x = 0
    while True:
        x += 1


for _ in range(8):
    threading.Thread(target=_burn, daemon=True).start()
try:
    _hog.append(torch.ones(600 * 1024**2 // 4))  # 600 MiB of its 3 GiB
    with open("/tmp/fill", "wb") as f:
        f.write(b"\0" * 400 * 1024**2)
except (MemoryError, OSError, RuntimeError):
    pass


def corr2d(X, K):
    while True:
        torch.mm(torch.ones(256, 256), torch.ones(256, 256))
