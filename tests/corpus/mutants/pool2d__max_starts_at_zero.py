# Bug: the running maximum starts at 0, so an all-negative window reports 0.
def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p_h, j:j + p_w]
            if mode == 'max':
                best = 0.0
                for v in window.flatten().tolist():
                    best = max(best, v)
                Y[i, j] = best
            else:
                Y[i, j] = window.mean()
    return Y
