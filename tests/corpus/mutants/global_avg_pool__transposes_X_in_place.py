# Bug: swaps the last two dimensions of X in place (transpose_) before averaging, changing the caller's X.
def global_avg_pool(X):
    return X.transpose_(-2, -1).mean(dim=(-2, -1))
