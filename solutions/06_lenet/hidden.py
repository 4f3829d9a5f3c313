"""Hidden tests for 7.6: LeNet, init_cnn, layer_summary and evaluate_accuracy.

Structural and behavioural only: training the student's LeNet on Fashion-MNIST is graded
elsewhere. Networks are sent to the sandbox as data (spec lists) and rebuilt here with
torch to compute what the student's function should report.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from hypothesis import example, given
from hypothesis import strategies as st
from torch import nn

from autograder.grading import checks, promises
from course_content.shared import strategies as s
from autograder.grading.hidden import Student, Verdict, hidden_test
from autograder.grading.submission import StubError
from autograder.student.visible import show

A = promises.here(__name__)  # this folder's assignment id

# The chapter's LeNet-5 on a 1x28x28 image: (layer type, output shape of one example).
CHAPTER = [
    ("Conv2d", (6, 28, 28)), ("Sigmoid", (6, 28, 28)), ("AvgPool2d", (6, 14, 14)),
    ("Conv2d", (16, 10, 10)), ("Sigmoid", (16, 10, 10)), ("AvgPool2d", (16, 5, 5)),
    ("Flatten", (400,)), ("Linear", (120,)), ("Sigmoid", (120,)),
    ("Linear", (84,)), ("Sigmoid", (84,)), ("Linear", (None,)),  # None: num_classes
]
PARAMS_10_CLASSES = 61706


def _images(n: int, seed: int) -> torch.Tensor:
    return torch.randn(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


def _lenet(student: Student, n: int, num_classes: int | None, *, seed: int = 0, backward: bool = False) -> tuple[dict, str, torch.Tensor]:
    x = _images(n, seed)
    ctor = "LeNet()" if num_classes is None else f"LeNet(num_classes={num_classes})"
    what = f"{ctor}(X) with X of shape {tuple(x.shape)}"
    kwargs = {} if num_classes is None else {"num_classes": num_classes}
    rep = student.probe("module", what, target="LeNet", init_kwargs=kwargs, input=x, backward=backward)
    if not rep.get("is_module"):
        raise checks.Mismatch(f"{ctor} is a {rep.get('type')}, not an nn.Module")
    return rep, what, x


def _expected_layers(n: int, num_classes: int) -> list[tuple[str, tuple]]:
    return [(t, (n,) + tuple(num_classes if d is None else d for d in shape)) for t, shape in CHAPTER]


@hidden_test("LeNet", examples=8)
@given(n=st.integers(1, 4), num_classes=st.one_of(st.none(), st.integers(1, 20)))
@example(n=2, num_classes=None)
def lenet_output_shape(student: Student, n, num_classes):
    rep, what, _ = _lenet(student, n, num_classes)
    got = checks.shaped(rep["output"], (n, 10 if num_classes is None else num_classes), what,
                        "one logit per class for each image")
    if not got.is_floating_point():
        raise checks.Mismatch(f"{what} returned a tensor of dtype {got.dtype}; expected floating-point logits")


@hidden_test("LeNet")
def lenet_parameter_count(student: Student):
    for num_classes in (None, 10, 1, 3, 47):
        rep, what, _ = _lenet(student, 1, num_classes)
        c = 10 if num_classes is None else num_classes
        expected = PARAMS_10_CLASSES - (84 * 10 + 10) + 84 * c + c
        got = sum(t.numel() for t in rep["params"].values())
        ctor = what.split("(X)")[0]
        if got != expected:
            raise checks.Mismatch(f"{ctor} has {got:,} parameters (after one forward pass), expected {expected:,}"
                                  + (" as in the chapter" if c == 10 else f" (the chapter's 61,706 with {c} output{'s' if c > 1 else ''} in the last layer)"))


@hidden_test("LeNet")
def lenet_layer_shapes(student: Student):
    for n, num_classes in ((2, None), (1, 7), (3, 2)):
        rep, what, _ = _lenet(student, n, num_classes)
        got = [(t, tuple(shape) if shape is not None else None) for t, shape in rep["leaf_shapes"]]
        expected = _expected_layers(n, 10 if num_classes is None else num_classes)
        for i, (g, e) in enumerate(zip(got, expected)):
            if g != e:
                raise checks.Mismatch(
                    f"{what}: layer {i + 1} that runs is {g[0]} with output shape {g[1]}; the chapter's LeNet-5 "
                    f"has {e[0]} with output shape {e[1]} there.\nLayers that ran: {_sequence(got)}\n"
                    f"Expected:        {_sequence(expected)}")
        if len(got) != len(expected):
            raise checks.Mismatch(f"{what} ran {len(got)} layers, the chapter's LeNet-5 has {len(expected)}.\n"
                                  f"Layers that ran: {_sequence(got)}\nExpected:        {_sequence(expected)}")


def _sequence(layers) -> str:
    return ", ".join(f"{t} {s}" for t, s in layers)


@hidden_test("LeNet")
def lenet_forward_matches_chapter(student: Student):
    for n, num_classes, seed in ((2, None, 3), (3, 4, 4)):
        rep, what, x = _lenet(student, n, num_classes, seed=seed)
        convs = [leaf for leaf in rep["leaves"] if leaf["type"] == "Conv2d"]
        linears = [leaf for leaf in rep["leaves"] if leaf["type"] == "Linear"]
        if len(convs) != 2 or len(linears) != 3:
            raise checks.Mismatch(f"{what.split('(X)')[0]} has {len(convs)} Conv2d and {len(linears)} Linear layers; "
                                  "LeNet-5 has 2 convolutions and 3 dense layers")
        p = [leaf["params"] for leaf in convs + linears]
        c = 10 if num_classes is None else num_classes
        shapes = [(6, 1, 5, 5), (16, 6, 5, 5), (120, 400), (84, 120), (c, 84)]
        for leaf, q, shape in zip(convs + linears, p, shapes):
            got = tuple(q["weight"].shape) if isinstance(q.get("weight"), torch.Tensor) else None
            if got != shape:
                raise checks.Mismatch(f"{what.split('(X)')[0]} has a {leaf['type']} layer ({leaf['name']}) with weight of shape {got}; "
                                      f"at that place the chapter's LeNet-5 has a weight of shape {shape}")
        h = x.double()
        h = F.avg_pool2d(torch.sigmoid(F.conv2d(h, p[0]["weight"].double(), _b(p[0]), padding=2)), 2, 2)
        h = F.avg_pool2d(torch.sigmoid(F.conv2d(h, p[1]["weight"].double(), _b(p[1]))), 2, 2)
        h = h.flatten(1)
        h = torch.sigmoid(F.linear(h, p[2]["weight"].double(), _b(p[2])))
        h = torch.sigmoid(F.linear(h, p[3]["weight"].double(), _b(p[3])))
        h = F.linear(h, p[4]["weight"].double(), _b(p[4]))
        checks.close(rep["output"], h, f"{what} (compared with the chapter's LeNet-5 computed from your layers' own weights)",
                     inputs=(x,))


@hidden_test("LeNet")
def lenet_layers_in_self_net(student: Student):
    """The notebook's later tasks (layer_summary(LeNet().net, ...)) slice and inspect self.net."""
    x = _images(2, 6)
    what = f"LeNet()(X) with X of shape {tuple(x.shape)}"
    rep = student.probe("module", what, target="LeNet", input=x, attribute="net")
    if not rep.get("is_module"):
        raise checks.Mismatch(f"LeNet() is a {rep.get('type')}, not an nn.Module")
    sub = rep["attribute"] if isinstance(rep["attribute"], dict) else {}
    if sub.get("is_sequential") is not True or sub.get("type") != "torch.nn.modules.container.Sequential":
        raise checks.Mismatch(f"LeNet().net is {sub.get('type')}; the task keeps the layers in an nn.Sequential "
                              "stored as self.net")
    expected = [t for t, _ in CHAPTER]
    if sub.get("layers") != expected:
        raise checks.Mismatch(f"LeNet().net holds {sub.get('layers')}; the chapter's LeNet-5 is {expected}, in that order")
    out = checks.tensor(rep["output"], what)
    checks.close(sub.get("output"), out.double(), f"LeNet().net(X) against {what}: forward returns self.net(X)",
                 inputs=(x,))


