# F.pad for the zeros, then Tensor.unfold with the stride as its step: windows land exactly on the grid.
def corr2d_strided(X, K, padding=0, stride=1):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    k_h, k_w = K.shape
    X_padded = F.pad(X, (p_w, p_w, p_h, p_h))
    windows = X_padded.unfold(0, k_h, s_h).unfold(1, k_w, s_w)
    return (windows * K).sum(dim=(-2, -1))
