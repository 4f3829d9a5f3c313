"""Child-side probe for ModernCNN (runs in the sandbox, beside the student's code).

A ResNet-50 holds 25 million parameters: far too many to send back. So this probe builds the
student's network, gives every parameter values the grader chose (by the parameter's kind and
shape, from a table the grader sends), runs one batch, and reports plain data: the output, the
shapes after each part, parameter counts, and which blocks were built and run in what order.

While the network is built and run, the name `Bottleneck` in the notebook stands for a block the
grader describes as data (torch.nn layers by name, for each (in_channels, mid_channels, stride) it
may be asked for): a bug in the student's own Bottleneck, graded by its own tests, then costs
nothing here. The student's name is put back afterwards, whatever happens.

Reports, never judges; imports torch only.
"""

from __future__ import annotations

import torch
from torch import nn

_MISSING = object()


def _layer(spec) -> nn.Module:
    kind, args, kwargs = spec
    cls = getattr(nn, str(kind), None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise LookupError(f"{kind} is not a torch.nn layer")
    return cls(*args, **kwargs)


def _stand_in(spec: dict, created: list, ran: list) -> type:
    """A class that builds the grader's block for the arguments it is called with."""
    name = str(spec["name"])
    params = [str(n) for n in spec["params"]]
    defaults = dict(spec.get("defaults", {}))
    pool = list(spec["layers"])
    table = {tuple(int(v) for v in row[:3]): (list(row[3]), list(row[4])) for row in spec["table"]}

    def bind(args: tuple, kwargs: dict) -> tuple:
        if len(args) > len(params):
            raise TypeError(f"{name}() takes {len(params)} arguments ({', '.join(params)}) but {len(args)} were given")
        values = dict(zip(params, args))
        for key, v in kwargs.items():
            if key not in params:
                raise TypeError(f"{name}() got an unexpected keyword argument {key!r} "
                                f"(its parameters are {', '.join(params)})")
            if key in values:
                raise TypeError(f"{name}() got multiple values for argument {key!r}")
            values[key] = v
        for key in params:
            if key not in values:
                if key not in defaults:
                    raise TypeError(f"{name}() missing required argument {key!r}")
                values[key] = defaults[key]
        out = []
        for key in params:
            v = values[key]
            if isinstance(v, torch.Tensor) and v.numel() == 1:
                v = v.item()
            if isinstance(v, bool) or int(v) != v:
                raise TypeError(f"{name}(): {key} must be an int, got {v!r}")
            out.append(int(v))
        return tuple(out)

    class StandIn(nn.Module):
        def __init__(self, *args, **kwargs):
            super().__init__()
            key = bind(args, kwargs)
            created.append(list(key))
            entry = table.get(key)
            if entry is None:
                shown = ", ".join(f"{p}={v}" for p, v in zip(params, key))
                raise LookupError(f"ModernCNN asked for {name}({shown}): the grader's {name}, which stands in for "
                                  f"yours while ModernCNN is graded, builds no such block (no ResNet-50 uses one)")
            main, shortcut = entry
            self.main = nn.Sequential(*[_layer(pool[i]) for i in main])
            self.shortcut = nn.Sequential(*[_layer(pool[i]) for i in shortcut]) if shortcut else nn.Identity()
            self.block_args = list(key)

        def forward(self, X):
            ran.append(["block"] + self.block_args)
            return torch.relu(self.main(X) + self.shortcut(X))

    for key, value in dict(spec.get("attributes", {})).items():
        setattr(StandIn, str(key), value)
    StandIn.__name__ = StandIn.__qualname__ = name
    StandIn.__module__ = "__main__"
    return StandIn


def _count(module: nn.Module) -> int | None:
    """Parameters of a module; None while a lazy layer has not seen its first input."""
    total = 0
    for q in module.parameters():
        if isinstance(q, nn.parameter.UninitializedParameter):
            return None
        total += q.numel()
    return total


def _fill(net: nn.Module, table: dict) -> list:
    """Every parameter from the grader's table: randn(shape) * scale + shift, seeded per kind and shape;
    a parameter the table does not know is set to zero (and named in the report)."""
    unknown, made = [], {}
    with torch.no_grad():
        for name, q in net.named_parameters():
            key = f"{name.rsplit('.', 1)[-1]}:{'x'.join(str(int(d)) for d in q.shape)}"
            entry = table.get(key)
            if entry is None:
                q.zero_()
                unknown.append(name)
                continue
            if key not in made:
                seed, scale, shift = entry
                g = torch.Generator().manual_seed(int(seed))
                made[key] = torch.randn(tuple(q.shape), generator=g, dtype=torch.float32) * float(scale) + float(shift)
            q.copy_(made[key].to(q.dtype))
    return unknown


def _part_report(net: nn.Module, name: str) -> dict:
    m = getattr(net, name, None)
    info = {"type": type(m).__name__, "is_module": isinstance(m, nn.Module),
            "is_sequential": isinstance(m, nn.Sequential)}
    if isinstance(m, nn.Module):
        info["children"] = [type(c).__name__ for c in m.children()]
        info["params"] = _count(m)
    return info


def _shape(t) -> list | None:
    return list(t.shape) if isinstance(t, torch.Tensor) else None


def _watch(part: nn.Module, name: str, ran: list, shapes: dict) -> list:
    """Hooks that record when a part starts and ends (and its output's shape), and what each of its
    children received and returned. Each returns None, so nothing the network computes changes."""

    def enter(module, inputs):
        ran.append(["enter", name])

    def leave(module, inputs, output):
        shapes[name] = _shape(output)
        ran.append(["leave", name])

    def child_ran(i):
        def hook(module, inputs, output):
            ran.append(["child", name, i, _shape(inputs[0]) if inputs else None, _shape(output)])
        return hook

    hooks = [part.register_forward_pre_hook(enter), part.register_forward_hook(leave)]
    hooks += [child.register_forward_hook(child_ran(i)) for i, child in enumerate(part.children())]
    return hooks


def probe_resnet(ns: dict, p: dict) -> dict:
    """Build `target` with the stand-in (if one is sent), fill its parameters from `fill`, run `input`
    (in training mode if `train`), and report outputs, part shapes, counts and the blocks built and run."""
    target = str(p["target"])
    if target not in ns:
        raise LookupError(f"{target} is not defined in the notebook")
    created, ran, shapes = [], [], {}
    spec = p.get("stand_in")
    swapped = str(spec["name"]) if spec else None
    saved = ns.get(swapped, _MISSING) if swapped else _MISSING
    hooks = []
    try:
        if swapped:
            ns[swapped] = _stand_in(spec, created, ran)
        net = ns[target](*p.get("init_args", []), **p.get("init_kwargs", {}))
        if not isinstance(net, nn.Module):
            return {"is_module": False, "type": type(net).__name__}
        parts = [str(n) for n in p.get("parts", [])]
        x = p.get("input")
        if isinstance(x, torch.Tensor) and any(isinstance(m, nn.modules.lazy.LazyModuleMixin) for m in net.modules()):
            net.eval()  # materialise lazy layers without moving batch norm's running statistics
            with torch.no_grad():
                net(x.clone())
        report = {"is_module": True, "created": created, "param_count": _count(net),
                  "parts": {name: _part_report(net, name) for name in parts}}
        if p.get("fill") is not None:
            report["unknown"] = _fill(net, dict(p["fill"]))
        if not isinstance(x, torch.Tensor):
            return report
        for name in parts:
            m = getattr(net, name, None)
            if isinstance(m, nn.Module):
                hooks += _watch(m, name, ran, shapes)
        net.train(bool(p.get("train", True)))
        x_in = x.clone()
        y = net(x_in)
        report.update({"output": y.detach() if isinstance(y, torch.Tensor) else y, "shapes": shapes, "ran": ran,
                       "input_after": x_in.detach()})
        return report
    finally:
        for h in hooks:
            h.remove()
        if swapped:
            if saved is _MISSING:
                ns.pop(swapped, None)
            else:
                ns[swapped] = saved
