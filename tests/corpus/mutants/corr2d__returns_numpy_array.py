# Bug: computes the right values in numpy but forgets torch.from_numpy, so a numpy array comes back.
import numpy as np


def corr2d(X, K):
    x, k = X.detach().numpy(), K.detach().numpy()
    h, w = k.shape
    Y = np.zeros((x.shape[0] - h + 1, x.shape[1] - w + 1), dtype=x.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (x[i:i + h, j:j + w] * k).sum()
    return Y
