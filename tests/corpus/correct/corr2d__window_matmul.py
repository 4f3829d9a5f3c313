# im2col by hand: stack flattened windows as rows with a list comprehension, then one matrix-vector product.
import torch


def corr2d(X, K):
    k_h, k_w = K.shape
    out_h, out_w = X.shape[0] - k_h + 1, X.shape[1] - k_w + 1
    rows = [X[i:i + k_h, j:j + k_w].reshape(-1) for i in range(out_h) for j in range(out_w)]
    return (torch.stack(rows) @ K.reshape(-1)).reshape(out_h, out_w)
