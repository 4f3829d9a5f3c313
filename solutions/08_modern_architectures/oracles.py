"""torchvision, adapted to this notebook's specification: the references of the modern-architectures tests.

Parent only. Each adapter is torchvision's own module, changed only where the notebook's task text
differs from torchvision (the notebook's table "Where the sources disagree"):

* Bottleneck: `torchvision.models.resnet.Bottleneck(inplanes, planes, stride, downsample)` with a
  projection `downsample = Sequential(conv1x1 with the stride, BatchNorm2d)` where the shape changes.
  A student's block is compared with it by loading the student's own weights into it, layer by
  layer, each layer found by its role (matched on its weight's shape; where two roles have the same
  shape, every assignment is a candidate).
* Inception: `torchvision.models.googlenet.Inception` with `conv_block` = a convolution with bias
  followed by a ReLU (no BasicConv2d, no batch norm), and branch 3's 3x3 convolution replaced by a
  5x5 one with padding 2 (torchvision keeps a known bug there; the notebook follows the paper).
* ModernCNN: `torchvision.models.resnet50(num_classes=k)`, its conv1 replaced for other input
  channels. The student's network is too large to send back, so both networks get the same
  weights, chosen by each parameter's kind and shape (`fill_table`), and their outputs are compared.
  The student's network is built, in the sandbox, with a stand-in Bottleneck described here as data
  (`bottleneck_table`): plain torch.nn layers, no code of the solution.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

import torch
from torch import nn

# torchvision is imported where it is used: loading the course (every grading run does) then costs
# nothing for the other assignments (importing torchvision.models takes 1.5-2.5 s on the 2-core CPU).

EXPANSION = 4
MOMENTUM = 0.1  # nn.BatchNorm2d's default


# ----------------------------------------------------------------------------------- helpers
def _weight(leaf: dict) -> torch.Tensor | None:
    w = leaf.get("params", {}).get("weight")
    return w if isinstance(w, torch.Tensor) else None


def conv_key(leaf: dict) -> tuple | None:
    """A Conv2d leaf's (kernel, in, out), read from its weight's shape (what it computes with)."""
    w = _weight(leaf)
    if w is None or w.dim() != 4 or w.shape[2] != w.shape[3]:
        return None
    return int(w.shape[2]), int(w.shape[1]), int(w.shape[0])


def norm_key(leaf: dict) -> int | None:
    w = _weight(leaf)
    return int(w.shape[0]) if w is not None and w.dim() == 1 else None


def leaves_of(rep: dict, kind: str) -> list[dict]:
    return [leaf for leaf in rep.get("leaves", []) if leaf.get("type") == kind]


def assignments(leaves: list[dict], roles: dict[str, object], key, limit: int = 64) -> list[dict[str, dict]]:
    """Every way to give each role one of the leaves whose key is that role's (a bijection).
    Empty when the leaves' keys are not exactly the roles' keys."""
    wanted = sorted((repr(k) for k in roles.values()))
    got = sorted(repr(key(leaf)) for leaf in leaves)
    if wanted != got:
        return []
    groups: dict[str, list[str]] = {}
    for role, k in roles.items():
        groups.setdefault(repr(k), []).append(role)
    per_group = []
    for k, names in groups.items():
        mine = [leaf for leaf in leaves if repr(key(leaf)) == k]
        per_group.append([dict(zip(names, order)) for order in itertools.permutations(mine)])
    out = []
    for combo in itertools.product(*per_group):
        merged: dict[str, dict] = {}
        for part in combo:
            merged.update(part)
        out.append(merged)
        if len(out) >= limit:
            break
    return out


def _param_name(leaf: dict, pname: str) -> str:
    return f"{leaf['name']}.{pname}" if leaf.get("name") else pname


def _copy_conv(module: nn.Conv2d, leaf: dict) -> nn.Conv2d:
    """The reference's conv with the student's weight (and bias, if the student's conv has one)."""
    p = leaf["params"]
    has_bias = isinstance(p.get("bias"), torch.Tensor)
    conv = nn.Conv2d(module.in_channels, module.out_channels, module.kernel_size, stride=module.stride,
                     padding=module.padding, bias=has_bias).double()
    with torch.no_grad():
        conv.weight.copy_(p["weight"].double())
        if has_bias:
            conv.bias.copy_(p["bias"].double())
    return conv


def _copy_norm(module: nn.BatchNorm2d, leaf: dict) -> None:
    p = leaf["params"]
    with torch.no_grad():
        if isinstance(p.get("weight"), torch.Tensor):
            module.weight.copy_(p["weight"].double())
        if isinstance(p.get("bias"), torch.Tensor):
            module.bias.copy_(p["bias"].double())


def _set(root: nn.Module, path: str, module: nn.Module) -> None:
    parent, _, last = path.rpartition(".")
    setattr(root.get_submodule(parent) if parent else root, last, module)


def run_reference(model: nn.Module, roles: dict[str, dict], x: torch.Tensor, train: bool, backward: bool,
                  prime: bool = False) -> dict:
    """Run a reference (float64) that holds the student's weights: its output, and the gradients of
    sum(output) with respect to each of the student's parameters (by the student's names) and to X.
    `prime`: first one training-mode pass without gradients (batch norm's running statistics move,
    as the probe's pass that materialises lazy layers moves the student's)."""
    if prime:
        model.train()
        with torch.no_grad():
            model(x.double())
    model.train(train)
    xin = x.detach().double().clone().requires_grad_(backward)
    y = model(xin)
    out = {"output": y.detach(), "grads": {}, "input_grad": None}
    if backward:
        y.sum().backward()
        for role, leaf in roles.items():
            for pname, q in model.get_submodule(role).named_parameters(recurse=False):
                if pname in leaf.get("params", {}):
                    out["grads"][_param_name(leaf, pname)] = q.grad
        out["input_grad"] = xin.grad
    return out


# -------------------------------------------------------------------------------- Bottleneck
def needs_projection(in_channels: int, mid_channels: int, stride: int) -> bool:
    return stride != 1 or in_channels != EXPANSION * mid_channels


def bottleneck_conv_roles(in_channels: int, mid_channels: int, stride: int) -> dict[str, tuple]:
    """torchvision's name of each convolution -> (kernel, in, out)."""
    out = EXPANSION * mid_channels
    roles = {"conv1": (1, in_channels, mid_channels), "conv2": (3, mid_channels, mid_channels),
             "conv3": (1, mid_channels, out)}
    if needs_projection(in_channels, mid_channels, stride):
        roles["downsample.0"] = (1, in_channels, out)
    return roles


def bottleneck_norm_roles(in_channels: int, mid_channels: int, stride: int) -> dict[str, int]:
    out = EXPANSION * mid_channels
    roles = {"bn1": mid_channels, "bn2": mid_channels, "bn3": out}
    if needs_projection(in_channels, mid_channels, stride):
        roles["downsample.1"] = out
    return roles


def bottleneck_layer_settings(in_channels: int, mid_channels: int, stride: int) -> dict[str, dict]:
    """What each convolution's settings are in the task (kernel, stride, padding)."""
    s = {"conv1": {"kernel_size": [1, 1], "stride": [1, 1], "padding": [0, 0]},
         "conv2": {"kernel_size": [3, 3], "stride": [stride, stride], "padding": [1, 1]},
         "conv3": {"kernel_size": [1, 1], "stride": [1, 1], "padding": [0, 0]}}
    if needs_projection(in_channels, mid_channels, stride):
        s["downsample.0"] = {"kernel_size": [1, 1], "stride": [stride, stride], "padding": [0, 0]}
    return s


def torchvision_bottleneck(in_channels: int, mid_channels: int, stride: int = 1) -> nn.Module:
    """torchvision's Bottleneck with the projection shortcut the task describes, in float64."""
    out = EXPANSION * mid_channels
    downsample = None
    if needs_projection(in_channels, mid_channels, stride):
        downsample = nn.Sequential(nn.Conv2d(in_channels, out, 1, stride=stride, bias=False), nn.BatchNorm2d(out))
    from torchvision.models.resnet import Bottleneck as TorchvisionBottleneck

    return TorchvisionBottleneck(in_channels, mid_channels, stride, downsample).double()


def bottleneck_parameter_count(in_channels: int, mid_channels: int, stride: int = 1) -> int:
    return sum(q.numel() for q in torchvision_bottleneck(in_channels, mid_channels, stride).parameters())


def bottleneck_role_candidates(rep: dict, in_channels: int, mid_channels: int, stride: int) -> list[dict[str, dict]]:
    """Each way to read the student's conv and batch-norm layers as torchvision's (may be empty)."""
    convs = assignments(leaves_of(rep, "Conv2d"), bottleneck_conv_roles(in_channels, mid_channels, stride), conv_key)
    norms = assignments(leaves_of(rep, "BatchNorm2d"), bottleneck_norm_roles(in_channels, mid_channels, stride), norm_key)
    return [{**c, **n} for c in convs for n in norms]


def bottleneck_with(roles: dict[str, dict], in_channels: int, mid_channels: int, stride: int) -> nn.Module:
    """torchvision's Bottleneck holding the student's weights, role by role."""
    model = torchvision_bottleneck(in_channels, mid_channels, stride)
    for role, leaf in roles.items():
        current = model.get_submodule(role)
        if isinstance(current, nn.Conv2d):
            _set(model, role, _copy_conv(current, leaf))
        else:
            _copy_norm(current, leaf)
    return model


def describe_layers(rep: dict, kinds=("Conv2d", "BatchNorm2d")) -> str:
    parts = []
    for leaf in rep.get("leaves", []):
        if leaf.get("type") not in kinds:
            continue
        if leaf["type"] == "Conv2d" and conv_key(leaf):
            k, i, o = conv_key(leaf)
            parts.append(f"{leaf['name'] or 'Conv2d'}: {k}x{k} conv {i} -> {o}")
        elif leaf["type"] == "BatchNorm2d":
            parts.append(f"{leaf['name'] or 'BatchNorm2d'}: BatchNorm2d({norm_key(leaf)})")
    return "; ".join(parts) or "none"


# --------------------------------------------------------------------------------- Inception
class ConvReLU(nn.Module):
    """The notebook's (and the notes') convolution for Inception: a conv with bias, then a ReLU."""

    def __init__(self, in_channels: int, out_channels: int, **kwargs) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=True, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.conv(x))


