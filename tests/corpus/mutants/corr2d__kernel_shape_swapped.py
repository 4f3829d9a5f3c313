# Bug: unpacks the kernel shape in the wrong order (w, h = K.shape), so non-square kernels break.
def corr2d(X, K):
    w, h = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
