# Bug: "normalises" X by subtracting its mean in place (X -= ...), changing the caller's tensor.
def corr2d(X, K):
    mean = X.mean()
    X -= mean
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum() + mean * K.sum()
    return Y