def adapted_inception(in_channels: int, c1: int, c2, c3, c4: int) -> nn.Module:
    """torchvision's GoogLeNet Inception with the notebook's conv (bias, ReLU, no BN) and a real 5x5 branch."""
    from torchvision.models.googlenet import Inception as TorchvisionInception

    block = TorchvisionInception(in_channels, c1, c2[0], c2[1], c3[0], c3[1], c4, conv_block=ConvReLU)
    block.branch3[1] = ConvReLU(c3[0], c3[1], kernel_size=5, padding=2)
    return block.double()


def inception_conv_roles(in_channels: int, c1: int, c2, c3, c4: int) -> dict[str, tuple]:
    return {"branch1.conv": (1, in_channels, c1), "branch2.0.conv": (1, in_channels, c2[0]),
            "branch2.1.conv": (3, c2[0], c2[1]), "branch3.0.conv": (1, in_channels, c3[0]),
            "branch3.1.conv": (5, c3[0], c3[1]), "branch4.1.conv": (1, in_channels, c4)}


INCEPTION_PADDING = {1: [0, 0], 3: [1, 1], 5: [2, 2]}


def inception_role_candidates(rep: dict, in_channels: int, c1: int, c2, c3, c4: int) -> list[dict[str, dict]]:
    return assignments(leaves_of(rep, "Conv2d"), inception_conv_roles(in_channels, c1, c2, c3, c4), conv_key)


