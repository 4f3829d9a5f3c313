"""Hidden tests for the modern-architectures notebook: Bottleneck, Inception and ModernCNN (ResNet-50).

The blocks run in the sandbox through the "module" probe and are compared with torchvision's own
modules holding the student's weights (oracles.py: torchvision's Bottleneck, and GoogLeNet's
Inception adapted to the notebook's text). ModernCNN runs through this folder's "resnet" probe
(probes.py), built with the grader's Bottleneck in place of the student's and filled with weights
chosen by the grader, and is compared with torchvision's resnet50 holding the same weights.
"""

from __future__ import annotations

import torch
from hypothesis import example, given
from hypothesis import strategies as st

from autograder.grading import checks, hidden, promises
from autograder.grading.hidden import Student, hidden_test

from . import oracles

A = promises.here(__name__)  # this folder's assignment id

Mismatch = checks.Mismatch


def _x(shape: tuple, seed: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def _module(student: Student, target: str, args: list, kwargs: dict, ctor: str, x: torch.Tensor, **options) -> tuple[dict, str]:
    what = f"{ctor}(X) with X of shape {tuple(x.shape)}"
    rep = student.probe("module", what, target=target, init_args=args, init_kwargs=kwargs, input=x, **options)
    if not rep.get("is_module"):
        raise Mismatch(f"{ctor} is a {rep.get('type')}, not an nn.Module")
    return rep, what


def _output(rep: dict, what: str, shape: tuple) -> torch.Tensor:
    got = checks.shaped(rep["output"], shape, what)
    if not got.is_floating_point():
        raise Mismatch(f"{what} returned a tensor of dtype {got.dtype}; expected floating-point values")
    return got


def _input_unchanged(rep: dict, x: torch.Tensor, what: str) -> None:
    after = rep.get("input_after")
    if not isinstance(after, torch.Tensor) or after.shape != x.shape or not torch.equal(after, x):
        raise Mismatch(f"{what} modified its input X in place; leave X as it was (no X += ..., X.relu_() or "
                       "an in-place ReLU applied to X itself)")


def _compare_gradients(rep: dict, ref: dict, what: str, x: torch.Tensor) -> None:
    grads = rep.get("grads")
    if not isinstance(grads, dict):
        raise Mismatch(f"{what}: its output is not connected to its parameters' autograd graph, so no gradient reaches them")
    for name, want in ref["grads"].items():
        got = grads.get(name)
        if got is None:
            raise Mismatch(f"{what}: after sum(output).backward(), no gradient reached the parameter {name}")
        checks.close(got, want, f"{what}: the gradient of sum(output) with respect to {name}", inputs=(x,))
    if ref["input_grad"] is not None:
        if not isinstance(rep.get("input_grad"), torch.Tensor):
            raise Mismatch(f"{what}: after sum(output).backward(), no gradient reached X (is the output detached from X?)")
        checks.close(rep["input_grad"], ref["input_grad"], f"{what}: the gradient of sum(output) with respect to X", inputs=(x,))


def _first_match(got: torch.Tensor, runs, what: str, x: torch.Tensor, rep: dict, backward: bool) -> None:
    """The output (and, with `backward`, every gradient) must equal one reference run: one per way of
    reading the student's alike layers as the reference's. The first run's difference is reported."""
    failure = None
    for ref in runs:
        try:
            checks.close(got, ref["output"], what, inputs=(x,))
            if backward:
                _compare_gradients(rep, ref, what, x)
            return
        except Mismatch as exc:
            failure = failure or exc
    raise failure


# ------------------------------------------------------------------------------ Bottleneck
@st.composite
def bottleneck_cases(draw, strides=(1, 2), max_side: int = 7):
    """(batch, in_channels, mid_channels, stride, height, width, seed); the identity shape
    (in_channels == 4 * mid_channels) is drawn often, and the batch has two examples or more."""
    mid = draw(st.integers(1, 4))
    in_c = draw(st.one_of(st.just(4 * mid), st.integers(1, 12)))
    stride = draw(st.sampled_from(list(strides)))
    n = draw(st.integers(2, 3))
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    return n, in_c, mid, stride, h, w, draw(st.integers(0, 2**16))


def _bottleneck_shape(case) -> tuple:
    n, _, mid, stride, h, w, _ = case
    return n, 4 * mid, (h - 1) // stride + 1, (w - 1) // stride + 1


def _bottleneck(student: Student, case, style: str = "positional", **options):
    n, in_c, mid, stride, h, w, seed = case
    if style == "default":
        args, kwargs, ctor = [in_c, mid], {}, f"Bottleneck({in_c}, {mid})"
    elif style == "keywords":
        args, kwargs = [], {"in_channels": in_c, "mid_channels": mid, "stride": stride}
        ctor = f"Bottleneck(in_channels={in_c}, mid_channels={mid}, stride={stride})"
    else:
        args, kwargs, ctor = [in_c, mid, stride], {}, f"Bottleneck({in_c}, {mid}, stride={stride})"
    x = _x((n, in_c, h, w), seed)
    rep, what = _module(student, "Bottleneck", args, kwargs, ctor, x, **options)
    return rep, what, x, ctor


def _expected_bottleneck_layers(in_c: int, mid: int, stride: int) -> str:
    convs = [f"{k}x{k} conv {i} -> {o}" for k, i, o in oracles.bottleneck_conv_roles(in_c, mid, stride).values()]
    norms = [f"BatchNorm2d({c})" for c in oracles.bottleneck_norm_roles(in_c, mid, stride).values()]
    shortcut = ("the last conv and batch norm are the projection shortcut" if oracles.needs_projection(in_c, mid, stride)
                else "the shortcut is the identity")
    return f"{', '.join(convs)} and {', '.join(norms)} ({shortcut})"


def _bottleneck_roles(rep: dict, case, ctor: str) -> list[dict]:
    _, in_c, mid, stride, *_ = case
    candidates = oracles.bottleneck_role_candidates(rep, in_c, mid, stride)
    if not candidates:
        raise Mismatch(f"the layers of {ctor} are not the task's: it has {oracles.describe_layers(rep)}; the task's block has "
                       f"{_expected_bottleneck_layers(in_c, mid, stride)}")
    return candidates


def _bottleneck_right(rep: dict, x: torch.Tensor, what: str, ctor: str, case, *, train: bool = True,
                      backward: bool = False, why: str = "") -> None:
    """The block's output (and gradients) equal torchvision's Bottleneck holding the block's own weights."""
    _, in_c, mid, stride, *_ = case
    got = _output(rep, what, _bottleneck_shape(case))
    runs = (oracles.run_reference(oracles.bottleneck_with(roles, in_c, mid, stride), roles, x, train, backward, prime)
            for roles in _bottleneck_roles(rep, case, ctor) for prime in ((False,) if train else (False, True)))
    mode = ("in training mode (batch statistics)" if train else
            "in eval mode (batch norm's running statistics, as a fresh block has them)")
    note = f"{what} {mode} (compared with torchvision's Bottleneck holding your block's weights" + (f"; {why})" if why else ")")
    _first_match(got, runs, note, x, rep, backward)


@hidden_test("Bottleneck", examples=8)
@given(case=bottleneck_cases(strides=(1, 2, 3)))
@example(case=(2, 8, 4, 2, 7, 6, 0))
@example(case=(2, 16, 4, 1, 5, 5, 1))
@example(case=(2, 6, 3, 1, 4, 3, 2))
def bottleneck_output_shape(student: Student, case):
    rep, what, _, _ = _bottleneck(student, case, train=True)
    _output(rep, what, _bottleneck_shape(case))


@hidden_test("Bottleneck", examples=6)
@given(case=bottleneck_cases())
@example(case=(2, 8, 4, 1, 6, 6, 0))
@example(case=(2, 4, 4, 1, 5, 5, 3))
@example(case=(2, 8, 2, 2, 7, 7, 5))
def bottleneck_matches_torchvision(student: Student, case):
    rep, what, x, ctor = _bottleneck(student, case, train=True, backward=True, input_grad=True)
    _bottleneck_right(rep, x, what, ctor, case, backward=True)


def _setting(v) -> str:
    return repr(tuple(v)) if isinstance(v, list) else repr(v)


@hidden_test("Bottleneck", examples=5)
@given(case=bottleneck_cases())
@example(case=(2, 8, 4, 2, 7, 7, 0))
@example(case=(2, 16, 4, 1, 5, 5, 1))
def bottleneck_layer_settings(student: Student, case):
    rep, what, x, ctor = _bottleneck(student, case, train=True)
    _, in_c, mid, stride, *_ = case
    candidates = _bottleneck_roles(rep, case, ctor)
    wanted = oracles.bottleneck_layer_settings(in_c, mid, stride)
    problem = None
    for roles in candidates:
        wrong = [(roles[role].get("name") or "Conv2d", key, roles[role].get(key), v)
                 for role, settings in wanted.items() for key, v in settings.items() if roles[role].get(key) != v]
        if not wrong:
            break
        problem = problem or wrong
    else:
        name, key, has, should = problem[0]
        raise Mismatch(f"the convolution {name} of {ctor} has {key}={_setting(has)}, the task's has {key}={_setting(should)}: "
                       "the stride belongs to the 3x3 convolution (and to the projection), the 3x3 convolution has "
                       "padding 1, the 1x1 convolutions none")
    with_bias = [leaf["name"] or "Conv2d" for leaf in oracles.leaves_of(rep, "Conv2d") if "bias" in leaf.get("params", {})]
    if with_bias:
        raise Mismatch(f"the convolution {with_bias[0]} of {ctor} has a bias; every convolution of the block is created with "
                       "bias=False (batch norm follows each one, and the parameter count must be torchvision's)")
    count = sum(q.numel() for q in rep["params"].values() if isinstance(q, torch.Tensor))
    expected = oracles.bottleneck_parameter_count(in_c, mid, stride)
    if count != expected:
        raise Mismatch(f"{ctor} has {count} parameters; torchvision's Bottleneck (with the task's shortcut) has {expected}")
    _bottleneck_right(rep, x, what, ctor, case, why=checks.only_if_right("layers with the right settings"))


SHORTCUT_CASES = [(16, 4, 1), (8, 4, 1), (16, 4, 2), (6, 2, 2), (4, 1, 1), (3, 1, 1)]


@hidden_test("Bottleneck")
def bottleneck_shortcut(student: Student):
    for in_c, mid, stride in SHORTCUT_CASES:
        case = (2, in_c, mid, stride, 5, 5, in_c + mid)
        rep, what, x, ctor = _bottleneck(student, case, train=True)
        convs, norms = oracles.leaves_of(rep, "Conv2d"), oracles.leaves_of(rep, "BatchNorm2d")
        from_input = [leaf for leaf in convs if oracles.conv_key(leaf) == (1, in_c, 4 * mid)]
        if not oracles.needs_projection(in_c, mid, stride):
            if len(convs) != 3 or len(norms) != 3:
                raise Mismatch(f"{ctor} has {len(convs)} Conv2d and {len(norms)} BatchNorm2d layers; with stride 1 and "
                               f"in_channels == 4 * mid_channels ({in_c} == 4 * {mid}) the shortcut is the identity, so the block "
                               "has only the three convolutions and three batch norms of its main path")
        else:
            why = "the stride is not 1" if stride != 1 else f"in_channels {in_c} is not 4 * mid_channels = {4 * mid}"
            if len(convs) != 4 or len(norms) != 4 or not from_input:
                raise Mismatch(f"{ctor} has {len(convs)} Conv2d and {len(norms)} BatchNorm2d layers ({oracles.describe_layers(rep)}); "
                               f"{why}, so the shortcut is a projection: a 1x1 conv {in_c} -> {4 * mid} with stride {stride}, "
                               f"then BatchNorm2d({4 * mid}), besides the main path's three convolutions and batch norms")
        _bottleneck_right(rep, x, what, ctor, case, why=checks.only_if_right("the right shortcut"))


@hidden_test("Bottleneck", examples=4)
@given(case=bottleneck_cases())
@example(case=(2, 8, 4, 2, 6, 6, 0))
@example(case=(3, 16, 4, 1, 4, 4, 1))
def bottleneck_eval_mode(student: Student, case):
    rep, what, x, ctor = _bottleneck(student, case, train=False)
    _bottleneck_right(rep, x, what, ctor, case, train=False)


@hidden_test("Bottleneck", examples=4)
@given(case=bottleneck_cases(), style=st.sampled_from(["default", "keywords"]))
@example(case=(2, 16, 4, 1, 5, 5, 0), style="default")
@example(case=(2, 12, 4, 1, 5, 5, 0), style="default")
@example(case=(2, 8, 4, 2, 6, 6, 2), style="keywords")
def bottleneck_default_stride_and_keywords(student: Student, case, style):
    if style == "default":
        case = case[:3] + (1,) + case[4:]
    rep, what, x, ctor = _bottleneck(student, case, style=style, train=True)
    _bottleneck_right(rep, x, what, ctor, case,
                      why="stride defaults to 1" if style == "default" else "every argument given by its name")


@hidden_test("Bottleneck", examples=4)
@given(case=bottleneck_cases())
@example(case=(2, 16, 4, 1, 5, 5, 0))
@example(case=(2, 8, 4, 2, 6, 6, 1))
def bottleneck_leaves_input_unchanged(student: Student, case):
    rep, what, x, ctor = _bottleneck(student, case, train=True)
    _input_unchanged(rep, x, what)
    _bottleneck_right(rep, x, what, ctor, case, why=checks.only_if_right("leaving X unchanged"))


# ------------------------------------------------------------------------------- Inception
@st.composite
def inception_cases(draw, max_side: int = 7):
    """(batch, in_channels, c1, c2, c3, c4, height, width, seed), c2 and c3 as tuples."""
    small = st.integers(1, 4)
    in_c = draw(st.integers(1, 6))
    c1, c4 = draw(small), draw(small)
    c2, c3 = (draw(small), draw(small)), (draw(small), draw(small))
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    return n, in_c, c1, c2, c3, c4, h, w, draw(st.integers(0, 2**16))


def _inception(student: Student, case, pairs: str = "tuple", **options):
    n, in_c, c1, c2, c3, c4, h, w, seed = case
    make = {"tuple": tuple, "list": list}
    c2, c3 = make[pairs if pairs != "mixed" else "list"](c2), make[pairs if pairs != "mixed" else "tuple"](c3)
    ctor = f"Inception({in_c}, {c1}, {c2!r}, {c3!r}, {c4})"
    x = _x((n, in_c, h, w), seed)
    rep, what = _module(student, "Inception", [in_c, c1, c2, c3, c4], {}, ctor, x, **options)
    return rep, what, x, ctor


def _inception_shape(case) -> tuple:
    n, _, c1, c2, c3, c4, h, w, _ = case
    return n, c1 + c2[1] + c3[1] + c4, h, w


def _inception_right(rep: dict, x: torch.Tensor, what: str, ctor: str, case, *, backward: bool = False, why: str = "") -> None:
    """The block's output (and gradients) equal the adapted torchvision Inception holding its own weights."""
    _, in_c, c1, c2, c3, c4, *_ = case
    got = _output(rep, what, _inception_shape(case))
    candidates = oracles.inception_role_candidates(rep, in_c, c1, c2, c3, c4)
    if not candidates:
        wanted = ", ".join(f"{k}x{k} conv {i} -> {o}" for k, i, o in oracles.inception_conv_roles(in_c, c1, c2, c3, c4).values())
        raise Mismatch(f"the convolutions of {ctor} are not the task's: it has {oracles.describe_layers(rep, ('Conv2d',))}; "
                       f"the task's block has {wanted} (branch 3's second convolution is 5x5, not torchvision's 3x3)")
    runs = (oracles.run_reference(oracles.inception_with(roles, in_c, c1, c2, c3, c4), roles, x, True, backward)
            for roles in candidates)
    note = (f"{what} (compared with torchvision's GoogLeNet Inception holding your block's weights, adapted to the task: "
            "convolutions with bias and a ReLU, no batch norm, a 5x5 convolution in branch 3, the branches concatenated in the "
            "order 1, 2, 3, 4" + (f"; {why})" if why else ")"))
    _first_match(got, runs, note, x, rep, backward)


@hidden_test("Inception", examples=8)
@given(case=inception_cases())
@example(case=(2, 3, 4, (2, 6), (3, 5), 7, 6, 5, 0))
@example(case=(1, 5, 1, (1, 1), (1, 1), 1, 1, 1, 1))
def inception_output_shape(student: Student, case):
    rep, what, _, _ = _inception(student, case)
    _output(rep, what, _inception_shape(case))


@hidden_test("Inception", examples=6)
@given(case=inception_cases())
@example(case=(2, 3, 4, (2, 6), (3, 5), 7, 6, 5, 0))
@example(case=(2, 4, 2, (2, 2), (2, 2), 2, 5, 5, 1))
def inception_matches_adapted_googlenet(student: Student, case):
    rep, what, x, ctor = _inception(student, case, backward=True, input_grad=True)
    _inception_right(rep, x, what, ctor, case, backward=True)


@hidden_test("Inception", examples=4)
@given(case=inception_cases())
@example(case=(2, 3, 4, (2, 6), (3, 5), 7, 6, 5, 0))
def inception_branch_layers(student: Student, case):
    rep, what, x, ctor = _inception(student, case)
    _, in_c, c1, c2, c3, c4, *_ = case
    if oracles.leaves_of(rep, "BatchNorm2d"):
        raise Mismatch(f"{ctor} has BatchNorm2d layers; the notebook's Inception block (the notes' and the paper's) has none: "
                       "each convolution is followed by a ReLU only")
    convs = oracles.leaves_of(rep, "Conv2d")
    if len(convs) != 6:
        raise Mismatch(f"{ctor} has {len(convs)} Conv2d layers ({oracles.describe_layers(rep, ('Conv2d',))}); the block has six: "
                       "one in branch 1, two in branches 2 and 3, one in branch 4")
    for leaf in convs:
        k = oracles.conv_key(leaf)[0] if oracles.conv_key(leaf) else None
        want = {"stride": [1, 1], "padding": oracles.INCEPTION_PADDING.get(k, [0, 0])}
        for key, v in want.items():
            if leaf.get(key) != v:
                raise Mismatch(f"the {k}x{k} convolution {leaf['name'] or 'Conv2d'} of {ctor} has {key}={_setting(leaf.get(key))}; "
                               f"every branch keeps the height and width: stride 1, padding {v[0]} for a {k}x{k} kernel")
        if "bias" not in leaf.get("params", {}):
            raise Mismatch(f"the convolution {leaf['name'] or 'Conv2d'} of {ctor} has no bias; in the notebook's Inception "
                           "block every convolution keeps its bias (there is no batch norm to replace it)")
    # The pooling may be a layer or F.max_pool2d in forward: where it is a layer, its settings are read here.
    pools = [leaf for leaf in rep["leaves"] if "Pool" in str(leaf.get("type"))]
    as_pair = lambda v: list(v) if isinstance(v, list) else [v, v]  # noqa: E731
    for pool in pools:
        settings = [as_pair(pool.get(k)) for k in ("kernel_size", "stride", "padding")]
        if pool.get("type") != "MaxPool2d" or settings != [[3, 3], [1, 1], [1, 1]]:
            raise Mismatch(f"{ctor} has a {pool.get('type')} layer ({pool['name'] or 'pool'}) with kernel {pool.get('kernel_size')}, "
                           f"stride {pool.get('stride')} and padding {pool.get('padding')}; branch 4 starts with "
                           "nn.MaxPool2d(3, stride=1, padding=1), which keeps the height and width")
    _inception_right(rep, x, what, ctor, case, why=checks.only_if_right("the right layers"))


@hidden_test("Inception", examples=4)
@given(case=inception_cases(), pairs=st.sampled_from(["list", "mixed"]))
@example(case=(2, 3, 4, (2, 6), (3, 5), 7, 6, 5, 0), pairs="list")
def inception_pairs_as_lists_or_tuples(student: Student, case, pairs):
    rep, what, x, ctor = _inception(student, case, pairs=pairs)
    _inception_right(rep, x, what, ctor, case, why="c2 and c3 may be given as lists or tuples")


@hidden_test("Inception", examples=3)
@given(case=inception_cases())
@example(case=(2, 3, 4, (2, 6), (3, 5), 7, 6, 5, 0))
def inception_eval_mode(student: Student, case):
    rep, what, x, ctor = _inception(student, case, train=False)
    _inception_right(rep, x, what, ctor, case, why="in eval mode, which must compute the same as training mode")


@hidden_test("Inception", examples=4)
@given(case=inception_cases())
@example(case=(2, 3, 4, (2, 6), (3, 5), 7, 6, 5, 0))
def inception_leaves_input_unchanged(student: Student, case):
    rep, what, x, ctor = _inception(student, case)
    _input_unchanged(rep, x, what)
    _inception_right(rep, x, what, ctor, case, why=checks.only_if_right("leaving X unchanged"))


# ------------------------------------------------------------------------------- ModernCNN
# ModernCNN is built in the sandbox with the grader's Bottleneck (probes.py): a bug in the student's
# Bottleneck costs nothing here. Cases are few and small: a ResNet-50 is costly to build. Images whose
# values are compared in training mode are at least 64 pixels high and wide: at 32 x 32, stage 4 sees
# 1 x 1 maps, and batch norm over two values per channel turns rounding differences into large ones.
def _resnet(student: Student, num_classes: int, input_channels: int, style: str, shape: tuple, seed: int = 0,
            train: bool = True, fill: bool = True) -> tuple[dict, str, torch.Tensor, str]:
    if style == "defaults":
        args, kwargs, ctor = [], {}, "ModernCNN()"
    elif style == "keywords":
        args, kwargs = [], {"num_classes": num_classes, "input_channels": input_channels}
        ctor = f"ModernCNN(num_classes={num_classes}, input_channels={input_channels})"
    elif style == "classes":
        args, kwargs, ctor = [num_classes], {}, f"ModernCNN({num_classes})"
    else:
        args, kwargs, ctor = [num_classes, input_channels], {}, f"ModernCNN({num_classes}, {input_channels})"
    x = oracles.resnet_input(shape, seed)
    what = f"{ctor}(X) with X of shape {tuple(shape)}"
    table = oracles.reference_resnet(num_classes, input_channels)[1] if fill else None
    rep = student.probe("resnet", what, target="ModernCNN", init_args=args, init_kwargs=kwargs, input=x,
                        stand_in=oracles.bottleneck_stand_in(), fill=table,
                        parts=list(oracles.PARTS), train=train)
    if not rep.get("is_module"):
        raise Mismatch(f"{ctor} is a {rep.get('type')}, not an nn.Module")
    return rep, what, x, ctor


def _resnet_right(rep: dict, what: str, x: torch.Tensor, num_classes: int, input_channels: int, shape: tuple, seed: int,
                  train: bool = True, why: str = "") -> None:
    got = _output(rep, what, (shape[0], num_classes))
    expected = oracles.resnet_output(num_classes, input_channels, tuple(shape), seed, train)
    unknown = rep.get("unknown") or []
    mode = "in training mode" if train else "in eval mode, with fresh running statistics (mean 0, variance 1),"
    note = (f"{what} {mode} (the grader's Bottleneck standing in for yours, and every parameter set by the grader by its "
            f"kind and shape, the same values given to torchvision's resnet50(num_classes={num_classes})"
            + (f" with a {input_channels}-channel conv1" if input_channels != 3 else "") + ", which it is compared with")
    if unknown:
        note += f"; your network has parameters torchvision's has no counterpart for ({unknown[0]}), set to zero"
    checks.close(got, expected, note + (f"; {why})" if why else ")"), inputs=(x,))


def _parts_ran(rep: dict, ctor: str) -> None:
    parts = rep["parts"]
    missing = [p for p in oracles.PARTS if not parts.get(p, {}).get("is_module")]
    if missing:
        raise Mismatch(f"{ctor} has no module attribute self.{missing[0]}; the task names its parts self.stem, "
                       "self.stage1, self.stage2, self.stage3 and self.stage4")
    entered = [e[1] for e in rep.get("ran", []) if isinstance(e, list) and e[:1] == ["enter"]]
    order = [p for p in entered if p in oracles.PARTS]
    if order != list(oracles.PARTS):
        never = [p for p in oracles.PARTS if p not in order]
        detail = f"self.{never[0]} never ran as a module" if never else f"they ran in the order {', '.join(order)}"
        raise Mismatch(f"{ctor}: forward must call self.stem, self.stage1, ..., self.stage4 once each, in this order; {detail}")


def _number(n) -> str:
    return f"{n:,}" if type(n) is int else repr(n)


@hidden_test("ModernCNN")
def modern_cnn_parameter_count(student: Student):
    for num_classes, input_channels, style in ((1000, 3, "defaults"), (10, 3, "classes"), (7, 1, "keywords")):
        rep, _, _, ctor = _resnet(student, num_classes, input_channels, style, (2, input_channels, 32, 32), fill=False)
        counts = oracles.resnet_parameter_counts(num_classes, input_channels)
        got = rep.get("param_count")
        if got != counts["total"]:
            per_part = ", ".join(f"self.{p}: {_number(rep['parts'].get(p, {}).get('params'))} (expected {counts[p]:,})"
                                 for p in oracles.PARTS if rep["parts"].get(p, {}).get("params") != counts[p])
            ref = f"torchvision's resnet50(num_classes={num_classes})" + (
                f" with a {input_channels}-channel conv1" if input_channels != 3 else "")
            raise Mismatch(f"{ctor} has {_number(got)} parameters, {ref} has {counts['total']:,}"
                           + (f"; per part: {per_part}" if per_part else "; the stem and the stages are right, so look at the head"))


STAGE_SHAPE_CASES = ((10, 3, "positional", (2, 3, 64, 64)), (5, 1, "keywords", (2, 1, 32, 48)))


@hidden_test("ModernCNN")
def modern_cnn_stage_shapes(student: Student):
    for num_classes, input_channels, style, shape in STAGE_SHAPE_CASES:
        rep, what, _, ctor = _resnet(student, num_classes, input_channels, style, shape, fill=False)
        _parts_ran(rep, ctor)
        expected = oracles.resnet_part_shapes(num_classes, input_channels, shape)
        for part in oracles.PARTS:
            got = tuple(rep["shapes"].get(part) or ())
            if got != expected[part]:
                raise Mismatch(f"{what}: self.{part} returned shape {got}, expected {expected[part]} (as torchvision's resnet50)")
        _output(rep, what, (shape[0], num_classes))


def _blocks_by_stage(rep: dict) -> dict[str, list]:
    """What each stage ran, from the probe's events: the grader's Bottleneck's arguments, or else each
    child's input and output shapes."""
    out: dict[str, list] = {}
    current = None
    for e in rep.get("ran", []):
        if not isinstance(e, list) or not e:
            continue
        if e[0] == "enter" and e[1] in oracles.STAGES:
            current = e[1]
            out[current] = []
        elif e[0] == "leave":
            current = None
        elif e[0] == "block" and current:
            out[current].append(("block", tuple(e[1:4])))
    return out


@hidden_test("ModernCNN")
def modern_cnn_stage_layout(student: Student):
    shape = (2, 3, 64, 64)
    rep, what, x, ctor = _resnet(student, 10, 3, "positional", shape)
    _parts_ran(rep, ctor)
    for stage in oracles.STAGES:
        info = rep["parts"][stage]
        if not info.get("is_sequential"):
            raise Mismatch(f"self.{stage} of {ctor} is a {info.get('type')}; each stage is an nn.Sequential of Bottleneck blocks")
    ran = _blocks_by_stage(rep)
    for stage, blocks in oracles.expected_blocks().items():
        children = rep["parts"][stage].get("children", [])
        if len(children) != len(blocks):
            raise Mismatch(f"self.{stage} of {ctor} holds {len(children)} blocks; ResNet-50's stages hold 3, 4, 6 and 3")
        got = [args for kind, args in ran.get(stage, []) if kind == "block"]
        if got and got != blocks:
            i = next((j for j, (a, b) in enumerate(zip(got, blocks)) if a != b), min(len(got), len(blocks)))
            has = f"Bottleneck{got[i]}" if i < len(got) else "no block"
            want = f"Bottleneck{blocks[i]}" if i < len(blocks) else "no block"
            raise Mismatch(f"block {i + 1} of self.{stage} of {ctor} is {has} (as (in_channels, mid_channels, stride)); ResNet-50's "
                           f"is {want}: each block receives the channels the block before it returns (4 * mid_channels), "
                           "and only the first block of stages 2 to 4 has stride 2")
    _resnet_right(rep, what, x, 10, 3, shape, 0, why=checks.only_if_right("the right stages"))


@hidden_test("ModernCNN")
def modern_cnn_matches_resnet50(student: Student):
    for num_classes, input_channels, shape, seed in ((10, 3, (2, 3, 64, 64), 0), (6, 2, (2, 2, 48, 40), 1)):
        rep, what, x, _ = _resnet(student, num_classes, input_channels, "positional", shape, seed)
        _input_unchanged(rep, x, what)
        _resnet_right(rep, what, x, num_classes, input_channels, shape, seed)


@hidden_test("ModernCNN")
def modern_cnn_defaults(student: Student):
    for num_classes, input_channels, style, shape in ((1000, 3, "defaults", (2, 3, 64, 64)), (4, 1, "keywords", (2, 1, 64, 56))):
        rep, what, x, _ = _resnet(student, num_classes, input_channels, style, shape, seed=2)
        why = "num_classes=1000 and input_channels=3 by default" if style == "defaults" else "the arguments given by name"
        _resnet_right(rep, what, x, num_classes, input_channels, shape, 2, why=why)


@hidden_test("ModernCNN")
def modern_cnn_eval_mode(student: Student):
    shape = (2, 3, 64, 64)
    rep, what, x, _ = _resnet(student, 10, 3, "positional", shape, seed=3, train=False)
    _resnet_right(rep, what, x, 10, 3, shape, 3, train=False)


# ------------------------------------------------------------------ promises
# Every clause of each task's text, and the hidden tests that keep it (autograder/grading/promises.py).
P, NO = promises.promise, promises.no_promise

# Bottleneck
P(A, "Bottleneck", "types", "Write `Bottleneck(in_channels, mid_channels, stride=1)` as an `nn.Module`",
  ("bottleneck_output_shape", "bottleneck_default_stride_and_keywords"))
P(A, "Bottleneck", "defaults", "`Bottleneck(in_channels, mid_channels, stride=1)`", "bottleneck_default_stride_and_keywords")
P(A, "Bottleneck", "values", "main path: `nn.Conv2d(in_channels, mid_channels, 1)`, `BatchNorm2d`, ReLU, then "
  "`nn.Conv2d(mid_channels, mid_channels, 3, stride=stride, padding=1)`, `BatchNorm2d`, ReLU, then "
  "`nn.Conv2d(mid_channels, 4 * mid_channels, 1)`, `BatchNorm2d`",
  ("bottleneck_matches_torchvision", "bottleneck_layer_settings"))
P(A, "Bottleneck", "values", "shortcut: the identity when `stride == 1` and `in_channels == 4 * mid_channels` (no convolution at "
  "all in that case); otherwise a projection, `nn.Conv2d(in_channels, 4 * mid_channels, 1, stride=stride)` followed by "
  "`nn.BatchNorm2d(4 * mid_channels)`", ("bottleneck_shortcut", "bottleneck_matches_torchvision", "bottleneck_layer_settings"))
P(A, "Bottleneck", "values", "every convolution is created with `bias=False`, so that the block has exactly as many parameters "
  "as torchvision's `Bottleneck`", "bottleneck_layer_settings")
P(A, "Bottleneck", "values", "`forward(X)` returns `ReLU(main(X) + shortcut(X))`: the last ReLU comes after the addition",
  "bottleneck_matches_torchvision")
P(A, "Bottleneck", "values", "the stride belongs to the 3x3 convolution", ("bottleneck_layer_settings", "bottleneck_matches_torchvision"))
P(A, "Bottleneck", "values", "batch norm behaves as in assignment 07: batch statistics in training mode, running averages in "
  "eval mode", ("bottleneck_matches_torchvision", "bottleneck_eval_mode"))
P(A, "Bottleneck", "shapes", "For `X` of shape `(N, in_channels, H, W)` the output has shape "
  "`(N, 4 * mid_channels, floor((H - 1) / stride) + 1, floor((W - 1) / stride) + 1)`", "bottleneck_output_shape")
P(A, "Bottleneck", "inputs unchanged", "Do not modify `X` in place", "bottleneck_leaves_input_unchanged")
NO(A, "Bottleneck", "errors", "the text promises no error")
NO(A, "Bottleneck", "initial values", "the layers keep torch's own initialisation; the tests load the block's own weights into "
   "torchvision's")
NO(A, "Bottleneck", "dtype", "the text names no dtype (the tests ask for floating-point outputs)")

# Inception
P(A, "Inception", "types", "Write `Inception(in_channels, c1, c2, c3, c4)` as an `nn.Module`",
  ("inception_output_shape", "inception_matches_adapted_googlenet"))
P(A, "Inception", "types", "`c1` and `c4` are ints; `c2` and `c3` are pairs of ints, given as tuples or lists",
  ("inception_pairs_as_lists_or_tuples", "inception_matches_adapted_googlenet"))
P(A, "Inception", "values", "Four branches, each convolution followed by a ReLU",
  ("inception_matches_adapted_googlenet", "inception_branch_layers"))
P(A, "Inception", "values", "`nn.Conv2d(in_channels, c1, 1)`", ("inception_matches_adapted_googlenet", "inception_branch_layers"))
P(A, "Inception", "values", "`nn.Conv2d(in_channels, c2[0], 1)`, then `nn.Conv2d(c2[0], c2[1], 3, padding=1)`",
  ("inception_matches_adapted_googlenet", "inception_branch_layers"))
P(A, "Inception", "values", "`nn.Conv2d(in_channels, c3[0], 1)`, then `nn.Conv2d(c3[0], c3[1], 5, padding=2)`",
  ("inception_matches_adapted_googlenet", "inception_branch_layers"))
P(A, "Inception", "values", "`nn.MaxPool2d(3, stride=1, padding=1)` (or `F.max_pool2d` with the same settings in `forward`), then "
  "`nn.Conv2d(in_channels, c4, 1)`",
  ("inception_matches_adapted_googlenet", "inception_branch_layers"))
P(A, "Inception", "values", "Every convolution keeps its bias (the default) and there is no batch norm, so the block computes the "
  "same in training and in eval mode", ("inception_branch_layers", "inception_eval_mode"))
P(A, "Inception", "values", "`forward(X)` concatenates the four branches' outputs along the channel dimension, in the order 1, 2, 3, 4",
  "inception_matches_adapted_googlenet")
P(A, "Inception", "shapes", "for `X` of shape `(N, in_channels, H, W)` the output has shape `(N, c1 + c2[1] + c3[1] + c4, H, W)`",
  "inception_output_shape")
P(A, "Inception", "inputs unchanged", "Do not modify `X` in place.", "inception_leaves_input_unchanged")
NO(A, "Inception", "errors", "the text promises no error")
NO(A, "Inception", "defaults", "Inception has no optional parameters")
NO(A, "Inception", "initial values", "the layers keep torch's own initialisation; the tests load the block's own weights into "
   "the reference")
NO(A, "Inception", "dtype", "the text names no dtype (the tests ask for floating-point outputs)")

# ModernCNN
P(A, "ModernCNN", "types", "Write `ModernCNN(num_classes=1000, input_channels=3)` as an `nn.Module`",
  ("modern_cnn_parameter_count", "modern_cnn_matches_resnet50"))
P(A, "ModernCNN", "defaults", "`ModernCNN(num_classes=1000, input_channels=3)`", ("modern_cnn_defaults", "modern_cnn_parameter_count"))
P(A, "ModernCNN", "types", "`self.stem`: an `nn.Sequential` of", ("modern_cnn_stage_shapes", "modern_cnn_stage_layout"))
P(A, "ModernCNN", "values", "`nn.Conv2d(input_channels, 64, 7, stride=2, padding=3, bias=False)`, `nn.BatchNorm2d(64)`, a ReLU and "
  "`nn.MaxPool2d(3, stride=2, padding=1)`", ("modern_cnn_matches_resnet50", "modern_cnn_stage_shapes", "modern_cnn_parameter_count"))
P(A, "ModernCNN", "types", "`self.stage1`, `self.stage2`, `self.stage3`, `self.stage4`: each an `nn.Sequential` of 3, 4, 6 and 3 "
  "`Bottleneck` blocks", "modern_cnn_stage_layout")
P(A, "ModernCNN", "values", "with `mid_channels` 64, 128, 256 and 512; the first block of stages 2, 3 and 4 has `stride=2`, every "
  "other block stride 1; each block's `in_channels` is the number of channels it receives (64 for the first block of stage 1)",
  ("modern_cnn_stage_layout", "modern_cnn_matches_resnet50", "modern_cnn_stage_shapes"))
P(A, "ModernCNN", "values", "the head: `nn.AdaptiveAvgPool2d(1)`, a flatten, and `nn.Linear(2048, num_classes)` (with its bias)",
  ("modern_cnn_matches_resnet50", "modern_cnn_parameter_count"))
P(A, "ModernCNN", "values", "`forward(X)` calls `self.stem`, `self.stage1`, ..., `self.stage4` in this order, then the head",
  ("modern_cnn_stage_shapes", "modern_cnn_stage_layout", "modern_cnn_matches_resnet50"))
P(A, "ModernCNN", "shapes", "maps `X` of shape `(N, input_channels, H, W)` to logits of shape `(N, num_classes)`",
  ("modern_cnn_stage_shapes", "modern_cnn_defaults"))
P(A, "ModernCNN", "shapes", "| stem | 7x7 conv to 64 channels, stride 2, padding 3, no bias; BN; ReLU; 3x3 max-pool, stride 2, "
  "padding 1 | 64 x 56 x 56 |", "modern_cnn_stage_shapes")
P(A, "ModernCNN", "values", "With `input_channels=3`, `ModernCNN(num_classes)` has exactly as many parameters as "
  "`torchvision.models.resnet50(num_classes=num_classes)`: 25,557,032 for 1000 classes.", "modern_cnn_parameter_count")
P(A, "ModernCNN", "values", "batch statistics in training mode, running averages in eval mode",
  ("modern_cnn_matches_resnet50", "modern_cnn_eval_mode"))
P(A, "ModernCNN", "inputs unchanged", "do not modify `X` in place", "modern_cnn_matches_resnet50")
NO(A, "ModernCNN", "errors", "the text promises no error")
NO(A, "ModernCNN", "initial values", "the layers keep torch's own initialisation; the tests give both networks the same weights")
NO(A, "ModernCNN", "dtype", "the text names no dtype (the tests ask for floating-point outputs)")


# ModernCNN's probe builds the net with the grader's Bottleneck, described as data, in the student's
# process: those tests must come after every Bottleneck test, so that the description, which the
# child could keep, reaches it only once Bottleneck has been graded (the rule autograder/grading/help.py
# keeps for stand-ins; the grader runs an assignment's tests in the order they are declared).
_ORDER = [t.stubs for t in hidden.registered(A).values()]
assert max(i for i, s in enumerate(_ORDER) if "Bottleneck" in s) < min(i for i, s in enumerate(_ORDER) if "ModernCNN" in s), \
    "declare every Bottleneck test before the first ModernCNN test"
