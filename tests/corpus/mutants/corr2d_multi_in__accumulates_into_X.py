# Bug: accumulates into a slice of X with +=, overwriting the caller's input.
def corr2d_multi_in(X, K):
    k_h, k_w = K.shape[1:]
    Y = X[0, :X.shape[1] - k_h + 1, :X.shape[2] - k_w + 1]
    Y *= 0
    for x, k in zip(X, K):
        Y += corr2d(x, k)
    return Y