def _b(params: dict) -> torch.Tensor | None:
    b = params.get("bias")
    return None if b is None else b.double()


@hidden_test("LeNet")
def lenet_gradients_reach_every_parameter(student: Student):
    rep, what, _ = _lenet(student, 3, None, seed=5, backward=True)
    if "grads" not in rep:
        raise checks.Mismatch(f"the output of {what} does not require grad: it is not connected to LeNet's parameters")
    for name, g in rep["grads"].items():
        if g is None:
            raise checks.Mismatch(f"after {what}.sum().backward(), the parameter {name} has no gradient (grad is None)")
        if not torch.isfinite(g).all() or not g.abs().sum() > 0:
            raise checks.Mismatch(f"after {what}.sum().backward(), the gradient of {name} is {show(g)}: no useful gradient reaches it")


# ------------------------------------------------------------------------------ init_cnn
def describe_net(spec: list) -> str:
    return "nn.Sequential(" + ", ".join(_describe_layer(kind, args) for kind, args in spec) + ")"


def _describe_layer(kind: str, args: list) -> str:
    names = {"Conv2d": ["in_channels", "out_channels", "kernel_size", "stride", "padding"]}.get(kind)
    parts = []
    for i, a in enumerate(args):
        a = tuple(a) if isinstance(a, list) else a
        parts.append(f"{names[i]}={a!r}" if names and i >= 2 else repr(a))
    return f"nn.{kind}({', '.join(parts)})"


def _build(spec: list) -> nn.Sequential:
    return nn.Sequential(*[getattr(nn, kind)(*[tuple(a) if isinstance(a, list) else a for a in args]) for kind, args in spec])


def _init(student: Student, spec: list) -> tuple[dict, str]:
    what = f"{describe_net(spec)}.apply(init_cnn)"
    rep = student.probe("init", what, target="init_cnn", spec=spec)
    return rep, what


def _xavier_bound(weight: torch.Tensor) -> tuple[float, int, int]:
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(weight)
    return math.sqrt(6.0 / (fan_in + fan_out)), fan_in, fan_out


def _weighted_layers(spec: list):
    for i, (kind, args) in enumerate(spec):
        if kind in ("Conv2d", "Linear"):
            yield i, kind, args


@hidden_test("init_cnn", examples=15)
@given(spec=s.init_nets())
def init_cnn_xavier_uniform_range(student: Student, spec):
    rep, what = _init(student, spec)
    for i, kind, args in _weighted_layers(spec):
        _check_redrawn(rep, what, i, kind, args)


def _check_redrawn(rep: dict, what: str, i: int, kind: str, args: list, note: str = "") -> None:
    """Layer i's weight was re-drawn from Xavier-uniform as far as one draw can show: new values, in
    range, not all alike, and reaching out towards the bound (a zero or constant fill is in range too)."""
    key = f"{i}.weight"
    before, after = rep["before"][key], rep["after"].get(key)
    layer = _describe_layer(kind, args)
    if not isinstance(after, torch.Tensor) or after.shape != before.shape:
        raise checks.Mismatch(f"after {what}, the weight of layer {i} ({layer}) is {show(after)}; it must keep its shape {tuple(before.shape)}{note}")
    if torch.equal(before, after):
        raise checks.Mismatch(f"{what} did not change the weight of layer {i} ({layer}); every Linear and Conv2d weight must be re-drawn{note}")
    bound, fan_in, fan_out = _xavier_bound(after)
    worst = float(after.abs().max())
    if not worst <= min(bound * (1 + 1e-5), bound + 1e-6):  # float32 rounding of a, never more
        raise checks.Mismatch(f"after {what}, the weight of layer {i} ({layer}) has an entry of size {worst:.4f}, outside the "
                              f"Xavier-uniform range ±{bound:.4f} (a = sqrt(6 / (fan_in + fan_out)) with fan_in = {fan_in}, fan_out = {fan_out}){note}")
    alike = after.numel() >= 2 and bool((after == after.flatten()[0]).all())
    # 16 uniform draws on [-a, a] all inside [-a/4, a/4]: probability 4**-16.
    timid = after.numel() >= 16 and worst < bound / 4
    if alike or timid:
        raise checks.Mismatch(f"after {what}, the weight of layer {i} ({layer}) is {show(after)}: "
                              + ("every entry is the same" if alike else f"no entry reaches a / 4 = {bound / 4:.4f}")
                              + f"; Xavier-uniform draws each entry at random from [-a, a], a = {bound:.4f}{note}")


