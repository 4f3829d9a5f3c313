# Hostile (policy_evasion): the delegation lives in a cell of its own, before corr2d's: a
# helper there sums numpy's correlate (a C routine, invisible to torch's dispatcher) over the
# kernel's rows; corr2d's own cell only calls the helper.
# constructs: correlate, valid_correlation
# scope: stub
# reported: notes or output
# %% extra cell
import numpy as np
import torch


def valid_correlation(X, K):
    """Cross-correlation over every position where K fits inside X."""
    dtype = torch.promote_types(X.dtype, K.dtype)
    A, B = X.detach().to(dtype).numpy(), K.detach().to(dtype).numpy()
    rows = [sum(np.correlate(A[i + r], B[r], mode="valid") for r in range(B.shape[0]))
            for i in range(A.shape[0] - B.shape[0] + 1)]
    return torch.from_numpy(np.array(rows, dtype=A.dtype))
# %% stub cell
def corr2d(X, K):
    return valid_correlation(X, K)
