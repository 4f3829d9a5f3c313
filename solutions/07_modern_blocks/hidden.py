"""Hidden tests for the modern-blocks notebook: ConvBlock, ResidualBlock, SEBlock,
global_avg_pool and receptive_field.

Blocks are run in the sandbox through the "module" probe; every expected value is
recomputed here, from torch and from the student's own parameters where they matter.
"""

from __future__ import annotations

from itertools import permutations

import torch
import torch.nn.functional as F
from hypothesis import example, given
from hypothesis import strategies as st

from autograder.grading import checks, promises
from course_content.shared import strategies as s
from autograder.grading.hidden import Student, hidden_test
from autograder.student.visible import show

A = promises.here(__name__)  # this folder's assignment id


def _x(n: int, c: int, h: int, w: int, seed: int) -> torch.Tensor:
    return torch.randn(n, c, h, w, generator=torch.Generator().manual_seed(seed))


def _run(student: Student, target: str, args: list, ctor: str, x: torch.Tensor, **options) -> tuple[dict, str]:
    what = f"{ctor}(X) with X of shape {tuple(x.shape)}"
    rep = student.probe("module", what, target=target, init_args=args, input=x, **options)
    if not rep.get("is_module"):
        raise checks.Mismatch(f"{ctor} is a {rep.get('type')}, not an nn.Module")
    return rep, what


def _output(rep: dict, what: str, shape: tuple) -> torch.Tensor:
    got = checks.shaped(rep["output"], shape, what)
    if not got.is_floating_point():
        raise checks.Mismatch(f"{what} returned a tensor of dtype {got.dtype}; expected floating-point values")
    return got


def _gates_something(got: torch.Tensor, x: torch.Tensor, what: str) -> None:
    """An SE block scales by sigmoid gates in (0, 1): `return X` keeps the shape and the channel
    means trivially, so those properties count only for a block that changes its input."""
    if got.shape == x.shape and torch.equal(got.to(x.dtype), x):
        raise checks.Mismatch(f"{what} returned X unchanged; an SE block multiplies each channel by a sigmoid gate between 0 and 1")


def _input_unchanged(rep: dict, x: torch.Tensor, what: str) -> None:
    after = rep.get("input_after")
    if not isinstance(after, torch.Tensor) or after.shape != x.shape or not torch.equal(after, x):
        raise checks.Mismatch(f"{what} modified its input X in place; the block must leave X as it was "
                              "(avoid in-place operations such as X += ..., X.relu_() or nn.ReLU(inplace=True) on X)")


def _conv_out(size: int, k: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - k) // stride + 1


# A block's expected output is recomputed here from its own layers (as the probe reports them):
# the tests that judge a block's values compare with these, so that a property (channel gates
# in (0, 1), a branch with mean 0 and variance 1) pays only when the output is also right.
def _conv_leaf(y: torch.Tensor, leaf: dict, ctor: str, stride: int, padding: int) -> torch.Tensor:
    """One of the block's Conv2d layers, with its own weight and bias, at the stride and padding the block should use."""
    p = leaf["params"]
    if "weight" not in p:
        raise checks.Mismatch(f"the Conv2d layer {leaf['name']} of {ctor} has no weight")
    return F.conv2d(y, p["weight"].double(), None if p.get("bias") is None else p["bias"].double(), stride=stride, padding=padding)


def _bn_leaf(y: torch.Tensor, leaf: dict) -> torch.Tensor:
    """One of the block's BatchNorm2d layers in training mode: batch statistics, its own scale and shift."""
    gamma, beta = leaf["params"].get("weight"), leaf["params"].get("bias")
    return F.batch_norm(y, None, None, None if gamma is None else gamma.double(), None if beta is None else beta.double(),
                        training=True, eps=float(leaf.get("eps", 1e-5)))


def _matches_one(got: torch.Tensor, candidates: list[torch.Tensor], what: str, x: torch.Tensor) -> None:
    """The output must equal one of the values recomputed from the block's layers; where the order of
    two alike layers cannot be told from the block, each order is a candidate (the first one's
    difference is reported)."""
    failure = None
    for expected in candidates:
        try:
            checks.close(got, expected, what, inputs=(x,))
            return
        except checks.Mismatch as exc:
            failure = failure or exc
    raise failure


MOMENTUM = 0.1  # nn.BatchNorm2d's default: running = (1 - momentum) * running + momentum * batch


class _Norms:
    """The block's BatchNorm2d layers as torch computes them: batch statistics in training mode
    (remembering them, as the running averages do), running statistics in eval mode."""

    def __init__(self, train: bool, running: dict | None = None):
        self.train, self.running, self.seen = train, running or {}, {}

    def __call__(self, y: torch.Tensor, leaf: dict) -> torch.Tensor:
        gamma, beta = leaf["params"].get("weight"), leaf["params"].get("bias")
        gamma, beta = (None if t is None else t.double() for t in (gamma, beta))
        eps = float(leaf.get("eps", 1e-5))
        if self.train:
            self.seen[leaf["name"]] = (y.mean(dim=(0, 2, 3)), y.var(dim=(0, 2, 3), unbiased=True))
            return F.batch_norm(y, None, None, gamma, beta, training=True, eps=eps)
        c = y.shape[1]
        mean, var = self.running.get(leaf["name"], (torch.zeros(c, dtype=y.dtype), torch.ones(c, dtype=y.dtype)))
        return F.batch_norm(y, mean, var, gamma, beta, training=False, eps=eps)


def _reported_running(norms: list[dict]) -> dict | None:
    """The running statistics of every batch norm, where the probe reports its buffers."""
    out = {}
    for leaf in norms:
        b = leaf.get("buffers") or {}
        if not (isinstance(b.get("running_mean"), torch.Tensor) and isinstance(b.get("running_var"), torch.Tensor)):
            return None
        out[leaf["name"]] = (b["running_mean"].double(), b["running_var"].double())
    return out


