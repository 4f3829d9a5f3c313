"""The hypothesis strategies behind every hidden test, defined once.

Values are multiples of 1/4 in [-10, 10]: exact in float32 and float64, negative and
fractional (so truncation to int shows), and they shrink to readable counterexamples.
Shapes run from 1x1 to 12x12, non-square, 1xk and kx1, kernels up to the input's size.
"""

from __future__ import annotations

import torch
from hypothesis import strategies as st

MAX_SIDE = 12
DTYPES = st.sampled_from([torch.float32, torch.float64])
values = st.integers(-40, 40).map(lambda v: v / 4)


@st.composite
def tensors(draw, shape: tuple[int, ...], dtype: torch.dtype | None = None) -> torch.Tensor:
    dtype = dtype or draw(DTYPES)
    n = 1
    for s in shape:
        n *= s
    flat = draw(st.lists(values, min_size=n, max_size=n))
    return torch.tensor(flat, dtype=dtype).reshape(shape)


sides = st.integers(1, MAX_SIDE)
pairs = st.tuples(st.integers(1, 4), st.integers(1, 4))


def int_or_pair(low: int, high: int):
    """An int, or an (h, w) pair: the two forms nn.Conv2d accepts."""
    return st.one_of(st.integers(low, high), st.tuples(st.integers(low, high), st.integers(low, high)))


def as_pair(v) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


@st.composite
def image_and_kernel(draw, max_side: int = MAX_SIDE, channels: tuple[int, int] | None = None):
    """X (n_h, n_w) and K (k_h, k_w) with K no larger than X; with channels=(c_i, c_o) they get channel dims."""
    dtype = draw(DTYPES)
    n_h, n_w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    k_h = draw(st.one_of(st.integers(1, min(n_h, 5)), st.just(n_h)))
    k_w = draw(st.one_of(st.integers(1, min(n_w, 5)), st.just(n_w)))
    if channels is None:
        return draw(tensors((n_h, n_w), dtype)), draw(tensors((k_h, k_w), dtype))
    c_i, c_o = channels
    return draw(tensors((c_i, n_h, n_w), dtype)), draw(tensors((c_o, c_i, k_h, k_w), dtype))


channel_counts = st.integers(1, 4)


@st.composite
def padded_case(draw, max_side: int = 9):
    """X, K, padding and stride (each int or pair) for which the output is non-empty."""
    X, K = draw(image_and_kernel(max_side=max_side))
    padding = draw(int_or_pair(0, 3))
    stride = draw(int_or_pair(1, 3))
    return X, K, padding, stride


@st.composite
def pooling_case(draw, max_side: int = 9):
    """X (..., H, W), pool size, padding (at most half the window, as torch requires), stride or None."""
    dtype = draw(DTYPES)
    lead = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
    H, W = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    p_h, p_w = draw(st.integers(1, min(H + 2, 4))), draw(st.integers(1, min(W + 2, 4)))
    pad = (draw(st.integers(0, p_h // 2)), draw(st.integers(0, p_w // 2)))
    if H + 2 * pad[0] < p_h or W + 2 * pad[1] < p_w:
        pad = (p_h // 2, p_w // 2)
    if H + 2 * pad[0] < p_h or W + 2 * pad[1] < p_w:
        p_h, p_w, pad = min(p_h, H), min(p_w, W), (0, 0)
    pool = (p_h, p_w) if p_h != p_w or draw(st.booleans()) else p_h
    padding = pad if pad[0] != pad[1] or draw(st.booleans()) else pad[0]
    stride = draw(st.one_of(st.none(), int_or_pair(1, 3)))
    return draw(tensors(lead + (H, W), dtype)), pool, padding, stride
