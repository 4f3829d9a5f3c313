# Hostile (policy_evasion): corr2d calls aten's convolution op directly through torch.ops.aten,
# a path the name scan does not know.
# constructs: torch.ops, ops.aten
# scope: stub
# reported: notes or output
import torch


def corr2d(X, K):
    dtype = torch.promote_types(X.dtype, K.dtype)
    Y = torch.ops.aten.convolution(X.to(dtype)[None, None], K.to(dtype)[None, None], None,
                                   [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
    return Y[0, 0]
