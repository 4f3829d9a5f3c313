# Accumulates in float64 for accuracy, then casts the result back to X's dtype.
def corr2d_strided(X, K, padding=0, stride=1):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    Xp = F.pad(X.double(), (p_w, p_w, p_h, p_h))
    k_h, k_w = K.shape
    rows = range(0, Xp.shape[0] - k_h + 1, s_h)
    cols = range(0, Xp.shape[1] - k_w + 1, s_w)
    Y = torch.tensor([[float((Xp[i:i + k_h, j:j + k_w] * K.double()).sum()) for j in cols] for i in rows],
                     dtype=torch.float64).reshape(len(rows), len(cols))
    return Y.to(X.dtype)
