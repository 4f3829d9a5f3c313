# Bug: .view everywhere (torch.mm of two views, result viewed back): fails on sliced or transposed X.
def corr2d_multi_in_out_1x1(X, K):
    Y = torch.mm(K.view(K.shape[0], -1), X.view(X.shape[0], -1))
    return Y.view(K.shape[0], *X.shape[1:])
