# Loops over the kernel instead of the output: add K[a, b] times a shifted slice of X.
import torch


def corr2d(X, K):
    k_h, k_w = K.shape
    out_h, out_w = X.shape[0] - k_h + 1, X.shape[1] - k_w + 1
    Y = torch.zeros((out_h, out_w), dtype=X.dtype)
    for a in range(k_h):
        for b in range(k_w):
            Y = Y + K[a, b] * X[a:a + out_h, b:b + out_w]
    return Y