def _in_mode(forward, norms: list[dict], train: bool) -> list[torch.Tensor]:
    """What a block computes with `forward` (a function of a _Norms) in the given mode. In eval mode,
    batch norm uses its running statistics: those the probe reports, or else those a fresh layer can
    have: the initial ones (mean 0, variance 1), or those after the one training-mode pass in which
    the probe materialises lazy layers."""
    if train:
        return [forward(_Norms(True))]
    reported = _reported_running(norms)
    if reported is not None:
        return [forward(_Norms(False, reported))]
    first = _Norms(True)
    forward(first)
    after = {name: (MOMENTUM * m, (1 - MOMENTUM) + MOMENTUM * v) for name, (m, v) in first.seen.items()}
    return [forward(_Norms(False)), forward(_Norms(False, after))]


EVAL_NOTE = "in eval mode, each batch norm normalises with its running statistics, not with the batch's"


# ------------------------------------------------------------------------------ ConvBlock
def _conv_block(student: Student, case, k: int | None, **options):
    n, c_in, c_out, h, w, stride, seed = case
    args = [c_in, c_out] + ([] if k is None else [k, stride])
    ctor = f"ConvBlock({c_in}, {c_out}" + ("" if k is None else f", {k}, {stride}") + ")"
    x = _x(n, c_in, h, w, seed)
    rep, what = _run(student, "ConvBlock", args, ctor, x, **options)
    k, stride = (3, 1) if k is None else (k, stride)
    return rep, what, x, k, stride


