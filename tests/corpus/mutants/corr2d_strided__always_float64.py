# Bug: computes in float64 for accuracy and returns float64 whatever X's dtype.
import numpy as np


def corr2d_strided(X, K, padding=0, stride=1):
    p_h, p_w = np.broadcast_to(padding, 2)
    s_h, s_w = np.broadcast_to(stride, 2)
    x = np.pad(X.numpy().astype(np.float64), ((p_h, p_h), (p_w, p_w)))
    windows = np.lib.stride_tricks.sliding_window_view(x, K.shape)[::s_h, ::s_w]
    return torch.from_numpy(np.einsum("ijab,ab->ij", windows, K.numpy().astype(np.float64)))