BIG_NETS = [
    [["Conv2d", [16, 32, 3]], ["BatchNorm2d", [32]], ["ReLU", []], ["Flatten", []], ["Linear", [512, 256]], ["Linear", [256, 10]]],
    [["Conv2d", [1, 6, 5, 1, 2]], ["Sigmoid", []], ["AvgPool2d", [2]], ["Conv2d", [6, 16, 5]], ["Flatten", []],
     ["Linear", [400, 120]], ["Linear", [120, 84]], ["Linear", [84, 10]]],
    # The net of the notebook's own check: LeNet's layers with a batch norm, and an 840-weight output layer.
    [["Conv2d", [1, 6, 5, 1, 2]], ["Sigmoid", []], ["AvgPool2d", [2, 2]], ["Conv2d", [6, 16, 5]], ["BatchNorm2d", [16]],
     ["Sigmoid", []], ["AvgPool2d", [2, 2]], ["Flatten", []], ["Linear", [400, 120]], ["Sigmoid", []], ["Linear", [120, 84]],
     ["Sigmoid", []], ["Linear", [84, 10]]],
]


@hidden_test("init_cnn", examples=6)
@given(spec=s.init_nets(big=True))
@example(spec=BIG_NETS[0])
@example(spec=BIG_NETS[1])
@example(spec=BIG_NETS[2])
def init_cnn_xavier_uniform_spread(student: Student, spec):
    rep, what = _init(student, spec)
    for i, kind, args in _weighted_layers(spec):
        w = rep["after"].get(f"{i}.weight")
        if not isinstance(w, torch.Tensor) or w.numel() < 500:
            continue
        w = w.double()
        bound, fan_in, fan_out = _xavier_bound(w)
        layer = f"layer {i} ({_describe_layer(kind, args)})"
        std, want = float(w.std()), bound / math.sqrt(3)
        # The sample std of n uniform draws is off by about 2% / sqrt(n / 500): 10% is 5 of those
        # at n = 500 (the notebook's own check allows 10% from there on), 8% is 8 of them at 2000.
        if abs(std - want) > (0.08 if w.numel() >= 2000 else 0.1) * want:
            raise checks.Mismatch(f"after {what}, the weights of {layer} have standard deviation {std:.4f}; Xavier-uniform "
                                  f"gives a / sqrt(3) = {want:.4f} (a = sqrt(6 / ({fan_in} + {fan_out})))")
        outer = float((w.abs() > bound / 2).double().mean())
        if w.numel() >= 2000 and not 0.42 <= outer <= 0.58:
            raise checks.Mismatch(f"after {what}, {outer:.0%} of the weights of {layer} lie beyond a / 2 = {bound / 2:.4f}; "
                                  "a uniform distribution on [-a, a] puts half of them there (is it uniform?)")


@hidden_test("init_cnn", examples=15)
@given(spec=s.init_nets())
@example(spec=[["Conv2d", [3, 4, 3]], ["BatchNorm2d", [4]], ["ReLU", []], ["Flatten", []], ["BatchNorm1d", [16]],
               ["LayerNorm", [16]], ["Linear", [16, 5]]])
def init_cnn_leaves_other_parameters(student: Student, spec):
    rep, what = _init(student, spec)
    weights = {f"{i}.weight" for i, _, _ in _weighted_layers(spec)}

    def same(key: str) -> bool:
        after = rep["after"].get(key)
        return isinstance(after, torch.Tensor) and after.shape == rep["before"][key].shape and torch.equal(after, rep["before"][key])

    for i, kind, args in _weighted_layers(spec):
        # Leaving the rest alone counts only for a call that also re-draws the weights right.
        _check_redrawn(rep, what, i, kind, args, " (leaving the other parameters alone counts only when the weights are re-drawn right)")
    for key, before in rep["before"].items():
        if key in weights:
            continue
        after = rep["after"].get(key)
        i = int(key.split(".")[0])
        if not same(key):
            kind, args = spec[i]
            part = key.split(".", 1)[1]
            rule = "biases keep their values" if kind in ("Conv2d", "Linear") else "other layers are left alone"
            raise checks.Mismatch(f"{what} changed {part} of layer {i} ({_describe_layer(kind, args)}) from {show(before)} to "
                                  f"{show(after)}; only the weights of Linear and Conv2d layers may change ({rule})")
    if _changed(rep["buffers_before"], rep["buffers_after"]):
        raise checks.Mismatch(f"{what} changed a buffer (a batch norm's running statistics); other modules are not changed")
    if rep["modes_after"] != rep["modes_before"]:
        raise checks.Mismatch(f"{what} switched modules between training and eval mode; other modules are not changed")


@hidden_test("init_cnn", examples=8)
@given(spec=s.init_nets())
def init_cnn_returns_nothing(student: Student, spec):
    rep, what = _init(student, spec)
    returns = rep["returns"] if isinstance(rep["returns"], list) else []
    odd = sorted({str(r) for r in returns if r != "NoneType"})
    if odd or len(returns) != len(_build(spec)) + 1:  # every layer, then the Sequential itself
        raise checks.Mismatch(f"{what}: init_cnn returned {', '.join(odd) or 'nothing readable'} for some modules; it must "
                              "return nothing (None): it is used as net.apply(init_cnn), which changes the modules in place")
    for i, kind, args in _weighted_layers(spec):
        _check_redrawn(rep, what, i, kind, args, " (" + checks.only_if_right("returning nothing") + ")")


