# Bug: casts both operands with .float() before the product: a float64 X comes back as float32.
def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    Y = K.reshape(c_o, c_i).float() @ X.reshape(c_i, h * w).float()
    return Y.reshape(c_o, h, w)
