# Folds all leading dims into one batch axis, loops over output positions with explicit index ranges.
def pool2d_strided(X, pool_size, padding=0, stride=None, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    pad_h, pad_w = (padding, padding) if isinstance(padding, int) else padding
    if stride is None:
        stride = (p_h, p_w)
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    H, W = X.shape[-2:]
    flat = X.reshape(-1, H, W)
    big = torch.full((flat.shape[0], H + 2 * pad_h, W + 2 * pad_w), -torch.inf if mode == 'max' else 0.0, dtype=X.dtype)
    big[:, pad_h:pad_h + H, pad_w:pad_w + W] = flat
    rows = range(0, H + 2 * pad_h - p_h + 1, s_h)
    cols = range(0, W + 2 * pad_w - p_w + 1, s_w)
    out = torch.zeros(flat.shape[0], len(rows), len(cols), dtype=X.dtype)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            window = big[:, r:r + p_h, c:c + p_w].reshape(flat.shape[0], -1)
            out[:, i, j] = window.max(dim=1).values if mode == 'max' else window.sum(dim=1) / (p_h * p_w)
    return out.reshape(X.shape[:-2] + out.shape[-2:])
