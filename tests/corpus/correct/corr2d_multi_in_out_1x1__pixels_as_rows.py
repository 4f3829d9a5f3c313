# Pixels as rows: (h*w, c_i) @ (c_i, c_o), then move the channel axis back to the front with permute.
def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    pixels = X.permute(1, 2, 0).reshape(h * w, c_i)
    Y = pixels @ K.reshape(K.shape[0], c_i).T.to(X.dtype)
    return Y.reshape(h, w, -1).permute(2, 0, 1).contiguous()
