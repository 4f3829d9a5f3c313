# Hostile (policy_evasion): corr2d calls torch's convolution through an alias of
# torch.nn.functional the name scan does not know (G instead of F).
# constructs: conv2d
# scope: stub
# reported: notes or output
import torch
from torch.nn import functional as G


def corr2d(X, K):
    dtype = torch.promote_types(X.dtype, K.dtype)
    return G.conv2d(X.to(dtype)[None, None], K.to(dtype)[None, None])[0, 0]
