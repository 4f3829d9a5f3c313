# Bug: wants X as (h*w, c_i) rows but reshapes (not permutes), scrambling pixels and channels.
def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    rows = X.reshape(h * w, c_i)
    Y = rows @ K.reshape(c_o, c_i).T
    return Y.T.reshape(c_o, h, w)
