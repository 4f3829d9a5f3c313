"""Oracles several assignments share: torch's own operations, in float64.

Parent only (content under solutions/ never enters a sandbox).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F


def conv2d(X: torch.Tensor, K: torch.Tensor, padding: Any = 0, stride: Any = 1) -> torch.Tensor:
    """Single-channel cross-correlation via torch, in float64."""
    return F.conv2d(X.double()[None, None], K.double()[None, None], padding=padding, stride=stride)[0, 0]


def conv2d_multi(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """X (c_i, h, w), K (c_o, c_i, k_h, k_w) -> (c_o, h', w') via torch, in float64."""
    return F.conv2d(X.double()[None], K.double())[0]


def pool(X: torch.Tensor, pool_size: Any, padding: Any, stride: Any, mode: str) -> torch.Tensor:
    """nn.MaxPool2d / nn.AvgPool2d with their defaults, over any leading dimensions, in float64."""
    lead = X.shape[:-2]
    flat = X.double().reshape((-1, 1) + tuple(X.shape[-2:]))
    fn = F.max_pool2d if mode == "max" else F.avg_pool2d
    out = fn(flat, pool_size, stride=stride if stride is not None else pool_size, padding=padding)
    return out.reshape(tuple(lead) + tuple(out.shape[-2:]))
