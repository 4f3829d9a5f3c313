# Bug: only an exact tuple counts as a pair (type(v) is tuple): a torch.Size is taken for an int.
def pool2d_strided(X, pool_size, padding=0, stride=None, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"unknown mode {mode!r}")
    pair = lambda v: v if type(v) is tuple else (v, v)
    (p_h, p_w), (pad_h, pad_w) = pair(pool_size), pair(padding)
    s_h, s_w = pair(pool_size if stride is None else stride)
    n_h, n_w = X.shape[-2:]
    fill = float('-inf') if mode == 'max' else 0.0
    X_padded = torch.full(X.shape[:-2] + (n_h + 2 * pad_h, n_w + 2 * pad_w), fill, dtype=X.dtype)
    X_padded[..., pad_h:pad_h + n_h, pad_w:pad_w + n_w] = X
    out_h, out_w = (n_h + 2 * pad_h - p_h) // s_h + 1, (n_w + 2 * pad_w - p_w) // s_w + 1
    Y = torch.zeros(X.shape[:-2] + (out_h, out_w), dtype=X.dtype)
    for i in range(out_h):
        for j in range(out_w):
            window = X_padded[..., i * s_h:i * s_h + p_h, j * s_w:j * s_w + p_w]
            Y[..., i, j] = window.amax(dim=(-2, -1)) if mode == 'max' else window.mean(dim=(-2, -1))
    return Y
