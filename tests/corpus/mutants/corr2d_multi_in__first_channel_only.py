# Bug: the loop starts at channel 1 and overwrites instead of accumulating, so only the last channel counts.
def corr2d_multi_in(X, K):
    Y = corr2d(X[0], K[0])
    for c in range(1, X.shape[0]):
        Y = corr2d(X[c], K[c])
    return Y
