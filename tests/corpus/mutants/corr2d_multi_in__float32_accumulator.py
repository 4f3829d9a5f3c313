# Bug: the running total starts as torch.zeros(shape), float32 by default, and `+=` keeps it float32:
# a float64 X comes back as float32 (right values, X's dtype lost).
def corr2d_multi_in(X, K):
    Y = torch.zeros((X.shape[1] - K.shape[1] + 1, X.shape[2] - K.shape[2] + 1))
    for c in range(X.shape[0]):
        Y += corr2d(X[c], K[c])
    return Y
