# Bug: uses the kernel height for the width too (only right for square kernels).
def corr2d(X, K):
    h = K.shape[0]
    w = h
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
