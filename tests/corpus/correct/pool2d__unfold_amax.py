# Tensor.unfold windows reduced with amax/mean over the last two axes; int pool sizes via a helper.
def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"unknown mode {mode!r}")
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    windows = X.unfold(0, p_h, 1).unfold(1, p_w, 1)
    return windows.amax(dim=(-2, -1)) if mode == 'max' else windows.mean(dim=(-2, -1))
