# Bug: preallocates the result with torch.empty(shape), float32 by default: a float64 X comes back as float32.
def corr2d_multi_in_out(X, K):
    c_o, _, k_h, k_w = K.shape
    Y = torch.empty((c_o, X.shape[1] - k_h + 1, X.shape[2] - k_w + 1))
    for o in range(c_o):
        Y[o] = corr2d_multi_in(X, K[o])
    return Y
