# Bug: a 1x1 kernel holding 1 "changes nothing", so X itself comes back: not a new tensor
# (writing into the result would change X).
def corr2d(X, K):
    h, w = K.shape
    if (h, w) == (1, 1) and float(K[0, 0]) == 1.0:
        return X
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
