# numpy round trip: sliding_window_view over the spatial axes, einsum over channels and window.
import numpy as np


def corr2d_multi_in_out(X, K):
    windows = np.lib.stride_tricks.sliding_window_view(X.numpy(), K.shape[-2:], axis=(1, 2))
    return torch.from_numpy(np.einsum("cijab,ocab->oij", windows, K.numpy()))
