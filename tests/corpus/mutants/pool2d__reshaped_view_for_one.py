# Bug: for a 1x1 window the "pooled" result is X.reshape(...), a view of X's own memory.
def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    if p_h * p_w == 1:
        return X.reshape(X.shape)
    rows = [[(X[i:i + p_h, j:j + p_w].max() if mode == 'max' else X[i:i + p_h, j:j + p_w].mean())
             for j in range(X.shape[1] - p_w + 1)] for i in range(X.shape[0] - p_h + 1)]
    return torch.stack([torch.stack(r) for r in rows])
