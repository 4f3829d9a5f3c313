# Bug: flattens K with .view(-1) before folding it into (c_o, c_i): fails when K is a transposed or
# cropped view, or the same weights expanded over the output channels.
def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    weights = K.view(-1)          # all c_o * c_i weights, one after another
    W = weights.view(c_o, c_i)
    return (W @ X.reshape(c_i, h * w)).reshape(c_o, h, w)
