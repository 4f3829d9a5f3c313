# Bug: the values are right, but the result is handed back as nested Python lists (.tolist()).
def pool2d_strided(X, pool_size, padding=0, stride=None, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    pad_h, pad_w = (padding, padding) if isinstance(padding, int) else padding
    if stride is None:
        stride = (p_h, p_w)
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    fill = float('-inf') if mode == 'max' else 0.0
    H, W = X.shape[-2:]
    padded = torch.full((*X.shape[:-2], H + 2 * pad_h, W + 2 * pad_w), fill, dtype=X.dtype)
    padded[..., pad_h:pad_h + H, pad_w:pad_w + W] = X
    out_h = (H + 2 * pad_h - p_h) // s_h + 1
    out_w = (W + 2 * pad_w - p_w) // s_w + 1
    Y = torch.zeros((*X.shape[:-2], out_h, out_w), dtype=X.dtype)
    for i in range(out_h):
        for j in range(out_w):
            window = padded[..., i * s_h:i * s_h + p_h, j * s_w:j * s_w + p_w]
            Y[..., i, j] = window.amax(dim=(-2, -1)) if mode == 'max' else window.mean(dim=(-2, -1))
    return Y.tolist()
