# F.pad with value -inf (max) or 0 (avg), then Tensor.unfold with the stride as step on the last two dims.
def pool2d_strided(X, pool_size, padding=0, stride=None, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"unknown pooling mode {mode!r}")
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    (p_h, p_w), (pad_h, pad_w) = pair(pool_size), pair(padding)
    s_h, s_w = pair(pool_size if stride is None else stride)
    fill = float('-inf') if mode == 'max' else 0.0
    X_padded = F.pad(X, (pad_w, pad_w, pad_h, pad_h), value=fill)
    windows = X_padded.unfold(-2, p_h, s_h).unfold(-2, p_w, s_w)  # (..., out_h, out_w, p_h, p_w)
    return windows.amax(dim=(-2, -1)) if mode == 'max' else windows.mean(dim=(-2, -1))
