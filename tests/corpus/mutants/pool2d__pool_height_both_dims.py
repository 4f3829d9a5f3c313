# Bug: a pair pool_size is collapsed to its first entry, used for both height and width.
def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    p = pool_size if isinstance(pool_size, int) else pool_size[0]
    Y = torch.zeros((X.shape[0] - p + 1, X.shape[1] - p + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p, j:j + p]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y
