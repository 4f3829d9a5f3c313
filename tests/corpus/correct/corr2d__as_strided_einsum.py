# Windows built by hand with as_strided, contracted with the kernel by einsum.
import torch


def corr2d(X, K):
    X = X.contiguous()
    k_h, k_w = K.shape
    out_h, out_w = X.shape[0] - k_h + 1, X.shape[1] - k_w + 1
    s0, s1 = X.stride()
    windows = X.as_strided((out_h, out_w, k_h, k_w), (s0, s1, s0, s1))
    return torch.einsum("ijab,ab->ij", windows, K.to(X.dtype))