# ------------------------------------------------------------------------- layer_summary
def _expected_summary(spec: list, input_shape: tuple) -> list[tuple[str, tuple]]:
    net = _build(spec).eval()
    X, out = torch.zeros(input_shape), []
    with torch.no_grad():
        for layer in net:
            X = layer(X)
            out.append((type(layer).__name__, tuple(X.shape)))
    return out


def _summary(student: Student, spec: list, input_shape: tuple, eval_layers=()) -> tuple[dict, str]:
    what = f"layer_summary({describe_net(spec)}, {tuple(input_shape)})"
    rep = student.probe("summary", what, target="layer_summary", spec=spec, input_shape=list(input_shape), eval=list(eval_layers))
    return rep, what


@hidden_test("layer_summary", examples=25)
@given(case=s.summary_nets())
@example(case=([["Conv2d", [1, 6, 5, 1, 2]], ["Sigmoid", []], ["AvgPool2d", [2, 2]], ["Conv2d", [6, 16, 5]], ["Sigmoid", []],
                ["AvgPool2d", [2, 2]], ["Flatten", []], ["Linear", [400, 120]], ["Sigmoid", []], ["Linear", [120, 84]],
                ["Sigmoid", []], ["Linear", [84, 10]]], (2, 1, 28, 28)))
def layer_summary_matches_layers(student: Student, case):
    spec, input_shape = case
    rep, what = _summary(student, spec, input_shape)
    got, expected = rep["result"], _expected_summary(spec, input_shape)
    if not isinstance(got, list):
        raise checks.Mismatch(f"{what} returned {checks.kind_of(got)} {show(got, 200)}; it must return a list of (name, shape) pairs")
    if len(got) != len(expected):
        raise checks.Mismatch(f"{what} returned {len(got)} entries, expected one per layer ({len(expected)}): {show(got, 600)}")
    for i, (g, e) in enumerate(zip(got, expected)):
        if not isinstance(g, (tuple, list)) or len(g) != 2:
            raise checks.Mismatch(f"{what}: entry {i} is {show(g, 200)}; each entry must be a pair (layer class name, output shape), expected {e!r}")
        name, shape = g
        if name != e[0]:
            raise checks.Mismatch(f"{what}: entry {i} names the layer {show(name, 100)}, expected its class name {e[0]!r}")
        if not isinstance(shape, tuple) or any(type(d) is not int for d in shape):
            raise checks.Mismatch(f"{what}: entry {i} gives the shape as {checks.kind_of(shape)} {show(shape, 200)}; "
                                  f"it must be a tuple of ints such as tuple(X.shape), expected {e[1]!r}")
        if shape != e[1]:
            raise checks.Mismatch(f"{what}: entry {i} ({e[0]}) gives the output shape {shape}, expected {e[1]}")


def _plain_summary(result) -> list | None:
    """The student's summary as (str, tuple of ints) pairs, or None when it is not one."""
    if not isinstance(result, list):
        return None
    out = []
    for entry in result:
        if not isinstance(entry, (tuple, list)) or len(entry) != 2 or not isinstance(entry[1], tuple):
            return None
        if type(entry[0]) is not str or any(type(d) is not int for d in entry[1]):
            return None
        out.append((entry[0], entry[1]))
    return out


def _changed(before: dict, after: object) -> bool:
    """Judged here, from the state the child sent before and after the call."""
    if not isinstance(after, dict) or set(after) != set(before):
        return True
    return any(not (isinstance(after[k], torch.Tensor) and after[k].shape == v.shape and after[k].dtype == v.dtype
                    and torch.equal(after[k], v)) for k, v in before.items())


NETS_WITH_STATE = [
    ([["Conv2d", [3, 4, 3, 2]], ["BatchNorm2d", [4]], ["ReLU", []], ["MaxPool2d", [2]], ["Flatten", []], ["Linear", [16, 5]]],
     (2, 3, 9, 9), ()),
    ([["Conv2d", [2, 3, 3, 1, 1]], ["BatchNorm2d", [3]], ["Dropout", []], ["Flatten", []], ["Linear", [48, 6]],
      ["BatchNorm1d", [6]], ["Sigmoid", []]], (3, 2, 4, 4), (1, 2)),
    ([["BatchNorm2d", [1]], ["Conv2d", [1, 2, 3]], ["BatchNorm2d", [2]], ["AvgPool2d", [2]]], (2, 1, 6, 6), (0,)),
]


@hidden_test("layer_summary", examples=12)
@given(case=s.summary_nets().flatmap(lambda c: st.tuples(
    st.just(c[0]), st.just(c[1]), st.lists(st.integers(0, len(c[0]) - 1), max_size=2, unique=True))))
@example(case=NETS_WITH_STATE[0])
@example(case=NETS_WITH_STATE[1])
@example(case=NETS_WITH_STATE[2])
def layer_summary_leaves_net_unchanged(student: Student, case):
    spec, input_shape, eval_layers = case
    rep, what = _summary(student, spec, input_shape, eval_layers)
    expected = _expected_summary(spec, input_shape)
    if _plain_summary(rep["result"]) != expected:
        # Leaving the net alone counts only for a call that also summarises it correctly.
        raise checks.Mismatch(f"{what} returned {show(rep['result'], 300)}; leaving the net unchanged counts only "
                              f"for a call that also returns the right summary, one (name, shape) pair per layer ({len(spec)})")
    if _changed(rep["before"], rep["after"]):
        raise checks.Mismatch(f"{what} changed parameters or buffers of the net (a BatchNorm layer in training mode "
                              "updates its running statistics); it must leave the net exactly as it was")
    if rep["modes_after"] != rep["modes_before"]:
        modes = "all in training mode" if not eval_layers else \
            f"layer{'s' if len(eval_layers) > 1 else ''} {', '.join(map(str, sorted(eval_layers)))} in eval mode, the others in training mode"
        raise checks.Mismatch(f"{what} did not restore the train/eval mode of every layer (before the call: {modes}); "
                              "each layer must end in the mode it had")


