# Bug: the signature swaps the order (stride before padding), so corr2d_strided(X, K, 1, 2) pads by 2 with stride 1.
def corr2d_strided(X, K, stride=1, padding=0):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    k_h, k_w = K.shape
    X_padded = F.pad(X, (p_w, p_w, p_h, p_h))
    windows = X_padded.unfold(0, k_h, s_h).unfold(1, k_w, s_w)
    return (windows * K).sum(dim=(-2, -1))
