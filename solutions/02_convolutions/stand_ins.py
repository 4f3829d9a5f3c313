"""The grader's own corr2d and Conv2D, served to later stubs while those are graded.

Plain torch, not the solutions, and never shipped to the sandbox: the child gets a proxy per
name and the parent answers each use (autograder/grading/help.py says why that cannot answer the stub
under test).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from autograder.grading.help import stand_in


def _small_ints(*values: object) -> None:
    for v in values:
        if type(v) is not int or not 0 < v <= 512:
            raise ValueError(f"expected a positive int, got {v!r}")


@stand_in("corr2d")
def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    dtype = torch.promote_types(X.dtype, K.dtype)
    return F.conv2d(X.to(dtype)[None, None], K.to(dtype)[None, None])[0, 0]


def _conv2d_params(generator: torch.Generator, kernel_size) -> list[tuple[str, torch.Tensor]]:
    shape = (kernel_size, kernel_size) if type(kernel_size) is int else tuple(kernel_size)
    _small_ints(*shape)
    if len(shape) != 2:
        raise ValueError(f"kernel_size must be an int or a pair, got {kernel_size!r}")
    return [("weight", torch.rand(shape, generator=generator)), ("bias", torch.zeros(1))]


@stand_in("Conv2D", "module", init=_conv2d_params)
def conv2d_forward(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    return corr2d(x, weight) + bias
