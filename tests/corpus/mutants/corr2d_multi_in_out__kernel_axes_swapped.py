# Bug: iterates over the kernel's input-channel axis (K[:, c]) instead of its output-channel axis.
def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, K[:, c]) for c in range(K.shape[1])], 0)
