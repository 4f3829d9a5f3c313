# Bug: divides X in place by the number of positions, then sums: right values, but the caller's X is changed.
def global_avg_pool(X):
    X /= X.shape[-2] * X.shape[-1]
    return X.sum(dim=(-2, -1))
