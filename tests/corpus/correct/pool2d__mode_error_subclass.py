# Its own exception class for a bad mode, a subclass of ValueError (so it is a ValueError);
# the reducer is picked from a dict after the check, and any pair (tuple or torch.Size) is unpacked.
class PoolingModeError(ValueError):
    pass


def pool2d(X, pool_size, mode='max'):
    reducers = {'max': torch.amax, 'avg': torch.mean}
    if mode not in reducers:
        raise PoolingModeError(f"mode must be 'max' or 'avg', got {mode!r}")
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    out_h, out_w = X.shape[0] - p_h + 1, X.shape[1] - p_w + 1
    windows = torch.stack([X[a:a + out_h, b:b + out_w] for a in range(p_h) for b in range(p_w)])
    return reducers[mode](windows, dim=0)