def inception_with(roles: dict[str, dict], in_channels: int, c1: int, c2, c3, c4: int) -> nn.Module:
    """The adapted Inception holding the student's weights (a conv without bias gets none here either)."""
    model = adapted_inception(in_channels, c1, c2, c3, c4)
    for role, leaf in roles.items():
        _set(model, role, _copy_conv(model.get_submodule(role), leaf))
    return model


# ---------------------------------------------------------------------------------- ResNet-50
STAGES = ("stage1", "stage2", "stage3", "stage4")
PARTS = ("stem",) + STAGES
STAGE_PLAN = ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2))  # mid_channels, blocks, stride of the first
TORCHVISION_PART = {"stem": "maxpool", "stage1": "layer1", "stage2": "layer2", "stage3": "layer3", "stage4": "layer4"}


def expected_blocks() -> dict[str, list[tuple[int, int, int]]]:
    """(in_channels, mid_channels, stride) of every block of each stage."""
    out, channels = {}, 64
    for name, (mid, n, stride) in zip(STAGES, STAGE_PLAN):
        blocks = []
        for i in range(n):
            blocks.append((channels, mid, stride if i == 0 else 1))
            channels = EXPANSION * mid
        out[name] = blocks
    return out


def bottleneck_spec(in_channels: int, mid_channels: int, stride: int) -> dict:
    """The task's block as data: torch.nn layers by name, built in the sandbox by the probe."""
    out = EXPANSION * mid_channels
    main = [["Conv2d", [in_channels, mid_channels, 1], {"bias": False}], ["BatchNorm2d", [mid_channels], {}], ["ReLU", [], {}],
            ["Conv2d", [mid_channels, mid_channels, 3], {"stride": stride, "padding": 1, "bias": False}],
            ["BatchNorm2d", [mid_channels], {}], ["ReLU", [], {}],
            ["Conv2d", [mid_channels, out, 1], {"bias": False}], ["BatchNorm2d", [out], {}]]
    shortcut = []
    if needs_projection(in_channels, mid_channels, stride):
        shortcut = [["Conv2d", [in_channels, out, 1], {"stride": stride, "bias": False}], ["BatchNorm2d", [out], {}]]
    return {"main": main, "shortcut": shortcut}


