# Bug: a kernel as large as the input gets a "shortcut" that returns a 0-d scalar instead of a 1x1 tensor.
def corr2d(X, K):
    if K.shape == X.shape:
        return (X * K).sum()
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
