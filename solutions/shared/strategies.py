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


# How a tensor a student receives may sit in memory. Every stub taking a tensor must work on
# views, as torch's own layers do: `.view` fails on most of them, `reshape` never does, and an
# in-place write into an expanded view raises. "contiguous" comes first, so failures shrink to it.
LAYOUTS = ("contiguous", "slice", "transposed", "strided", "expanded")


def laid_out(t: torch.Tensor, layout: str, dim: int = 0) -> torch.Tensor:
    """`t`'s values (for "expanded": the first slice along `dim`, repeated) in the given layout."""
    if layout == "contiguous" or t.dim() == 0 or not t.numel():
        return t
    if layout == "slice":  # inside a larger tensor, at a storage offset
        big = torch.full(tuple(n + 2 for n in t.shape), 99.0, dtype=t.dtype)
        inner = tuple(slice(1, n + 1) for n in t.shape)
        big[inner] = t
        return big[inner]
    if layout == "transposed" and t.dim() >= 2:  # the last two dims swapped in memory
        return t.transpose(-1, -2).contiguous().transpose(-1, -2)
    if layout == "expanded":  # stride 0 along `dim`
        return t.narrow(dim, 0, 1).expand(t.shape)
    # "strided": every other row of a taller tensor (of a longer one, for 1-D), so that rows
    # and columns cannot be merged into one dimension without a copy.
    d = t.dim() - 2 if t.dim() >= 2 else 0
    big = torch.zeros(tuple(2 * n if i == d else n for i, n in enumerate(t.shape)), dtype=t.dtype)
    index = tuple(slice(None, None, 2) if i == d else slice(None) for i in range(t.dim()))
    big[index] = t
    return big[index]


@st.composite
def layouts(draw, t: torch.Tensor) -> torch.Tensor:
    layout = draw(st.sampled_from(LAYOUTS))
    wide = [d for d, n in enumerate(t.shape) if n > 1]
    if layout == "expanded" and not wide:
        return t
    return laid_out(t, layout, draw(st.sampled_from(wide)) if layout == "expanded" else 0)


@st.composite
def tensors(draw, shape: tuple[int, ...], dtype: torch.dtype | None = None, layout: bool = True) -> torch.Tensor:
    """Values on the quarter grid, in any LAYOUT (layout=False: always contiguous)."""
    dtype = dtype or draw(DTYPES)
    n = 1
    for s in shape:
        n *= s
    flat = draw(st.lists(values, min_size=n, max_size=n))
    t = torch.tensor(flat, dtype=dtype).reshape(shape)
    return draw(layouts(t)) if layout else t


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


# ------------------------------------------------------------------ 04_channels, 05_pooling
X_VIEW_LAYOUTS = ("crop", "every_other_column", "transposed", "expanded_rows")
K_VIEW_LAYOUTS = ("kernel_window", "transposed_matrix", "channel_crop", "expanded_outputs")


def _dense(draw, shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """Values on the quarter grid, row-major and contiguous: the parent tensor a view is taken from."""
    return draw(tensors(shape, dtype)).contiguous()


def _inside(draw, t_shape: tuple[int, ...], dtype: torch.dtype, grow: tuple[int, ...]) -> tuple[torch.Tensor, tuple]:
    """A bigger tensor (each dim grown by `grow`) and the index that crops `t_shape` out of it at random offsets."""
    big = _dense(draw, tuple(n + g for n, g in zip(t_shape, grow)), dtype)
    at = tuple(slice(o, o + n) for o, n in ((draw(st.integers(0, g)), n) for n, g in zip(t_shape, grow)))
    return big, at


@st.composite
def channel_views(draw, shape: tuple[int, int, int], dtype: torch.dtype) -> torch.Tensor:
    """X of shape (c, h, w) as a view into a larger tensor, built here in the parent. With h, w >= 2
    no layout lets `.view` merge h and w: a crop of a wider tensor, every other column of a tensor
    of odd width, the last two dims transposed in memory, or one row repeated (stride 0)."""
    c, h, w = shape
    layout = draw(st.sampled_from(X_VIEW_LAYOUTS))
    if layout == "crop":
        big, at = _inside(draw, shape, dtype, (draw(st.integers(0, 2)), draw(st.integers(0, 2)), draw(st.integers(1, 3))))
        return big[at]
    if layout == "every_other_column":
        big = _dense(draw, (c, h, 2 * w - 1), dtype)
        return big[:, :, ::2]
    if layout == "transposed":
        return _dense(draw, (c, w, h), dtype).transpose(1, 2)
    return _dense(draw, (c, 1, w), dtype).expand(c, h, w)


@st.composite
def one_by_one_kernel_views(draw, c_o: int, c_i: int, dtype: torch.dtype) -> torch.Tensor:
    """K of shape (c_o, c_i, 1, 1) as a view: the centre-ish entry of a larger kernel (as in the
    notebook's own check), a (c_i, c_o) matrix transposed, the first input channels of a wider
    kernel, or one row of weights shared by every output channel (stride 0)."""
    layout = draw(st.sampled_from(K_VIEW_LAYOUTS))
    if layout == "kernel_window":
        k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
        big, at = _inside(draw, (c_o, c_i, 1, 1), dtype, (0, 0, k[0] - 1, k[1] - 1))
        return big[at]
    if layout == "transposed_matrix":
        return _dense(draw, (c_i, c_o), dtype).T[:, :, None, None]
    if layout == "channel_crop":
        big, at = _inside(draw, (c_o, c_i, 1, 1), dtype, (0, draw(st.integers(1, 3)), 0, 0))
        return big[at]
    return _dense(draw, (1, c_i, 1, 1), dtype).expand(c_o, c_i, 1, 1)


@st.composite
def sliced_one_by_one_case(draw, max_side: int = 6):
    """X (c_i, h, w) and K (c_o, c_i, 1, 1), both views into larger tensors; h, w >= 2 so that
    `X.view(c_i, h * w)` fails, and c_i, c_o >= 2 so that flattening K with `.view` fails too."""
    dtype = draw(DTYPES)
    c_i, c_o = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    h, w = draw(st.integers(2, max_side)), draw(st.integers(2, max_side))
    return draw(channel_views((c_i, h, w), dtype)), draw(one_by_one_kernel_views(c_o, c_i, dtype))


@st.composite
def pool_geometry(draw, max_side: int = 6):
    """X (..., H, W) and one pooling's window, padding and stride as (h, w) pairs (padding at most
    half the window, the window fitting the padded input); half the time square in every pair, so
    that each one can also be written as an int."""
    dtype = draw(DTYPES)
    lead = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
    square = draw(st.booleans())
    H, W = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    k = (draw(st.integers(1, 4)),) * 2 if square else (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    pad = (draw(st.integers(0, k[0] // 2)),) * 2 if square else tuple(draw(st.integers(0, n // 2)) for n in k)
    stride = (draw(st.integers(1, 3)),) * 2 if square else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    H, W = max(H, k[0] - 2 * pad[0]), max(W, k[1] - 2 * pad[1])  # the window fits the padded input
    return draw(tensors(lead + (H, W), dtype)), k, pad, stride


def pair_forms(value: tuple[int, int]) -> list:
    """Every way the task text lets a student be handed this (h, w) pair: an int when both agree,
    a tuple, and a torch.Size (a tuple too, as `X.shape[-2:]` is)."""
    forms = [value[0]] if value[0] == value[1] else []
    return forms + [tuple(value), torch.Size(value)]