@lru_cache(maxsize=1)
def bottleneck_stand_in() -> dict:
    """The grader's Bottleneck for ModernCNN's tests, as data the probe turns into a class: every block a
    ResNet-50 can ask for (and its neighbours, so that a wrong width still builds and is named).
    Kept shallow for the wire: a pool of layers ([kind, args, kwargs]) and, per (in_channels,
    mid_channels, stride), the positions in the pool of its main path's and its shortcut's layers."""
    widths = (16, 32, 64, 128, 256, 512, 1024, 2048)
    pool: list = []
    index: dict[str, int] = {}

    def ids(layers: list) -> list[int]:
        out = []
        for layer in layers:
            key = repr(layer)
            if key not in index:
                index[key] = len(pool)
                pool.append(layer)
            out.append(index[key])
        return out

    table = []
    for in_c in widths:
        for mid in widths[:6]:
            for stride in (1, 2):
                spec = bottleneck_spec(in_c, mid, stride)
                table.append([in_c, mid, stride, ids(spec["main"]), ids(spec["shortcut"])])
    return {"name": "Bottleneck", "params": ["in_channels", "mid_channels", "stride"], "defaults": {"stride": 1},
            "attributes": {"expansion": EXPANSION}, "layers": pool, "table": table}


def _resnet50(num_classes: int, input_channels: int) -> nn.Module:
    from torchvision.models.resnet import resnet50

    model = resnet50(num_classes=num_classes)
    if input_channels != 3:
        model.conv1 = nn.Conv2d(input_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return model


def param_key(name: str, shape) -> str:
    return f"{name.rsplit('.', 1)[-1]}:{'x'.join(str(int(d)) for d in shape)}"


def fill_table(model: nn.Module) -> dict[str, list]:
    """Per parameter kind and shape: [seed, scale, shift] of its values, randn(shape) * scale + shift.
    Weights of convolutions and dense layers are scaled by 1/sqrt(fan-in); batch-norm scales sit near 1."""
    table = {}
    for name, q in model.named_parameters():
        key = param_key(name, q.shape)
        if key in table:
            continue
        if q.dim() > 1:
            scale, shift = 1.0 / math.sqrt(q[0].numel()), 0.0
        else:
            scale, shift = 0.1, 1.0 if name.endswith("weight") else 0.0
        table[key] = [0, scale, shift]
    for i, key in enumerate(sorted(table)):
        table[key][0] = 1009 + 7 * i
    return table


def fill(model: nn.Module, table: dict[str, list]) -> list[str]:
    """The same values the probe gives the student's network (probes.py does exactly this)."""
    unknown, made = [], {}
    with torch.no_grad():
        for name, q in model.named_parameters():
            key = param_key(name, q.shape)
            entry = table.get(key)
            if entry is None:
                q.zero_()
                unknown.append(name)
                continue
            if key not in made:
                seed, scale, shift = entry
                g = torch.Generator().manual_seed(int(seed))
                made[key] = torch.randn(tuple(q.shape), generator=g, dtype=torch.float32) * float(scale) + float(shift)
            q.copy_(made[key])
    return unknown


@lru_cache(maxsize=4)
def reference_resnet(num_classes: int, input_channels: int) -> tuple[nn.Module, dict]:
    model = _resnet50(num_classes, input_channels)
    table = fill_table(model)
    fill(model, table)
    return model, table


@lru_cache(maxsize=8)
def resnet_parameter_counts(num_classes: int, input_channels: int) -> dict[str, int]:
    """Parameters of torchvision's resnet50 (conv1 adapted): in all, and per part of the task's network."""
    model = _resnet50(num_classes, input_channels)
    count = lambda m: sum(q.numel() for q in m.parameters())  # noqa: E731
    return {"total": count(model), "stem": count(model.conv1) + count(model.bn1),
            **{s: count(getattr(model, TORCHVISION_PART[s])) for s in STAGES}, "head": count(model.fc)}


@lru_cache(maxsize=16)
def _resnet_forward(num_classes: int, input_channels: int, shape: tuple, seed: int, train: bool) -> tuple:
    model, _ = reference_resnet(num_classes, input_channels)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
    seen = {}
    hooks = [model.get_submodule(TORCHVISION_PART[p]).register_forward_hook(
        lambda mod, inp, out, p=p: seen.__setitem__(p, tuple(out.shape))) for p in PARTS]
    model.train(train)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the sandbox: the same kernels, so both sides round alike
    try:
        with torch.no_grad():
            y = model(resnet_input(shape, seed))
    finally:
        torch.set_num_threads(threads)
        for h in hooks:
            h.remove()
    return y, seen


def resnet_input(shape: tuple, seed: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def resnet_output(num_classes: int, input_channels: int, shape: tuple, seed: int, train: bool) -> torch.Tensor:
    """torchvision's resnet50 (filled by fill_table) on resnet_input(shape, seed), fresh batch-norm statistics."""
    return _resnet_forward(num_classes, input_channels, tuple(shape), seed, train)[0]


def resnet_part_shapes(num_classes: int, input_channels: int, shape: tuple, seed: int = 0) -> dict[str, tuple]:
    return dict(_resnet_forward(num_classes, input_channels, tuple(shape), seed, True)[1])
