# Bug: flips the kernel (a true convolution), not the cross-correlation asked for.
def corr2d(X, K):
    K = torch.flip(K, dims=(0, 1))
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
