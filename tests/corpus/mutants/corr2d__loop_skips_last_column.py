# Bug: the column loop stops one short (range(n_w - k_w)), leaving the last column at zero.
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(X.shape[0] - h + 1):
        for j in range(X.shape[1] - w):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
