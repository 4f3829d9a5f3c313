"""The grader's own corr2d_multi_in, served to later stubs while those are graded.

Plain torch, not the solutions, and never shipped to the sandbox: the child gets a proxy per
name and the parent answers each use (autograder/grading/help.py says why that cannot answer the stub
under test).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from autograder.grading.help import stand_in


@stand_in("corr2d_multi_in")
def corr2d_multi_in(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    dtype = torch.promote_types(X.dtype, K.dtype)
    return F.conv2d(X.to(dtype)[None], K.to(dtype)[None])[0, 0]
