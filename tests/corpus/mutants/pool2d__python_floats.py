# Bug: collects Python floats (.item()) and builds the result with torch.tensor(rows): always float32.
def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    rows = []
    for i in range(X.shape[0] - p_h + 1):
        row = []
        for j in range(X.shape[1] - p_w + 1):
            window = X[i:i + p_h, j:j + p_w]
            row.append((window.max() if mode == 'max' else window.mean()).item())
        rows.append(row)
    return torch.tensor(rows)
