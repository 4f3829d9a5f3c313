# Bug: reads one kernel size (the width) and uses it for both dimensions, as if every kernel were square.
def corr2d(X, K):
    k = K.shape[1]
    Y = torch.zeros((X.shape[0] - k + 1, X.shape[1] - k + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + k, j:j + k] * K[:k, :k]).sum()
    return Y
