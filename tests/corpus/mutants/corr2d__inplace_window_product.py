# Bug: multiplies the window in place; the slice is a view, so X itself is overwritten.
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + h, j:j + w]
            window *= K
            Y[i, j] = window.sum()
    return Y
