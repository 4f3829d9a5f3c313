# Bug: pads only the top and left (padding treated as a total, placed on one side).
def corr2d_strided(X, K, padding=0, stride=1):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    k_h, k_w = K.shape
    Xp = torch.zeros((X.shape[0] + p_h, X.shape[1] + p_w), dtype=X.dtype)
    Xp[p_h:, p_w:] = X
    Y = torch.zeros(((Xp.shape[0] - k_h) // s_h + 1, (Xp.shape[1] - k_w) // s_w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (Xp[i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w] * K).sum()
    return Y