@hidden_test("ConvBlock", examples=15)
@given(case=s.block_cases(strides=(1, 2, 3)), k=st.one_of(st.none(), st.integers(1, 5)))
@example(case=(2, 3, 8, 7, 7, 1, 0), k=None)
def conv_block_shapes(student: Student, case, k):
    rep, what, x, k, stride = _conv_block(student, case, k)
    n, _, c_out, h, w, _, _ = case
    _output(rep, what, (n, c_out, _conv_out(h, k, stride, k // 2), _conv_out(w, k, stride, k // 2)))
    _input_unchanged(rep, x, what)


@hidden_test("ConvBlock", examples=12)
@given(case=s.block_cases(strides=(1, 2)), k=st.one_of(st.none(), st.sampled_from([1, 3, 5])))
@example(case=(2, 3, 4, 6, 6, 1, 1), k=3)
def conv_block_is_conv_bn_relu(student: Student, case, k):
    rep, what, x, k, stride = _conv_block(student, case, k, train=True)
    ctor = what.split("(X)")[0]
    convs = [leaf for leaf in rep["leaves"] if leaf["type"] == "Conv2d"]
    norms = [leaf for leaf in rep["leaves"] if leaf["type"] == "BatchNorm2d"]
    if len(convs) != 1 or len(norms) != 1:
        raise checks.Mismatch(f"{ctor} has {len(convs)} Conv2d and {len(norms)} BatchNorm2d layers; a convolutional block has one of each")
    expected = torch.relu(_bn_leaf(_conv_leaf(x.double(), convs[0], ctor, stride, k // 2), norms[0]))
    got = _output(rep, what, tuple(expected.shape))
    if bool((got < 0).any()):
        raise checks.Mismatch(f"{what} returned negative values (as low as {float(got.min()):.4g}); the block must end with the ReLU")
    checks.close(got, expected, f"{what} in training mode (compared with ReLU(BatchNorm(Conv(X))) computed from your block's own parameters)",
                 inputs=(x,))


def _conv_block_outputs(rep: dict, x: torch.Tensor, ctor: str, k: int, stride: int, train: bool) -> list[torch.Tensor]:
    """ReLU(BatchNorm(Conv(X))) from the block's own two layers, at the stride and padding it should use."""
    convs = [leaf for leaf in rep["leaves"] if leaf["type"] == "Conv2d"]
    norms = [leaf for leaf in rep["leaves"] if leaf["type"] == "BatchNorm2d"]
    if len(convs) != 1 or len(norms) != 1:
        raise checks.Mismatch(f"{ctor} has {len(convs)} Conv2d and {len(norms)} BatchNorm2d layers; a convolutional block has one of each")
    return _in_mode(lambda bn: torch.relu(bn(_conv_leaf(x.double(), convs[0], ctor, stride, k // 2), norms[0])), norms, train)


def _conv_block_shape(case, k: int, stride: int) -> tuple:
    n, _, c_out, h, w, _, _ = case
    return n, c_out, _conv_out(h, k, stride, k // 2), _conv_out(w, k, stride, k // 2)


KEYWORDS = ("kernel_size and stride", "kernel_size", "stride", "neither")


@hidden_test("ConvBlock", examples=10)
@given(case=s.block_cases(strides=(1, 2, 3)), k=st.sampled_from([1, 3, 5]), style=st.sampled_from(KEYWORDS))
@example(case=(2, 3, 4, 9, 9, 2, 0), k=5, style="kernel_size and stride")
@example(case=(2, 2, 3, 7, 5, 3, 1), k=1, style="stride")
@example(case=(2, 3, 5, 6, 6, 1, 2), k=5, style="kernel_size")
def conv_block_keyword_arguments(student: Student, case, k, style):
    n, c_in, c_out, h, w, stride, seed = case
    kwargs = {}
    if "kernel_size" in style:
        kwargs["kernel_size"] = k
    if "stride" in style:
        kwargs["stride"] = stride
    k, stride = kwargs.get("kernel_size", 3), kwargs.get("stride", 1)
    ctor = f"ConvBlock({c_in}, {c_out}" + "".join(f", {key}={v}" for key, v in kwargs.items()) + ")"
    x = _x(n, c_in, h, w, seed)
    rep, what = _run(student, "ConvBlock", [c_in, c_out], ctor, x, init_kwargs=kwargs, train=True)
    got = _output(rep, what, _conv_block_shape(case, k, stride))
    _matches_one(got, _conv_block_outputs(rep, x, ctor, k, stride, True),
                 f"{what} in training mode (compared with ReLU(BatchNorm(Conv(X))) computed from your block's own layers, "
                 f"with kernel_size={k} and stride={stride}; the defaults are kernel_size=3 and stride=1)", x)


@hidden_test("ConvBlock", examples=10)
@given(case=s.block_cases(strides=(1, 2, 3)), k=st.one_of(st.none(), st.integers(1, 5)))
@example(case=(2, 3, 5, 9, 9, 1, 0), k=None)
@example(case=(2, 3, 4, 9, 9, 2, 0), k=5)
def conv_block_layer_settings(student: Student, case, k):
    rep, what, x, k, stride = _conv_block(student, case, k, train=True)
    _, c_in, c_out = case[:3]
    ctor = what.split("(X)")[0]
    outputs = _conv_block_outputs(rep, x, ctor, k, stride, True)  # one Conv2d and one BatchNorm2d
    conv = next(leaf for leaf in rep["leaves"] if leaf["type"] == "Conv2d")
    norm = next(leaf for leaf in rep["leaves"] if leaf["type"] == "BatchNorm2d")
    want = {"in_channels": c_in, "out_channels": c_out, "kernel_size": [k, k], "stride": [stride, stride], "padding": [k // 2, k // 2]}
    wrong = [name for name, v in want.items() if conv.get(name) != v]
    if wrong:
        has = ", ".join(f"{name}={_setting(conv.get(name))}" for name in wrong)
        should = ", ".join(f"{name}={_setting(want[name])}" for name in wrong)
        raise checks.Mismatch(f"the Conv2d layer of {ctor} ({conv['name']}) has {has}; the task's layer is "
                              f"nn.Conv2d({c_in}, {c_out}, {k}, stride={stride}, padding={k // 2}), with {should}")
    gamma = norm["params"].get("weight")
    if isinstance(gamma, torch.Tensor) and tuple(gamma.shape) != (c_out,):
        raise checks.Mismatch(f"the BatchNorm2d layer of {ctor} ({norm['name']}) normalises {gamma.numel()} channels; "
                              f"the task's layer is nn.BatchNorm2d({c_out}), one per output channel")
    _matches_one(_output(rep, what, _conv_block_shape(case, k, stride)), outputs,
                 f"{what} in training mode (compared with ReLU(BatchNorm(Conv(X))) computed from your block's own layers; "
                 f"{checks.only_if_right('layers with the right settings')})", x)


def _setting(v) -> str:
    return repr(tuple(v)) if isinstance(v, list) else repr(v)


@hidden_test("ConvBlock", examples=8)
@given(case=s.block_cases(strides=(1, 2)), k=st.one_of(st.none(), st.sampled_from([1, 3, 5])))
@example(case=(2, 3, 5, 9, 9, 1, 0), k=None)
def conv_block_eval_mode(student: Student, case, k):
    rep, what, x, k, stride = _conv_block(student, case, k, train=False)
    ctor = what.split("(X)")[0]
    outputs = _conv_block_outputs(rep, x, ctor, k, stride, False)
    _matches_one(_output(rep, what, _conv_block_shape(case, k, stride)), outputs,
                 f"{what} in eval mode (compared with ReLU(BatchNorm(Conv(X))) computed from your block's own layers; "
                 f"{EVAL_NOTE}, so the output for one example no longer depends on the rest of the batch)", x)


@hidden_test("ConvBlock", examples=8)
@given(case=s.block_cases(strides=(1, 2)), k=st.one_of(st.none(), st.sampled_from([1, 3])))
@example(case=(2, 4, 4, 6, 6, 1, 0), k=None)
@example(case=(2, 3, 6, 5, 7, 2, 1), k=3)
def conv_block_leaves_input_unchanged(student: Student, case, k):
    rep, what, x, k, stride = _conv_block(student, case, k, train=True)
    ctor = what.split("(X)")[0]
    _input_unchanged(rep, x, what)
    _matches_one(_output(rep, what, _conv_block_shape(case, k, stride)), _conv_block_outputs(rep, x, ctor, k, stride, True),
                 f"{what} in training mode (compared with ReLU(BatchNorm(Conv(X))) computed from your block's own layers; "
                 f"{checks.only_if_right('leaving X unchanged')})", x)


# -------------------------------------------------------------------------- ResidualBlock
def _residual(student: Student, case, x: torch.Tensor | None = None, **options):
    n, c_in, c_out, h, w, stride, seed = case
    ctor = f"ResidualBlock({c_in}, {c_out}, stride={stride})"
    x = _x(n, c_in, h, w, seed) if x is None else x
    rep, what = _run(student, "ResidualBlock", [c_in, c_out, stride], ctor, x, **options)
    return rep, what, x, ctor


@hidden_test("ResidualBlock", stand_ins=("ConvBlock",), examples=15)
@given(case=s.block_cases())
@example(case=(2, 4, 4, 7, 7, 2, 0))
@example(case=(2, 3, 6, 5, 8, 1, 0))
def residual_block_output_shape(student: Student, case):
    rep, what, x, _ = _residual(student, case)
    n, _, c_out, h, w, stride, _ = case
    _output(rep, what, (n, c_out, (h - 1) // stride + 1, (w - 1) // stride + 1))
    _input_unchanged(rep, x, what)


SHORTCUT_CASES = [(4, 4, 1), (3, 6, 1), (4, 4, 2), (3, 5, 2), (6, 2, 2), (1, 1, 1)]


@hidden_test("ResidualBlock", stand_ins=("ConvBlock",))
def residual_block_shortcut(student: Student):
    for c_in, c_out, stride in SHORTCUT_CASES:
        rep, what, _, ctor = _residual(student, (2, c_in, c_out, 6, 6, stride, 7))
        convs = [leaf for leaf in rep["leaves"] if leaf["type"] == "Conv2d"]
        ones = [leaf for leaf in convs if leaf.get("kernel_size") == [1, 1]]
        threes = [leaf for leaf in convs if leaf.get("kernel_size") == [3, 3]]
        if len(threes) != 2:
            raise checks.Mismatch(f"{ctor} has {len(threes)} Conv2d layers with a 3x3 kernel; its main path has two")
        if c_in == c_out and stride == 1:
            if ones:
                raise checks.Mismatch(f"{ctor} has a 1x1 convolution ({ones[0]['name']}), but its input and output shapes agree: "
                                      "the shortcut must then be the identity (add X itself)")
            continue
        if len(ones) != 1:
            raise checks.Mismatch(f"{ctor} changes the shape of X ({'channels' if c_in != c_out else 'resolution'}) but has "
                                  f"{len(ones)} 1x1 convolutions; the shortcut needs exactly one, to match the shapes")
        sc = ones[0]
        if sc.get("stride") != [stride, stride]:
            raise checks.Mismatch(f"the 1x1 shortcut convolution of {ctor} ({sc['name']}) has stride {tuple(sc.get('stride') or ())}; "
                                  f"it must have stride {stride}, like the first 3x3 convolution")
        if (sc.get("in_channels"), sc.get("out_channels")) != (c_in, c_out):
            raise checks.Mismatch(f"the 1x1 shortcut convolution of {ctor} ({sc['name']}) maps {sc.get('in_channels')} to "
                                  f"{sc.get('out_channels')} channels; it must map {c_in} to {c_out}")


@hidden_test("ResidualBlock", stand_ins=("ConvBlock",), examples=10)
@given(case=s.block_cases(same_channels=None))
@example(case=(2, 3, 3, 5, 5, 1, 2))
@example(case=(2, 3, 5, 4, 4, 2, 2))
def residual_block_identity_when_convs_are_zero(student: Student, case):
    n, c_in, c_out, h, w, stride, seed = case
    rep, what, x, ctor = _residual(student, case, zero_convs=True, train=True)
    what = f"{what} with every convolution's weight and bias set to zero"
    got = _output(rep, what, (n, c_out, (h - 1) // stride + 1, (w - 1) // stride + 1))
    if bool((got < 0).any()):
        raise checks.Mismatch(f"{what} returned negative values (as low as {float(got.min()):.4g}); the block must end with a ReLU "
                              "applied to the sum of the branch and the shortcut")
    if c_in == c_out and stride == 1:
        expected = torch.relu(x.double())
        if float(got.abs().max()) < 1e-6 < float(expected.max()):
            raise checks.Mismatch(f"{what} returned all zeros; with a zero branch the block must still pass ReLU(X) through "
                                  "its shortcut (is X added back?)")
        checks.close(got, expected, f"{what} (the residual branch then outputs zero, so the block returns ReLU(X + 0))", inputs=(x,))
    else:
        checks.close(got, torch.zeros(got.shape, dtype=torch.float64),
                     f"{what} (the residual branch and the 1x1 convolution on the shortcut then both output zero, "
                     "so the block returns ReLU(0 + 0) = 0)", inputs=(x,))


def _residual_candidates(rep: dict, x: torch.Tensor, ctor: str) -> list[torch.Tensor]:
    """ReLU(X + BN(conv(ReLU(BN(conv(X)))))) from the block's own layers, for a block whose shortcut is the
    identity: one candidate per order of its two 3x3 convolutions and of its two batch norms."""
    convs = [leaf for leaf in rep["leaves"] if leaf["type"] == "Conv2d"]
    norms = [leaf for leaf in rep["leaves"] if leaf["type"] == "BatchNorm2d"]
    if len(convs) != 2 or len(norms) != 2 or any(leaf.get("kernel_size") != [3, 3] for leaf in convs):
        kernels = ", ".join("x".join(str(v) for v in leaf.get("kernel_size") or ()) for leaf in convs) or "none"
        raise checks.Mismatch(f"{ctor} has {len(convs)} Conv2d layers (kernels: {kernels}) and {len(norms)} BatchNorm2d layers; "
                              "when its input and output shapes agree a residual block has two 3x3 convolutions, two batch "
                              "norms and the identity shortcut, and its output is checked against those layers")
    xd, out = x.double(), []
    for first, second in permutations(convs):
        for bn1, bn2 in permutations(norms):
            try:
                y = torch.relu(_bn_leaf(_conv_leaf(xd, first, ctor, 1, 1), bn1))
                out.append(torch.relu(xd + _bn_leaf(_conv_leaf(y, second, ctor, 1, 1), bn2)))
            except RuntimeError:  # layers that do not chain in this order
                continue
    if not out:
        raise checks.Mismatch(f"the layers of {ctor} do not chain as conv-BN-ReLU-conv-BN on X of shape {tuple(x.shape)}")
    return out


@hidden_test("ResidualBlock", stand_ins=("ConvBlock",), examples=8)
@given(case=s.block_cases(same_channels=True, strides=(1,), max_side=6))
@example(case=(2, 4, 4, 5, 5, 1, 3))
def residual_block_branch_ends_in_batch_norm(student: Student, case):
    n, c, _, h, w, _, seed = case
    x = _x(n, c, h, w, seed) + 50.0  # so far above zero that the final ReLU is inactive: output = X + branch(X)
    rep, what, x, ctor = _residual(student, case, x=x, train=True)
    what = f"{what} in training mode, with X around 50"
    got = _output(rep, what, tuple(x.shape)).double()
    branch = got - x.double()
    mean, var = branch.mean(dim=(0, 2, 3)), branch.var(dim=(0, 2, 3), unbiased=False)
    if float(mean.abs().max()) > 1e-2 or float((var - 1).abs().max()) > 5e-2:
        raise checks.Mismatch(f"{what}: output - X, the residual branch, has per-channel means {show(mean.float())} and variances "
                              f"{show(var.float())}; a branch that ends in a freshly initialised BatchNorm2d (in training mode) "
                              "has mean 0 and variance 1 in every channel, so the sum should be X + BN(conv(...)), then ReLU")
    _matches_one(got, _residual_candidates(rep, x, ctor),
                 f"{what} (compared with ReLU(X + BN(conv(ReLU(BN(conv(X)))))) computed from your block's own layers; "
                 f"{checks.only_if_right('a branch that ends in batch norm')})", x)


def _residual_outputs(rep: dict, x: torch.Tensor, ctor: str, stride: int, train: bool) -> list[torch.Tensor]:
    """ReLU(BN(conv3x3(ReLU(BN(conv3x3(X, stride))))) + shortcut(X)) from the block's own layers, the
    shortcut being X itself or its 1x1 convolution with the same stride (a batch norm after that
    projection, as torchvision has it, is fine). One candidate per order of the two 3x3 convolutions
    and of the batch norms, since the order a block registers alike layers in is its own business."""
    convs = [leaf for leaf in rep["leaves"] if leaf["type"] == "Conv2d"]
    threes = [leaf for leaf in convs if leaf.get("kernel_size") == [3, 3]]
    ones = [leaf for leaf in convs if leaf.get("kernel_size") == [1, 1]]
    norms = [leaf for leaf in rep["leaves"] if leaf["type"] == "BatchNorm2d"]
    if len(threes) != 2 or len(ones) > 1 or len(threes) + len(ones) != len(convs) or not 2 <= len(norms) <= 2 + len(ones):
        kernels = ", ".join("x".join(str(v) for v in leaf.get("kernel_size") or ()) for leaf in convs) or "none"
        raise checks.Mismatch(f"{ctor} has {len(convs)} Conv2d layers (kernels: {kernels}) and {len(norms)} BatchNorm2d layers; "
                              "a residual block has two 3x3 convolutions with a batch norm after each, and at most one 1x1 "
                              "convolution, on the shortcut; its output is checked against those layers")
    xd, out = x.double(), []
    for first, second in permutations(threes):
        for bn1, bn2 in permutations(norms, 2):
            rest = [leaf for leaf in norms if leaf is not bn1 and leaf is not bn2]

            def forward(bn, first=first, second=second, bn1=bn1, bn2=bn2, rest=rest):
                y = torch.relu(bn(_conv_leaf(xd, first, ctor, stride, 1), bn1))
                y = bn(_conv_leaf(y, second, ctor, 1, 1), bn2)
                shortcut = _conv_leaf(xd, ones[0], ctor, stride, 0) if ones else xd
                for leaf in rest:
                    shortcut = bn(shortcut, leaf)
                return torch.relu(y + shortcut)

            try:
                out += _in_mode(forward, norms, train)
            except RuntimeError:  # layers that do not chain in this order
                continue
    if not out:
        raise checks.Mismatch(f"the layers of {ctor} do not chain as conv-BN-ReLU-conv-BN plus a shortcut on X of shape {tuple(x.shape)}")
    return out


def _residual_what(stride: int, train: bool) -> str:
    return (f"in {'training' if train else 'eval'} mode (compared with ReLU(BN(conv3x3(ReLU(BN(conv3x3(X, stride={stride})))))"
            f" + shortcut(X)) computed from your block's own layers, the shortcut being X itself or its 1x1 convolution "
            f"with stride {stride}" + ("" if train else f"; {EVAL_NOTE}") + ")")


@hidden_test("ResidualBlock", stand_ins=("ConvBlock",), examples=12)
@given(case=s.block_cases(same_channels=None, max_side=7), train=st.booleans())
@example(case=(2, 3, 8, 7, 7, 2, 0), train=False)
@example(case=(2, 4, 4, 6, 6, 1, 1), train=False)
@example(case=(2, 4, 4, 7, 6, 2, 2), train=True)
@example(case=(3, 3, 5, 5, 4, 1, 3), train=True)
def residual_block_matches_layers(student: Student, case, train):
    n, c_in, c_out, h, w, stride, seed = case
    rep, what, x, ctor = _residual(student, case, train=train)
    got = _output(rep, what, (n, c_out, (h - 1) // stride + 1, (w - 1) // stride + 1))
    _matches_one(got, _residual_outputs(rep, x, ctor, stride, train), f"{what} {_residual_what(stride, train)}", x)


# (in_channels, out_channels, keyword arguments): the stride left to its default, or given by name.
RESIDUAL_CALLS = [(4, 4, {}), (4, 6, {}), (3, 8, {"stride": 2}), (4, 4, {"stride": 1}), (5, 5, {"stride": 2})]


@hidden_test("ResidualBlock", stand_ins=("ConvBlock",))
def residual_block_default_stride_and_keyword(student: Student):
    for i, (c_in, c_out, kwargs) in enumerate(RESIDUAL_CALLS):
        stride = kwargs.get("stride", 1)
        ctor = f"ResidualBlock({c_in}, {c_out}" + "".join(f", {key}={v}" for key, v in kwargs.items()) + ")"
        x = _x(2, c_in, 7, 6, 20 + i)
        rep, what = _run(student, "ResidualBlock", [c_in, c_out], ctor, x, init_kwargs=kwargs, train=True)
        got = _output(rep, what, (2, c_out, (7 - 1) // stride + 1, (6 - 1) // stride + 1))
        _matches_one(got, _residual_outputs(rep, x, ctor, stride, True),
                     f"{what} {_residual_what(stride, True)}; " + ("stride=1 is the default" if not kwargs else "stride given by name"), x)


@hidden_test("ResidualBlock", stand_ins=("ConvBlock",), examples=8)
@given(case=s.block_cases(same_channels=None, max_side=6))
@example(case=(2, 4, 4, 6, 6, 1, 0))
@example(case=(2, 3, 6, 5, 5, 2, 1))
def residual_block_leaves_input_unchanged(student: Student, case):
    n, c_in, c_out, h, w, stride, seed = case
    rep, what, x, ctor = _residual(student, case, train=True)
    _input_unchanged(rep, x, what)
    got = _output(rep, what, (n, c_out, (h - 1) // stride + 1, (w - 1) // stride + 1))
    _matches_one(got, _residual_outputs(rep, x, ctor, stride, True),
                 f"{what} {_residual_what(stride, True)[:-1]}; {checks.only_if_right('leaving X unchanged')})", x)


# --------------------------------------------------------------------------------- SEBlock
def _se(student: Student, channels: int, reduction: int | None, x: torch.Tensor, *, keyword: bool = False):
    """SEBlock(channels[, reduction]) run on x; `keyword`: reduction is passed by name, as in SEBlock(32, reduction=4)."""
    args = [channels] + ([] if reduction is None or keyword else [reduction])
    kwargs = {"reduction": reduction} if reduction is not None and keyword else {}
    ctor = f"SEBlock({channels}" + ("" if reduction is None else f", reduction={reduction}" if keyword else f", {reduction}") + ")"
    rep, what = _run(student, "SEBlock", args, ctor, x, train=True, init_kwargs=kwargs)
    return rep, what, ctor


def _nonzero(n: int, c: int, h: int, w: int, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    magnitude = 0.25 + 1.75 * torch.rand(n, c, h, w, generator=gen)
    sign = torch.where(torch.rand(n, c, h, w, generator=gen) < 0.5, -1.0, 1.0)
    return magnitude * sign


def _se_candidates(rep: dict, x: torch.Tensor, ctor: str) -> list[torch.Tensor]:
    """X * sigmoid(W2 ReLU(W1 m + b1) + b2), m the channel means of X, from the block's own Linear (or 1x1
    Conv2d) layers: one candidate per pair that maps C channels to a bottleneck and back (its width is
    se_block_bottleneck_width's business, not this one's)."""
    c, layers = x.shape[1], []
    for leaf in rep["leaves"]:
        w, b = leaf["params"].get("weight"), leaf["params"].get("bias")
        if not isinstance(w, torch.Tensor) or w.dim() < 2 or not (isinstance(b, torch.Tensor) or b is None):
            continue
        if leaf["type"] == "Linear" or (leaf["type"] == "Conv2d" and leaf.get("kernel_size") == [1, 1]):
            layers.append((w.double().flatten(1), None if b is None else b.double().reshape(-1)))
    means, out = x.double().mean(dim=(2, 3)), []
    for (w1, b1), (w2, b2) in permutations(layers, 2):
        if w1.shape[1] == c and tuple(w2.shape) == (c, w1.shape[0]):
            try:
                gates = torch.sigmoid(F.linear(torch.relu(F.linear(means, w1, b1)), w2, b2))
            except RuntimeError:  # a bias that does not fit its weight
                continue
            out.append(x.double() * gates[:, :, None, None])
    if not out:
        raise checks.Mismatch(f"{ctor} has no two Linear (or 1x1 Conv2d) layers that map its {c} channels to a bottleneck and "
                              "back, so its gates cannot be checked: an SE block computes them with such a pair")
    return out


def _se_right(rep: dict, got: torch.Tensor, x: torch.Tensor, what: str, ctor: str, prop: str) -> None:
    """SEBlock's one comparison of an output with the gates its own layers give."""
    _matches_one(got, _se_candidates(rep, x, ctor),
                 f"{what} (compared with X * sigmoid(W2 ReLU(W1 m + b1) + b2), m the channel means of X, computed with "
                 f"your block's own two layers; {checks.only_if_right(prop)})", x)


se_cases = st.tuples(st.integers(1, 3), st.integers(1, 40), st.one_of(st.none(), st.sampled_from([1, 2, 4, 8, 16])),
                     st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**16))


@hidden_test("SEBlock", stand_ins=("global_avg_pool",), examples=10)
@given(case=se_cases)
def se_block_output_shape(student: Student, case):
    n, c, r, h, w, seed = case
    x = _nonzero(n, c, h, w, seed)
    rep, what, _ = _se(student, c, r, x)
    _gates_something(_output(rep, what, (n, c, h, w)), x, what)
    _input_unchanged(rep, x, what)


@hidden_test("SEBlock", stand_ins=("global_avg_pool",), examples=12)
@given(case=se_cases)
@example(case=(2, 32, None, 4, 4, 0))
def se_block_scales_each_channel(student: Student, case):
    n, c, r, h, w, seed = case
    x = _nonzero(n, c, h, w, seed)
    rep, what, ctor = _se(student, c, r, x)
    out = _output(rep, what, tuple(x.shape))
    got = out.double()
    ratio = got / x.double()
    gate = ratio.mean(dim=(2, 3), keepdim=True)
    spread = float((ratio - gate).abs().max())
    if spread > 1e-4 * max(1.0, float(gate.abs().max())):
        raise checks.Mismatch(f"{what}: output / X is not constant over the height and width of a channel (it varies by {spread:.3g}); "
                              "an SE block multiplies each channel of each example by one number, its gate")
    low, high = float(gate.min()), float(gate.max())
    if not (low > 0 and high < 1):
        raise checks.Mismatch(f"{what}: the channel gates (output / X) range from {low:.4g} to {high:.4g}; gates come out of a "
                              "sigmoid, so they lie strictly between 0 and 1")
    _se_right(rep, out, x, what, ctor, "scaling each channel by a gate between 0 and 1")


@hidden_test("SEBlock", stand_ins=("global_avg_pool",), examples=10)
@given(case=se_cases.filter(lambda t: t[3] * t[4] > 1))
@example(case=(1, 16, 4, 3, 3, 5))
def se_block_gates_use_channel_means(student: Student, case):
    n, c, r, h, w, seed = case
    x1 = _nonzero(n, c, h, w, seed)
    d = torch.randn(n, c, h, w, generator=torch.Generator().manual_seed(seed + 1)) * 2
    x2 = x1 + d - d.mean(dim=(2, 3), keepdim=True)
    x = torch.cat([x1, x2])  # one batch: the second half has the same channel means as the first
    rep, what, ctor = _se(student, c, r, x)
    out = _output(rep, what, tuple(x.shape))
    _gates_something(out, x, what)
    got, xd = out.double(), x.double()
    gates = (got * xd).sum(dim=(2, 3)) / (xd * xd).sum(dim=(2, 3))
    diff = float((gates[:n] - gates[n:]).abs().max())
    if diff > 1e-4:
        raise checks.Mismatch(f"{what}, where example {n}+i has the same per-channel means as example i but other values: "
                              f"their channel gates differ by up to {diff:.3g}; the squeeze step must use only each channel's mean "
                              "over height and width (global average pooling)")
    _se_right(rep, out, x, what, ctor, "equal gates for equal channel means")


@hidden_test("SEBlock", stand_ins=("global_avg_pool",))
def se_block_bottleneck_width(student: Student):
    # (30, None) and (48, None): the default reduction, where 15 or 17 would give another width.
    for c, r in ((32, None), (30, None), (48, None), (64, 16), (16, 4), (8, 16), (6, 4), (3, 1), (32, 16), (64, 4)):
        rep, what, ctor = _se(student, c, r, _nonzero(2, c, 3, 3, c), keyword=True)
        hidden = max(1, c // (16 if r is None else r))
        maps = [(leaf.get("in_features", leaf.get("in_channels")), leaf.get("out_features", leaf.get("out_channels")))
                for leaf in rep["leaves"]
                if leaf["type"] == "Linear" or (leaf["type"] == "Conv2d" and leaf.get("kernel_size") == [1, 1])]
        found = ", ".join(f"{a} -> {b}" for a, b in maps) or "none"
        if (c, hidden) not in maps or (hidden, c) not in maps:
            raise checks.Mismatch(f"{ctor} should squeeze {c} channels to max(1, {c} // {16 if r is None else r}) = {hidden} and "
                                  f"back: layers {c} -> {hidden} and {hidden} -> {c}. Its Linear (or 1x1 Conv2d) layers map: {found}")
        if maps != [(c, hidden), (hidden, c)]:
            raise checks.Mismatch(f"{ctor} creates Linear (or 1x1 Conv2d) layers that map, in the order they were created: {found}; "
                                  f"the task creates exactly two, in this order: {c} -> {hidden}, then {hidden} -> {c}")


@hidden_test("SEBlock", stand_ins=("global_avg_pool",), examples=8)
@given(case=se_cases)
@example(case=(2, 32, None, 5, 6, 0))
def se_block_leaves_input_unchanged(student: Student, case):
    n, c, r, h, w, seed = case
    x = _nonzero(n, c, h, w, seed)
    rep, what, ctor = _se(student, c, r, x)
    _input_unchanged(rep, x, what)
    _se_right(rep, _output(rep, what, tuple(x.shape)), x, what, ctor, "leaving X unchanged")


# ------------------------------------------------------------------------ global_avg_pool
def _gap_right(r, X: torch.Tensor, why: str = "") -> None:
    """global_avg_pool's one comparison: the mean over the last two dimensions, in X's dtype."""
    got = checks.close(r.value, X.double().mean(dim=(-2, -1)), f"{r.described} ({why})" if why else r.described, inputs=(X,))
    checks.same_dtype(got, X.dtype, r.described, "keep the input's dtype")


@hidden_test("global_avg_pool", examples=30)
@given(X=s.leading_dims_tensors(max_lead=3))
@example(X=(torch.arange(24, dtype=torch.float32).reshape(1, 2, 3, 4) - 8) / 4)
@example(X=(torch.arange(30, dtype=torch.float64).reshape(2, 3, 5) - 10) / 4)
def global_avg_pool_matches_torch(student: Student, X):
    _gap_right(student.call("global_avg_pool", X), X)


@hidden_test("global_avg_pool", examples=10)
@given(X=s.leading_dims_tensors())
def global_avg_pool_leaves_input_unchanged(student: Student, X):
    r = student.call("global_avg_pool", X)
    checks.unchanged([X], r.args_after, ["X"], r.described)
    _gap_right(r, X, checks.only_if_right("leaving X unchanged"))


# ------------------------------------------------------------------------ receptive_field
@hidden_test("receptive_field", examples=40)
@given(k=st.integers(1, 11), layers=st.integers(1, 20))
@example(k=3, layers=1)
@example(k=3, layers=2)
@example(k=1, layers=7)
@example(k=1, layers=10)
@example(k=3, layers=5)
@example(k=5, layers=3)
@example(k=7, layers=1)
def receptive_field_formula(student: Student, k, layers):
    r = student.call("receptive_field", k, layers)
    checks.integer(r.value, k + (k - 1) * (layers - 1), r.described)


# ------------------------------------------------------------------ promises
# Every clause of each task's text, and the hidden tests that keep it (autograder/grading/promises.py).

P, NO = promises.promise, promises.no_promise

# receptive_field
P(A, "receptive_field", "values", "$$K + (K - 1)(L - 1)$$", "receptive_field_formula")
P(A, "receptive_field", "values", "Return the receptive field (along one side) of `num_layers >= 1` stacked convolutions, all "
  "with stride 1 and a `kernel_size x kernel_size` kernel", "receptive_field_formula")
P(A, "receptive_field", "values", "One layer sees `kernel_size` pixels; a 1x1 kernel never sees more than one pixel, however "
  "deep the stack.", "receptive_field_formula")
P(A, "receptive_field", "types", "as a Python `int`", "receptive_field_formula")
NO(A, "receptive_field", "errors", "no error is promised: `num_layers >= 1` is the caller's promise")
NO(A, "receptive_field", "defaults", "receptive_field has no optional parameters")
NO(A, "receptive_field", "initial values", "nothing is initialised")
NO(A, "receptive_field", "dtype", "the result is a Python int (a type, kept by receptive_field_formula)")
NO(A, "receptive_field", "shapes", "the result is a number")
NO(A, "receptive_field", "inputs unchanged", "the inputs are ints, which nothing can modify")

# ConvBlock
P(A, "ConvBlock", "types", "Write `ConvBlock(in_channels, out_channels, kernel_size=3, stride=1)` as an `nn.Module`",
  ("conv_block_shapes", "conv_block_keyword_arguments"))
P(A, "ConvBlock", "defaults", "`ConvBlock(in_channels, out_channels, kernel_size=3, stride=1)`",
  ("conv_block_shapes", "conv_block_is_conv_bn_relu", "conv_block_keyword_arguments"))
P(A, "ConvBlock", "values", "layers: `nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, "
  "padding=kernel_size // 2)`, then `nn.BatchNorm2d(out_channels)`, then a ReLU",
  ("conv_block_is_conv_bn_relu", "conv_block_layer_settings"))
P(A, "ConvBlock", "values", "(keeping or dropping the conv's bias is up to you)", "conv_block_is_conv_bn_relu")
P(A, "ConvBlock", "values", "every output value is $\\ge 0$", "conv_block_is_conv_bn_relu")
P(A, "ConvBlock", "values", "In training mode it uses the statistics of the current batch and updates running averages of them",
  ("conv_block_is_conv_bn_relu", "conv_block_keyword_arguments"))
P(A, "ConvBlock", "values", "in eval mode (`module.eval()`) it uses those running averages, so the output for one example no "
  "longer depends on the rest of the batch", "conv_block_eval_mode")
P(A, "ConvBlock", "shapes", "`forward(X)` maps `(N, in_channels, H, W)` to `(N, out_channels, H_out, W_out)` with "
  "$H_\\text{out} = \\lfloor (H + 2\\,(k // 2) - k) / s \\rfloor + 1$, and the same for the width",
  ("conv_block_shapes", "conv_block_keyword_arguments"))
P(A, "ConvBlock", "inputs unchanged", "do not modify the input in place (use `nn.ReLU()`, not `nn.ReLU(inplace=True)`)",
  ("conv_block_leaves_input_unchanged", "conv_block_shapes"))
NO(A, "ConvBlock", "errors", "the text promises no error")
NO(A, "ConvBlock", "initial values", "the layers keep torch's own initialisation; the text promises no initial values")
NO(A, "ConvBlock", "dtype", "the text names no dtype (the tests still ask for floating-point outputs)")

# ResidualBlock
P(A, "ResidualBlock", "types", "Write `ResidualBlock(in_channels, out_channels, stride=1)` as an `nn.Module`",
  ("residual_block_output_shape", "residual_block_default_stride_and_keyword"))
P(A, "ResidualBlock", "defaults", "`ResidualBlock(in_channels, out_channels, stride=1)`", "residual_block_default_stride_and_keyword")
P(A, "ResidualBlock", "values", "main path: 3x3 `Conv2d(in_channels -> out_channels, stride=stride, padding=1)`, `BatchNorm2d`, "
  "ReLU, 3x3 `Conv2d(out_channels -> out_channels, padding=1)`, `BatchNorm2d`.",
  ("residual_block_matches_layers", "residual_block_branch_ends_in_batch_norm", "residual_block_shortcut"))
P(A, "ResidualBlock", "values", "The first three layers are exactly a `ConvBlock(in_channels, out_channels, 3, stride)`: reuse "
  "it if you like", ("residual_block_matches_layers", "residual_block_output_shape"))
P(A, "ResidualBlock", "values", "shortcut: the identity when `in_channels == out_channels` and `stride == 1`; otherwise "
  "`nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride)` (no 1x1 convolution at all in the identity case)",
  ("residual_block_shortcut", "residual_block_identity_when_convs_are_zero", "residual_block_matches_layers"))
P(A, "ResidualBlock", "values", "`forward(X)` returns `ReLU(main(X) + shortcut(X))`",
  ("residual_block_matches_layers", "residual_block_identity_when_convs_are_zero", "residual_block_branch_ends_in_batch_norm"))
P(A, "ResidualBlock", "shapes", "of shape `(N, out_channels, floor((H - 1) / stride) + 1, floor((W - 1) / stride) + 1)`: "
  "stride 2 halves the height and width, rounding up", ("residual_block_output_shape", "residual_block_default_stride_and_keyword"))
P(A, "ResidualBlock", "inputs unchanged", "Do not modify `X` in place.",
  ("residual_block_leaves_input_unchanged", "residual_block_output_shape"))
NO(A, "ResidualBlock", "errors", "the text promises no error")
NO(A, "ResidualBlock", "initial values", "the layers keep torch's own initialisation; the text promises no initial values")
NO(A, "ResidualBlock", "dtype", "the text names no dtype (the tests still ask for floating-point outputs)")

# global_avg_pool
P(A, "global_avg_pool", "values", "Return the mean of `X` over its last two dimensions.", "global_avg_pool_matches_torch")
P(A, "global_avg_pool", "shapes", "For `(N, C, H, W)` the result has shape `(N, C)`; in general any number of leading "
  "dimensions is kept, so `(C, H, W)` gives `(C,)` and `(A, B, C, H, W)` gives `(A, B, C)`.", "global_avg_pool_matches_torch")
P(A, "global_avg_pool", "types", "Return a new tensor", ("global_avg_pool_matches_torch", "global_avg_pool_leaves_input_unchanged"))
P(A, "global_avg_pool", "dtype", "Return a new tensor of the same dtype", "global_avg_pool_matches_torch")
P(A, "global_avg_pool", "inputs unchanged", "do not modify `X`", "global_avg_pool_leaves_input_unchanged")
NO(A, "global_avg_pool", "errors", "the text promises no error")
NO(A, "global_avg_pool", "defaults", "global_avg_pool has no optional parameters")
NO(A, "global_avg_pool", "initial values", "nothing is initialised")

# SEBlock
P(A, "SEBlock", "types", "Write `SEBlock(channels, reduction=16)` as an `nn.Module`",
  ("se_block_output_shape", "se_block_bottleneck_width"))
P(A, "SEBlock", "defaults", "The reduction ratio $r$ (16 by default)", ("se_block_bottleneck_width", "se_block_output_shape"))
P(A, "SEBlock", "values", "`hidden = max(1, channels // reduction)` (at least one hidden unit even for few channels)",
  "se_block_bottleneck_width")
P(A, "SEBlock", "values", "two dense layers, created in this order: `nn.Linear(channels, hidden)` and "
  "`nn.Linear(hidden, channels)`, with a ReLU after the first and a sigmoid after the second",
  ("se_block_bottleneck_width", "se_block_scales_each_channel"))
P(A, "SEBlock", "values", "(two 1x1 convolutions, `nn.Conv2d(channels, hidden, 1)` then `nn.Conv2d(hidden, channels, 1)`, "
  "applied to the pooled values reshaped to `(N, channels, 1, 1)`, compute the same and are fine too)",
  ("se_block_bottleneck_width", "se_block_scales_each_channel"))
P(A, "SEBlock", "values", "squeeze with `global_avg_pool`, compute the gates of shape `(N, channels)`, and return `X` multiplied "
  "channel-wise by them", ("se_block_gates_use_channel_means", "se_block_scales_each_channel"))
P(A, "SEBlock", "values", "a small two-layer network turns the $C$ summaries into $C$ *gates* between 0 and 1",
  "se_block_scales_each_channel")
P(A, "SEBlock", "shapes", "The output has the shape of `X`", "se_block_output_shape")
P(A, "SEBlock", "inputs unchanged", "do not modify `X` in place", ("se_block_leaves_input_unchanged", "se_block_output_shape"))
NO(A, "SEBlock", "errors", "the text promises no error")
NO(A, "SEBlock", "initial values", "the layers keep torch's own initialisation; the text promises no initial values")
NO(A, "SEBlock", "dtype", "the text names no dtype (the tests still ask for floating-point outputs)")