# Nets that only run in eval mode: one example, so a batch norm in training mode has a single value
# per channel to take statistics of, and torch refuses. Looking at the net in eval mode is fine.
ONE_EXAMPLE_NETS = [
    ([["Conv2d", [1, 4, 3]], ["BatchNorm2d", [4]], ["ReLU", []], ["Flatten", []], ["Linear", [64, 8]],
      ["BatchNorm1d", [8]], ["Sigmoid", []], ["Linear", [8, 3]]], (1, 1, 6, 6), ()),
    ([["Conv2d", [3, 2, 3]], ["BatchNorm2d", [2]], ["ReLU", []], ["Flatten", []], ["Linear", [2, 2]]], (1, 3, 3, 3), ()),
    ([["Conv2d", [2, 3, 3, 2, 1]], ["Dropout", []], ["MaxPool2d", [2]], ["BatchNorm2d", [3]], ["Flatten", []],
      ["BatchNorm1d", [3]]], (1, 2, 4, 4), (1,)),
]


@hidden_test("layer_summary")
def layer_summary_in_eval_mode(student: Student):
    for spec, input_shape, eval_layers in ONE_EXAMPLE_NETS:
        try:
            rep, what = _summary(student, spec, input_shape, eval_layers)
        except StubError as exc:
            raise checks.Mismatch(f"{exc}\nWith one example, a batch norm in training mode has a single value per channel "
                                  "and cannot normalise it; the task asks to switch the net to eval mode while you look at it "
                                  "(then restore each layer's mode)") from None
        expected = _expected_summary(spec, input_shape)
        if _plain_summary(rep["result"]) != expected:
            raise checks.Mismatch(f"{what} returned {show(rep['result'], 300)}, expected {expected!r} (a batch of one example, "
                                  "which batch norm handles only in eval mode)")


@hidden_test("layer_summary")
def layer_summary_runs_without_grad(student: Student):
    for spec, input_shape, eval_layers in NETS_WITH_STATE[:2]:
        rep, what = _summary(student, spec, input_shape, eval_layers)
        expected = _expected_summary(spec, input_shape)
        if _plain_summary(rep["result"]) != expected:
            raise checks.Mismatch(f"{what} returned {show(rep['result'], 300)}, expected {expected!r} "
                                  f"({checks.only_if_right('running without gradients')})")
        grads = rep["grad_enabled"] if isinstance(rep["grad_enabled"], list) else []
        if len(grads) < len(spec) or any(g is not False for g in grads):
            raise checks.Mismatch(f"{what} ran layers with gradients enabled; the task says to run under torch.no_grad() "
                                  "(a summary needs no graph, and building one costs memory)")


LAZY_NET = ([["LazyConv2d", [4, 3]], ["ReLU", []], ["Flatten", []], ["LazyLinear", [5]]], (2, 1, 6, 6))


@hidden_test("layer_summary")
def layer_summary_names_layers_after_they_run(student: Student):
    spec, input_shape = LAZY_NET
    rep, what = _summary(student, spec, input_shape)
    expected = _expected_summary(spec, input_shape)  # LazyConv2d is a Conv2d once it has run
    if _plain_summary(rep["result"]) != expected:
        raise checks.Mismatch(f"{what} returned {show(rep['result'], 300)}, expected {expected!r}: a lazy layer becomes an "
                              "ordinary one on its first pass, so the task takes the class name after the layer has run")


# --------------------------------------------------------------------- evaluate_accuracy
def _accuracy_case(sizes, preds, labels, perm, seed: int = 0):
    """Inputs x with one-hot-ish rows; the Linear layer permutes them, so argmax is exactly pred."""
    q = len(perm)
    gen = torch.Generator().manual_seed(seed)
    weight = torch.zeros(q, q)
    for row, col in enumerate(perm):
        weight[row, col] = 2.0
    bias = (torch.rand(q, generator=gen) - 0.5) * 0.5
    inverse = {row: col for row, col in enumerate(perm)}
    X = torch.rand(len(preds), q, generator=gen)
    for i, p in enumerate(preds):
        X[i, inverse[p]] += 3.0
    y = torch.tensor(labels, dtype=torch.int64)
    xs, ys = list(X.split(sizes)), list(y.split(sizes))
    return weight, bias, [t.contiguous() for t in xs], [t.contiguous() for t in ys]


def _accuracy(student: Student, sizes, preds, labels, perm, *, device=None, parameter_free=False, seed=0, dropout=0.0,
              iterable: str = "list"):
    weight, bias, xs, ys = _accuracy_case(sizes, preds, labels, perm, seed)
    params = dict(xs=xs, ys=ys, iterable=iterable)
    if parameter_free:  # the net is nn.Identity(): X holds the logits themselves
        params["xs"] = [F.linear(x, weight, bias) for x in xs]
        params.update(weight=None, bias=None)
        net = "a net without parameters"
    else:
        params.update(weight=weight, bias=bias)
        net = f"nn.Linear({len(perm)}, {len(perm)})"
    if dropout:  # in training mode the dropout changes the answers, so the result shows the mode
        params["dropout"] = dropout
        net = f"nn.Sequential({net}, nn.Dropout({dropout}))"
    if device is not None:
        params["device"] = device
    correct = [int(p == t) for p, t in zip(preds, labels)]
    batches = []
    start = 0
    for n in sizes:
        batches.append(f"{sum(correct[start:start + n])}/{n}")
        start += n
    what = (f"evaluate_accuracy({net}, data_iter" + (f", device={device!r}" if device is not None else "")
            + f") with data_iter a {iterable} of (X, y) batches of sizes {list(sizes)}")
    detail = f"the net gets {', '.join(batches)} right in the successive batches"
    rep = student.probe("accuracy", what, target="evaluate_accuracy", **params)
    return rep, what, detail, sum(correct) / len(correct)


def _as_number(value) -> float | None:
    if type(value) in (float, int):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.reshape(()))
    if isinstance(value, checks.Foreign) and value.type_name.startswith("numpy"):
        try:
            return float(value.text)
        except ValueError:
            return None
    return None


