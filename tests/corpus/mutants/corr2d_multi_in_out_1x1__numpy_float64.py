# Bug: numpy round trip with the weights as float64: numpy promotes, so a float32 X comes back as float64.
import numpy as np


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    W = K.numpy().reshape(K.shape[0], c_i).astype(np.float64)
    return torch.from_numpy(W @ X.numpy().reshape(c_i, h * w)).reshape(-1, h, w)
