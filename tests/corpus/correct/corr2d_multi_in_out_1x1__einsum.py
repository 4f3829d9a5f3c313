# The per-pixel matrix product written as one einsum over the channel index.
def corr2d_multi_in_out_1x1(X, K):
    return torch.einsum("oc,chw->ohw", K[:, :, 0, 0].to(X.dtype), X)