# (sizes, predictions, labels, permutation): the mean of per-batch accuracies differs from the overall one
UNEVEN = [
    ([5, 1, 2], [0, 1, 2, 0, 1, 2, 0, 1], [0, 1, 2, 0, 1, 0, 1, 1], [2, 0, 1]),
    ([1, 4], [1, 0, 0, 1, 1], [1, 1, 1, 1, 0], [1, 0]),
    ([3, 3, 2, 7], [3, 2, 1, 0, 0, 1, 2, 3, 3, 3, 3, 0, 1, 2, 1], [3, 2, 0, 0, 1, 1, 2, 0, 3, 3, 1, 0, 2, 2, 1], [3, 1, 0, 2]),
]


@hidden_test("evaluate_accuracy", examples=25)
@given(case=s.accuracy_batches())
@example(case=UNEVEN[0])
@example(case=UNEVEN[1])
@example(case=UNEVEN[2])
def evaluate_accuracy_counts_every_example(student: Student, case):
    rep, what, detail, expected = _accuracy(student, *case)
    got = _as_number(rep["result"])
    if got is None:
        raise checks.Mismatch(f"{what} returned {checks.kind_of(rep['result'])} {show(rep['result'], 200)}; expected the number {expected:.6g}")
    if not math.isfinite(got) or abs(got - expected) > 1e-6:
        hint = " (that is the mean of the per-batch accuracies; count correct predictions and examples over all batches and divide once)" \
            if abs(got - _per_batch_mean(*case[:3])) <= 1e-6 else ""
        raise checks.Mismatch(f"{what} returned {got:.6g}, expected {expected:.6g}: {detail}{hint}")


@hidden_test("evaluate_accuracy", examples=6)
@given(case=s.accuracy_batches())
@example(case=UNEVEN[0])
def evaluate_accuracy_any_iterable(student: Student, case):
    rep, what, detail, expected = _accuracy(student, *case, iterable="generator")
    got = _as_number(rep["result"])
    if got is None or not math.isfinite(got) or abs(got - expected) > 1e-6:
        raise checks.Mismatch(f"{what} returned {show(rep['result'], 200)}, expected {expected:.6g}: {detail}. A generator "
                              "can be walked through only once (no len(), no indexing, no second loop over it)")


def _per_batch_mean(sizes, preds, labels) -> float:
    accs, start = [], 0
    for n in sizes:
        accs.append(sum(int(p == t) for p, t in zip(preds[start:start + n], labels[start:start + n])) / n)
        start += n
    return sum(accs) / len(accs)


@hidden_test("evaluate_accuracy", examples=6)
@given(case=s.accuracy_batches())
@example(case=UNEVEN[0])
@example(case=([2], [0, 1], [0, 1], [0, 1]))
def evaluate_accuracy_returns_float(student: Student, case):
    rep, what, _, expected = _accuracy(student, *case)
    value = rep["result"]
    if type(value) is not float:
        raise checks.Mismatch(f"{what} returned {checks.kind_of(value)} {show(value, 200)}; it must return a Python float "
                              f"({expected!r}), e.g. with .item() or float(...)")
    if not math.isfinite(value) or abs(value - expected) > 1e-6:  # the right type counts only with the right value
        raise checks.Mismatch(f"{what} returned {value!r}, expected {expected!r} ({checks.only_if_right('returning a float')})")


# Accuracies that float32 cannot hold exactly (2/5, 6/7, 5/13...): the count divided once, in double precision.
INEXACT = [
    ([1, 4], [1, 0, 0, 1, 1], [1, 1, 1, 1, 0], [1, 0]),
    ([3, 4], [0, 1, 2, 0, 1, 2, 0], [0, 1, 2, 0, 1, 2, 1], [2, 1, 0]),
    ([6, 2, 5], [0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1], [0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0], [0, 1]),
]


@hidden_test("evaluate_accuracy")
def evaluate_accuracy_exact_ratio(student: Student):
    for case in INEXACT:
        rep, what, detail, expected = _accuracy(student, *case)
        got = _as_number(rep["result"])
        if got is None:
            raise checks.Mismatch(f"{what} returned {checks.kind_of(rep['result'])} {show(rep['result'], 200)}; expected the number {expected!r}")
        if not math.isfinite(got) or abs(got - expected) > 1e-9:
            hint = ""
            if abs(got - expected) <= 1e-6:
                hint = (" (that is the ratio rounded to float32)" if got == float(torch.tensor(expected, dtype=torch.float32))
                        else " (close, but not the exact fraction)")
                hint += "; divide the two counts as Python numbers, or in float64, so the float you return is the exact fraction"
            raise checks.Mismatch(f"{what} returned {got!r}, expected {expected!r}: {detail}{hint}")


@hidden_test("evaluate_accuracy")
def evaluate_accuracy_eval_mode_no_grad(student: Student):
    for sizes, preds, labels, perm in UNEVEN:
        rep, what, detail, expected = _accuracy(student, sizes, preds, labels, perm, dropout=0.9)
        got = _as_number(rep["result"])
        if got is None or not math.isfinite(got) or abs(got - expected) > 1e-6:
            # Judged from the value: in training mode, the dropout layer changes the net's answers.
            raise checks.Mismatch(f"{what} returned {show(rep['result'], 200)}, expected {expected:.6g}: {detail}. "
                                  "In training mode dropout changes a net's answers; call net.eval() before evaluating")
        calls = rep.get("calls", [])
        if not calls:
            raise checks.Mismatch(f"{what} never called the net")
        if any(training for training, _ in calls):
            raise checks.Mismatch(f"{what} ran the net in training mode; call net.eval() before evaluating")
        if any(grad for _, grad in calls):
            raise checks.Mismatch(f"{what} ran the net with gradients enabled; evaluate under torch.no_grad()")


