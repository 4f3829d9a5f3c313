# Loops over window offsets, combining shifted slices with torch.maximum (max) or a running sum (avg).
def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError("mode must be 'max' or 'avg'")
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    out_h, out_w = X.shape[0] - p_h + 1, X.shape[1] - p_w + 1
    Y = X[:out_h, :out_w].clone()
    for a in range(p_h):
        for b in range(p_w):
            if a == 0 and b == 0:
                continue
            shifted = X[a:a + out_h, b:b + out_w]
            Y = torch.maximum(Y, shifted) if mode == 'max' else Y + shifted
    return Y if mode == 'max' else Y / (p_h * p_w)
