# Bug: for a 1x1 kernel holding 1 it hands back the slice X[:, :]: a view of X's memory, not a new tensor.
def corr2d(X, K):
    h, w = K.shape
    if (h, w) == (1, 1):
        return X[:, :].mul(1) if float(K[0, 0]) != 1.0 else X[:, :]
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