@hidden_test("evaluate_accuracy")
def evaluate_accuracy_devices(student: Student):
    sizes, preds, labels, perm = UNEVEN[0]
    for kwargs in (dict(device="cpu"), dict(parameter_free=True), dict(parameter_free=True, device="cpu")):
        rep, what, detail, expected = _accuracy(student, sizes, preds, labels, perm, **kwargs)
        got = _as_number(rep["result"])
        if got is None or abs(got - expected) > 1e-6:
            raise checks.Mismatch(f"{what} returned {show(rep['result'], 200)}, expected {expected:.6g}: {detail}")


@hidden_test("LeNet", training=True)
def lenet_trains_on_fashion_mnist(student: Student) -> Verdict:
    """The big one: the grader trains the student's LeNet with its own protocol (course.yaml) in a
    dedicated sandbox and scores test accuracy here, against labels the sandbox never saw."""
    from autograder.grading import trained as training_test

    course = student.course
    trained = training_test.train_student(student.submission, A, course)
    p = course.assignment(A).training
    fraction = p.credit(trained.accuracy)
    files = {}
    if student.workdir:
        files["training curve"] = str(training_test.plot_curve(trained, Path(student.workdir) / "lenet_curve.png",
                                                                title="LeNet on Fashion-MNIST"))
    curve = ", ".join(f"{v:.3f}" for v in trained.loss)
    message = (f"test accuracy {trained.accuracy:.4f} (the grader's own evaluation of your trained weights) after "
               f"{p.epochs} epoch(s) on {trained.device} in {trained.seconds:.1f} s "
               f"(threshold {p.threshold:.2f}); training loss per epoch, as your run reported it: {curve}")
    if fraction < 1.0:
        rungs = ", ".join(f"{r.accuracy:.2f} -> {r.fraction:g}" for r in p.partial_credit) or "none"
        message += (f"\nbelow the threshold: {fraction:g} of the points (partial credit: {rungs}). "
                    "A correct LeNet-5 trained this way reaches it; compare your layers with the chapter's.")
    # test_accuracy is the parent's own measurement (leaderboards use it); the loss is what the run reported.
    metrics = {"test_accuracy": trained.accuracy, "epochs": p.epochs, "seconds": trained.seconds}
    if trained.loss:
        metrics["final_train_loss"] = trained.loss[-1]
    return Verdict(fraction, message, files, metrics)


# ------------------------------------------------------------------ promises
# Every clause of each task's text, and the hidden tests that keep it (autograder/grading/promises.py).

P, NO = promises.promise, promises.no_promise
# LeNet
P(A, "LeNet", "types", "Write `LeNet(num_classes=10)` as an `nn.Module`",
  ("lenet_output_shape", "lenet_parameter_count", "lenet_layer_shapes", "lenet_forward_matches_chapter"))
P(A, "LeNet", "types", "You may use the lazy layers (`nn.LazyConv2d`, `nn.LazyLinear`), which infer their input size on the "
  "first forward pass, or the ordinary ones with explicit input sizes.", ("lenet_parameter_count", "lenet_forward_matches_chapter"))
P(A, "LeNet", "defaults", "Write `LeNet(num_classes=10)`", ("lenet_output_shape", "lenet_parameter_count", "lenet_layer_shapes"))
P(A, "LeNet", "values", "store the layers, in this exact order", ("lenet_layer_shapes", "lenet_forward_matches_chapter"))
P(A, "LeNet", "values", "in an `nn.Sequential` called `self.net`", "lenet_layers_in_self_net")
P(A, "LeNet", "values", "`Conv2d(1 -> 6, kernel 5, padding 2)`, `Sigmoid`, `AvgPool2d(kernel 2, stride 2)`, "
  "`Conv2d(6 -> 16, kernel 5)`, `Sigmoid`, `AvgPool2d(kernel 2, stride 2)`, `Flatten`, `Linear(400 -> 120)`, `Sigmoid`, "
  "`Linear(120 -> 84)`, `Sigmoid`, `Linear(84 -> num_classes)`",
  ("lenet_layer_shapes", "lenet_forward_matches_chapter", "lenet_gradients_reach_every_parameter"))
P(A, "LeNet", "values", "returns `self.net(X)`: the logits", "lenet_forward_matches_chapter")
P(A, "LeNet", "values", "returns `self.net(X)`", "lenet_layers_in_self_net")
P(A, "LeNet", "values", "Do not apply a softmax", "lenet_forward_matches_chapter")
P(A, "LeNet", "values", "With 10 classes the model has 61,706 parameters.", "lenet_parameter_count")
P(A, "LeNet", "shapes", "`forward(X)` takes a batch of shape `(batch, 1, 28, 28)` and returns `self.net(X)`: the logits, "
  "of shape `(batch, num_classes)`", "lenet_output_shape")
P(A, "LeNet", "shapes", "| 2x2 average pooling, stride 2 | 16 x 5 x 5 | | flatten | 400 |", "lenet_layer_shapes")
NO(A, "LeNet", "errors", "the text promises no error")
NO(A, "LeNet", "initial values", "LeNet's own text leaves the initial weights to PyTorch (init_cnn is a task of its own)")
NO(A, "LeNet", "dtype", "the text names no dtype (lenet_output_shape still asks for floating-point logits)")
NO(A, "LeNet", "inputs unchanged", "the text makes no promise about X (a forward pass of torch layers leaves it alone)")

# init_cnn
P(A, "init_cnn", "types", "if `module` is an `nn.Linear` or an `nn.Conv2d`",
  ("init_cnn_xavier_uniform_range", "init_cnn_leaves_other_parameters"))
P(A, "init_cnn", "types", "(test with `isinstance`)",
  untestable="how to check, not what: the grader's nets hold torch's own layer classes only (a lazy layer is a plain "
             "Linear/Conv2d once materialised), where an exact type check is just as right "
             "(tests/corpus/correct/init_cnn__type_check.py)")
P(A, "init_cnn", "types", "an initialiser written for `apply` receives modules of every kind and must decide for itself which "
  "ones to touch", ("init_cnn_leaves_other_parameters", "init_cnn_xavier_uniform_range"))
