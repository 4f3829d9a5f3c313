# Stride-1 correlation over the padded input with a shift-and-add loop, then keep every s-th row and column.
import torch


def corr2d_strided(X, K, padding=0, stride=1):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    k_h, k_w = K.shape
    Xp = torch.zeros(X.shape[0] + 2 * p_h, X.shape[1] + 2 * p_w, dtype=X.dtype)
    Xp[p_h:p_h + X.shape[0], p_w:p_w + X.shape[1]] = X
    out_h, out_w = Xp.shape[0] - k_h + 1, Xp.shape[1] - k_w + 1
    full = torch.zeros(out_h, out_w, dtype=X.dtype)
    for a in range(k_h):
        for b in range(k_w):
            full += K[a, b] * Xp[a:a + out_h, b:b + out_w]
    return full[::s_h, ::s_w]
