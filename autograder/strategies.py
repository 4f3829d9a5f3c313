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


# --------------------------------------------------------------------- 7.6 LeNet
# Networks travel to the sandbox as data: [[nn class name, positional args], ...].

@st.composite
def init_nets(draw, big: bool = False):
    """A spec net mixing Conv2d and Linear layers (at least one) with parameter-free layers and
    normalisation layers. big=True draws layers large enough for their spread to be measured."""
    lo, hi = (40, 300) if big else (1, 64)
    c_lo, c_hi = (8, 32) if big else (1, 16)
    weighted = st.one_of(
        st.tuples(st.just("Conv2d"), st.tuples(st.integers(c_lo, c_hi), st.integers(c_lo, c_hi),
                                                st.one_of(st.integers(1, 5), st.tuples(st.integers(1, 5), st.integers(1, 5))))),
        st.tuples(st.just("Linear"), st.tuples(st.integers(lo, hi), st.integers(lo, hi))),
    )
    other = st.one_of(
        st.tuples(st.sampled_from(["ReLU", "Sigmoid", "Flatten", "Dropout"]), st.just(())),
        st.tuples(st.sampled_from(["MaxPool2d", "AvgPool2d"]), st.tuples(st.integers(1, 3))),
        st.tuples(st.sampled_from(["BatchNorm2d", "BatchNorm1d", "LayerNorm"]), st.tuples(st.integers(1, 16))),
    )
    layers = draw(st.lists(st.one_of(weighted, other), min_size=1, max_size=6))
    layers.insert(draw(st.integers(0, len(layers))), draw(weighted))
    return [[kind, [list(a) if isinstance(a, tuple) else a for a in args]] for kind, args in layers]


@st.composite
def summary_nets(draw):
    """(spec, input_shape): a shape-consistent stack of conv-stage layers, then optionally a
    Flatten and dense layers. Batch norm only where a batch holds more than one value per channel."""
    n, c, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(3, 12)), draw(st.integers(3, 12))
    input_shape = (n, c, h, w)
    spec = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["Conv2d", "Conv2d", "ReLU", "Sigmoid", "MaxPool2d", "AvgPool2d", "BatchNorm2d"]))
        if kind == "Conv2d":
            k = draw(st.integers(1, min(5, h + 2, w + 2)))
            pad = draw(st.integers(0, k // 2))
            if h + 2 * pad < k or w + 2 * pad < k:
                pad = k // 2
            if h + 2 * pad < k or w + 2 * pad < k:
                k, pad = 1, 0
            out, stride = draw(st.integers(1, 6)), draw(st.integers(1, 2))
            spec.append(["Conv2d", [c, out, k, stride, pad]])
            c, h, w = out, (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
        elif kind in ("MaxPool2d", "AvgPool2d"):
            if min(h, w) < 2:
                continue
            k = draw(st.integers(2, min(3, h, w)))
            spec.append([kind, [k]])
            h, w = h // k, w // k
        elif kind == "BatchNorm2d":
            if n * h * w > 1:
                spec.append(["BatchNorm2d", [c]])
        else:
            spec.append([kind, []])
    if draw(st.booleans()):
        spec.append(["Flatten", []])
        features = c * h * w
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["Linear", "Linear", "ReLU", "BatchNorm1d"]))
            if kind == "Linear":
                out = draw(st.integers(1, 12))
                spec.append(["Linear", [features, out]])
                features = out
            elif kind == "BatchNorm1d":
                if n > 1:
                    spec.append(["BatchNorm1d", [features]])
            else:
                spec.append(["ReLU", []])
    return spec, input_shape


@st.composite
def accuracy_batches(draw):
    """Batches of uneven sizes for a q-class problem, as (sizes, predictions, labels, permutation):
    the grader builds inputs whose predicted class is known exactly (no ties)."""
    q = draw(st.integers(2, 5))
    sizes = draw(st.lists(st.integers(1, 9), min_size=1, max_size=6))
    n = sum(sizes)
    preds = draw(st.lists(st.integers(0, q - 1), min_size=n, max_size=n))
    shifts = draw(st.lists(st.sampled_from([0, 0] + list(range(1, q))), min_size=n, max_size=n))
    labels = [(p + s) % q for p, s in zip(preds, shifts)]
    perm = draw(st.permutations(list(range(q))))
    return sizes, preds, labels, list(perm)


@st.composite
def batched_pooling_case(draw, max_side: int = 6):
    """Like pooling_case, but X always has one or two leading dimensions of size 2 or 3."""
    X, pool_size, padding, stride = draw(pooling_case(max_side=max_side))
    lead = tuple(draw(st.lists(st.integers(2, 3), min_size=1, max_size=2)))
    return draw(tensors(lead + tuple(X.shape[-2:]), X.dtype)), pool_size, padding, stride


# -------------------------------------------------------------- modern CNN blocks
@st.composite
def block_cases(draw, max_side: int = 9, same_channels: bool | None = None, strides=(1, 2)):
    """(batch, in_channels, out_channels, height, width, stride, seed) for a block's forward pass.
    The batch holds at least two examples, so batch norm in training mode always has statistics."""
    n = draw(st.integers(2, 3))
    c_in = draw(st.integers(1, 6))
    c_out = c_in if same_channels else draw(st.integers(1, 6).filter(lambda c: same_channels is None or c != c_in))
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    return n, c_in, c_out, h, w, draw(st.sampled_from(list(strides))), draw(st.integers(0, 2**16))


@st.composite
def leading_dims_tensors(draw, max_lead: int = 2, max_side: int = 7):
    """X (..., H, W) with 0 to max_lead leading dimensions, float32 or float64."""
    lead = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=max_lead)))
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    return draw(tensors(lead + (h, w)))