P(A, "init_cnn", "values", "fill its weight with `nn.init.xavier_uniform_`",
  ("init_cnn_xavier_uniform_range", "init_cnn_xavier_uniform_spread"))
P(A, "init_cnn", "initial values", r"*Xavier-uniform* draws every weight from $U(-a, a)$ with "
  r"$a = \sqrt{6 / (n_\text{in} + n_\text{out})}$", ("init_cnn_xavier_uniform_range", "init_cnn_xavier_uniform_spread"))
P(A, "init_cnn", "initial values", "biases keep their values", "init_cnn_leaves_other_parameters")
P(A, "init_cnn", "values", "return nothing; it is used as `net.apply(init_cnn)`", "init_cnn_returns_nothing")
P(A, "init_cnn", "inputs unchanged", "leave everything else alone: biases keep their values, and other modules "
  "(activations, pooling, batch norm, containers) are not changed", "init_cnn_leaves_other_parameters")
P(A, "init_cnn", "inputs unchanged", "other modules (activations, pooling, batch norm, containers) are not changed",
  "init_cnn_leaves_other_parameters")
NO(A, "init_cnn", "errors", "the text promises no error")
NO(A, "init_cnn", "defaults", "init_cnn has no optional parameters")
NO(A, "init_cnn", "dtype", "the text names no dtype (the weights are filled where they are)")
NO(A, "init_cnn", "shapes", "no shape is promised beyond filling the weight itself (_check_redrawn still asks each weight to keep its shape)")

# layer_summary
P(A, "layer_summary", "types", "`net` is an `nn.Sequential` (for example `LeNet().net`) and `input_shape` a tuple such as "
  "`(1, 1, 28, 28)`", ("layer_summary_matches_layers", "layer_summary_leaves_net_unchanged"))
P(A, "layer_summary", "types", "record the pair `(layer class name, output shape as a tuple)`", "layer_summary_matches_layers")
P(A, "layer_summary", "values", "create `X = torch.randn(*input_shape)`, pass it through the layers of `net` one at a time, "
  "and after each layer record the pair", "layer_summary_matches_layers")
P(A, "layer_summary", "values", "return the list of pairs, one per layer, in order", "layer_summary_matches_layers")
P(A, "layer_summary", "values", "Take the class name *after* the layer has run", "layer_summary_names_layers_after_they_run")
P(A, "layer_summary", "shapes", "for example `(\"Conv2d\", (1, 6, 28, 28))`", "layer_summary_matches_layers")
P(A, "layer_summary", "inputs unchanged", "leave `net` exactly as you found it: no training and no changed parameters or "
  "buffers, and every layer back in the train/eval mode it had.", "layer_summary_leaves_net_unchanged")
P(A, "layer_summary", "values", "switch the net to eval mode while you look at it, then restore each layer's mode",
  ("layer_summary_in_eval_mode", "layer_summary_leaves_net_unchanged"))
P(A, "layer_summary", "values", "Run under `torch.no_grad()`.", "layer_summary_runs_without_grad")
NO(A, "layer_summary", "errors", "the text promises no error")
NO(A, "layer_summary", "defaults", "layer_summary has no optional parameters")
NO(A, "layer_summary", "initial values", "nothing is initialised (the net's parameters must not change at all)")
NO(A, "layer_summary", "dtype", "the text names no dtype")

# evaluate_accuracy
P(A, "evaluate_accuracy", "types", "`data_iter` is any iterable of `(X, y)` batches (a `DataLoader`, or a plain list)",
  ("evaluate_accuracy_counts_every_example", "evaluate_accuracy_exact_ratio"))
P(A, "evaluate_accuracy", "types", "`data_iter` is any iterable of `(X, y)` batches", "evaluate_accuracy_any_iterable")
P(A, "evaluate_accuracy", "values", "the prediction for an example is the index of its largest logit",
  "evaluate_accuracy_counts_every_example")
P(A, "evaluate_accuracy", "values", "return the number of correct predictions divided by the number of examples over all batches",
  ("evaluate_accuracy_counts_every_example", "evaluate_accuracy_exact_ratio"))
P(A, "evaluate_accuracy", "types", "as a Python `float`", "evaluate_accuracy_returns_float")
P(A, "evaluate_accuracy", "defaults", "if `device` is `None`, use the device of the net's parameters; a net without "
  "parameters runs on the CPU", ("evaluate_accuracy_devices", "evaluate_accuracy_counts_every_example"))
P(A, "evaluate_accuracy", "values", "Move every `X` and `y` to that device",
  untestable="every tensor the grader can hand over is already on the CPU, the only device a grading machine is sure "
             "to have: a move (or its absence) cannot be observed there")
P(A, "evaluate_accuracy", "values", "put the net in eval mode and compute under `torch.no_grad()`",
  "evaluate_accuracy_eval_mode_no_grad")
NO(A, "evaluate_accuracy", "errors", "no error is promised: \"at least one example in total\" is the caller's promise")
NO(A, "evaluate_accuracy", "initial values", "nothing is initialised")
NO(A, "evaluate_accuracy", "dtype", "the result is a Python float (a type, kept by evaluate_accuracy_returns_float)")
NO(A, "evaluate_accuracy", "shapes", "the result is a number")
NO(A, "evaluate_accuracy", "inputs unchanged", "the text puts the net in eval mode on purpose, and says nothing about the batches")

# Mutants `course audit` generates that behave like the reference on a grader with one device
# (autograder/authoring/audit/explained.py): every tensor already lives on the CPU, where moving it, or
# not, or to `None`, changes nothing. A GPU grader could tell them apart.
from autograder.authoring.audit import explained  # noqa: E402

_ONE_DEVICE = ("with one device (the CPU) every tensor is already where it must be: moving X and y, or working out "
               "the device, changes nothing; only a second device could tell this apart")
for _description in ("device is None -> device is not None", "if device is None: ... -> (removed)",
                     'device = first.device if first is not None else torch.device("cpu") -> (removed)',
                     "X, y = X.to(device), y.to(device) -> (removed)"):
    explained.equivalent(A, "evaluate_accuracy", _description, _ONE_DEVICE)
