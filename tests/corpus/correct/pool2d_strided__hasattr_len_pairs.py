def pool2d_strided(X, pool_size, padding=0, stride=None, mode='max'):
    """Pairs recognised by having a length (tuples, lists, torch.Size); windows reduced with amax/mean."""
    if mode not in ('max', 'avg'):
        raise ValueError(f"unknown mode {mode!r}")

    def pair(v):
        return (int(v[0]), int(v[1])) if hasattr(v, '__len__') else (int(v), int(v))

    k_h, k_w = pair(pool_size)
    p_h, p_w = pair(padding)
    s_h, s_w = pair(pool_size if stride is None else stride)
    n_h, n_w = X.shape[-2], X.shape[-1]
    fill = float('-inf') if mode == 'max' else 0.0
    padded = torch.full(X.shape[:-2] + (n_h + 2 * p_h, n_w + 2 * p_w), fill, dtype=X.dtype)
    padded[..., p_h:p_h + n_h, p_w:p_w + n_w] = X
    rows = (n_h + 2 * p_h - k_h) // s_h + 1
    cols = (n_w + 2 * p_w - k_w) // s_w + 1
    out = torch.empty(X.shape[:-2] + (rows, cols), dtype=X.dtype)
    for i in range(rows):
        for j in range(cols):
            window = padded[..., i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w]
            out[..., i, j] = window.amax(dim=(-2, -1)) if mode == 'max' else window.mean(dim=(-2, -1))
    return out
