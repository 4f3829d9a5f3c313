"""The grader's own global_avg_pool and ConvBlock, served to later stubs while those are graded.

Plain torch, not the solutions, and never shipped to the sandbox: the child gets a proxy per
name and the parent answers each use (autograder/grading/help.py says why that cannot answer the stub
under test).
"""

from __future__ import annotations

import torch

from autograder.grading.help import stand_in


def _small_ints(*values: object) -> None:
    for v in values:
        if type(v) is not int or not 0 < v <= 512:
            raise ValueError(f"expected a positive int, got {v!r}")


@stand_in("global_avg_pool")
def global_avg_pool(X: torch.Tensor) -> torch.Tensor:
    return X.mean(dim=(-2, -1))


@stand_in("ConvBlock", "layers")
def conv_block(in_channels, out_channels, kernel_size=3, stride=1) -> list:
    _small_ints(in_channels, out_channels, kernel_size, stride)
    return [["Conv2d", [in_channels, out_channels, kernel_size], {"stride": stride, "padding": kernel_size // 2}],
            ["BatchNorm2d", [out_channels], {}],
            ["ReLU", [], {}]]
