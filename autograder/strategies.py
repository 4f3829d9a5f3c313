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


# ---------------------------------------------------------------- 7.1, 7.3, 7.4, 7.5
def _int_or_pair_of(draw, value: tuple[int, int]):
    """`value` as the student may be given it: an int when both entries agree (sometimes), else the pair."""
    return value[0] if value[0] == value[1] and draw(st.booleans()) else value


@st.composite
def conv_shape_case(draw, max_side: int = MAX_SIDE):
    """input_size, kernel_size, padding, stride (each int or pair) with n + 2p >= k per dimension.

    Kernels may be larger than the unpadded input, as long as the padding makes them fit."""
    n = (draw(st.integers(1, max_side)), draw(st.integers(1, max_side)))
    p = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
    s = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    k = tuple(draw(st.integers(1, min(n[d] + 2 * p[d], 7))) for d in range(2))
    return tuple(_int_or_pair_of(draw, v) for v in (n, k, p, s))


@st.composite
def oversized_kernel_case(draw, max_side: int = 6):
    """X, K, padding, stride where K is taller or wider than X and only the padding makes it fit."""
    dtype = draw(DTYPES)
    n = (draw(st.integers(1, max_side)), draw(st.integers(1, max_side)))
    p = (draw(st.integers(1, 3)), draw(st.integers(0, 3)))
    if draw(st.booleans()):
        n, p = n[::-1], p[::-1]
    k = tuple(draw(st.integers(1, n[d] + 2 * p[d])) for d in range(2))
    if k[0] <= n[0] and k[1] <= n[1]:  # make at least one dimension overhang the input
        d = 0 if p[0] > 0 else 1
        k = tuple(n[e] + p[e] if e == d else k[e] for e in range(2))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return (draw(tensors(n, dtype)), draw(tensors(k, dtype)), _int_or_pair_of(draw, p), _int_or_pair_of(draw, s))


@st.composite
def multi_channel_case(draw, max_side: int = 7, one_by_one: bool = False):
    """X (c_i, h, w) and K (c_o, c_i, k_h, k_w) with 1 to 4 channels each; 1x1 kernels if asked."""
    c_i, c_o = draw(channel_counts), draw(channel_counts)
    if not one_by_one:
        return draw(image_and_kernel(max_side=max_side, channels=(c_i, c_o)))
    dtype = draw(DTYPES)
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    return draw(tensors((c_i, h, w), dtype)), draw(tensors((c_o, c_i, 1, 1), dtype))


pool_modes = st.sampled_from(["max", "avg"])


@st.composite
def pool2d_case(draw, max_side: int = 8):
    """X (H, W) and a pool size (int or pair) that fits into it: stride 1, no padding."""
    dtype = draw(DTYPES)
    H, W = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    p = (draw(st.integers(1, min(H, 4))), draw(st.integers(1, min(W, 4))))
    return draw(tensors((H, W), dtype)), _int_or_pair_of(draw, p)


@st.composite
def negative_padded_pooling_case(draw, max_side: int = 6):
    """X (H, W) of strictly negative values, a pool size of at least 2 and a non-zero padding
    (at most half the window, as torch requires): zero padding and -inf padding disagree here."""
    dtype = draw(DTYPES)
    H, W = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    p = (draw(st.integers(2, 4)), draw(st.integers(2, 4)))
    pad = (draw(st.integers(1, p[0] // 2)), draw(st.integers(0, p[1] // 2)))
    if draw(st.booleans()):
        p, pad = p[::-1], pad[::-1]
    pad = tuple(max(pad[d], (p[d] - n + 1) // 2) for d, n in enumerate((H, W)))  # the window must fit
    X = draw(tensors((H, W), dtype))
    X = -X.abs() - 0.25
    stride = draw(st.one_of(st.none(), int_or_pair(1, 3)))
    return X, _int_or_pair_of(draw, p), _int_or_pair_of(draw, pad), stride
