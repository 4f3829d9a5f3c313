# Bug: output size n - k instead of n - k + 1, so the last row and column are missing.
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h, X.shape[1] - w), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
