# Bug: padding and stride are keyword-only (the `*`), so corr2d_strided(X, K, 1, 2) raises a TypeError.
def corr2d_strided(X, K, *, padding=0, stride=1):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    n_h, n_w = X.shape
    k_h, k_w = K.shape
    Xp = torch.zeros((n_h + 2 * p_h, n_w + 2 * p_w), dtype=X.dtype)
    Xp[p_h:p_h + n_h, p_w:p_w + n_w] = X
    Y = torch.zeros(((n_h + 2 * p_h - k_h) // s_h + 1, (n_w + 2 * p_w - k_w) // s_w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (Xp[i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w] * K).sum()
    return Y
