# Bug: squeezes the stacked result, so a single output channel (c_o = 1) gives a 2-D tensor.
def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0).squeeze(0)
