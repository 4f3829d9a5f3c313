# Bug: each window's sum is stored with .item(): right values, but the result has no autograd
# history, so no gradient reaches X or K (Conv2D and learn_kernel train K through corr2d).
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum().item()
    return Y
