# Bug: X.view(c_i, h * w) instead of reshape: fails when X is a slice of a larger tensor.
def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    Y = torch.matmul(K.reshape(c_o, c_i), X.view(c_i, h * w))
    return Y.reshape(c_o, h, w)
