# Dispatches on the mode with a match statement (case _ raises ValueError); a pair is any tuple or list
# (a torch.Size is a tuple); the output is built from lists of windows with torch.stack.
def pool2d_strided(X, pool_size, padding=0, stride=None, mode='max'):
    match mode:
        case 'max':
            fill, reduce = -torch.inf, lambda w: w.amax(dim=(-2, -1))
        case 'avg':
            fill, reduce = 0.0, lambda w: w.mean(dim=(-2, -1))
        case _:
            raise ValueError(f"pooling mode must be 'max' or 'avg', not {mode!r}")

    def two(v):
        return (int(v[0]), int(v[1])) if isinstance(v, (tuple, list)) else (int(v), int(v))

    (k_h, k_w), (p_h, p_w) = two(pool_size), two(padding)
    s_h, s_w = two(pool_size if stride is None else stride)
    H, W = X.shape[-2:]
    padded = X.new_full((*X.shape[:-2], H + 2 * p_h, W + 2 * p_w), fill)
    padded[..., p_h:p_h + H, p_w:p_w + W] = X
    rows = []
    for top in range(0, H + 2 * p_h - k_h + 1, s_h):
        cols = [reduce(padded[..., top:top + k_h, left:left + k_w]) for left in range(0, W + 2 * p_w - k_w + 1, s_w)]
        rows.append(torch.stack(cols, dim=-1))
    return torch.stack(rows, dim=-2)
