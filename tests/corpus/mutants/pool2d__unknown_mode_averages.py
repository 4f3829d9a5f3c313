# Bug: `else:` is the average branch, so 'min', 'MAX', None... all silently average.
def pool2d(X, pool_size, mode='max'):
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    out_h, out_w = X.shape[0] - p_h + 1, X.shape[1] - p_w + 1
    windows = torch.stack([X[a:a + out_h, b:b + out_w] for a in range(p_h) for b in range(p_w)])
    if mode == 'max':
        return windows.amax(dim=0)
    else:
        return windows.mean(dim=0)
