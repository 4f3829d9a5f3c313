"""The untrusted side: runs a student's notebook cells and calls their stubs, nothing more.

This file is copied, with wire.py beside it, into the sandbox and run as a script. It
must not import the rest of the grader (hidden tests and solutions never enter the
sandbox). It answers plain-data requests on a private pipe and never judges a result:
every comparison happens in the trusted parent.

Requests (one wire frame each) and replies:
  {"op": "load", "ns", "cells": [[index, source], ...]}  -> a "cell" event per cell, then "loaded"
  {"op": "call", "ns", "target", "args", "kwargs", "help", "seed"} -> result, inputs after, traced ops
  {"op": "probe", "ns", "probe", "params", "help", "seed"}        -> a probe's plain-data report
While a request runs, the child may send {"event": "help", ...} and wait for the parent's answer
(see "help" below); `help` lists the names the parent will answer for in that request.
"""

from __future__ import annotations

import os
import sys
import traceback

# The protocol owns the original stdin/stdout; everything the student prints goes to stderr.
_PROTO_IN = os.fdopen(os.dup(0), "rb", buffering=0)
_PROTO_OUT = os.fdopen(os.dup(1), "wb")
os.dup2(2, 1)
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)

os.environ.setdefault("MPLBACKEND", "Agg")

import random  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils._python_dispatch import TorchDispatchMode  # noqa: E402

import wire  # noqa: E402  (sits next to this file in the sandbox)

torch.set_num_threads(1)
NAMESPACES: dict[str, dict] = {}


# --------------------------------------------------------------------------- tracing
class OpTrace(TorchDispatchMode):
    """Records every aten op a stub runs on this thread: evidence of delegation, never a verdict.

    The student owns this process and can switch the trace off; the parent's static reading of
    the notebook is what the policy rests on, and this only adds what the source hides.
    """

    def __init__(self) -> None:
        super().__init__()
        self.ops: set[str] = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops.add(str(func.overloadpacket))
        return func(*args, **(kwargs or {}))


# ----------------------------------------------------------------------------- help
# When a stub builds on an earlier one, the earlier one is replaced, for one request, by a
# proxy that asks the parent. The parent computes the answer (and its gradient) with its own
# code, and only while a request that declared that name is in flight; this file holds no
# answer to copy, and a proxy kept for later gets a refusal.
class HelpRefused(RuntimeError):
    pass


def _ask(payload: dict):
    _send({"event": "help", **payload})
    reply = wire.read_frame(_PROTO_IN, layout=True)
    if not isinstance(reply, dict) or not reply.get("ok"):
        raise HelpRefused(str(reply.get("error", "the grader refused to help")) if isinstance(reply, dict) else "bad help")
    return reply.get("result")


def _split(args: tuple) -> tuple[list, list]:
    """The call's arguments with tensors taken out (autograd must see them as inputs)."""
    spec, tensors = [], []
    for a in args:
        if isinstance(a, torch.Tensor):
            spec.append(["tensor", len(tensors)])
            tensors.append(a)
        else:
            spec.append(["value", a])
    return spec, tensors


def _fill(spec: list, tensors) -> list:
    return [tensors[v] if kind == "tensor" else v for kind, v in spec]


class _HelpCall(torch.autograd.Function):
    @staticmethod
    def forward(ctx, name, spec, *tensors):
        ctx.name, ctx.spec = name, spec
        ctx.save_for_backward(*tensors)
        return _ask({"name": name, "op": "call", "args": _fill(spec, [t.detach() for t in tensors])})

    @staticmethod
    def backward(ctx, grad):
        tensors = [t.detach() for t in ctx.saved_tensors]
        grads = _ask({"name": ctx.name, "op": "vjp", "args": _fill(ctx.spec, tensors), "grad": grad.detach()})
        grads = list(grads) if isinstance(grads, list) else []
        out = [None] * len(tensors)
        for position, (kind, v) in enumerate(ctx.spec):  # the parent answers per argument
            g = grads[position] if kind == "tensor" and position < len(grads) else None
            if isinstance(g, torch.Tensor) and g.shape == tensors[v].shape:
                out[v] = g.to(tensors[v].dtype)
        return (None, None, *out)


def _help_call(name: str, args: tuple):
    spec, tensors = _split(args)
    return _HelpCall.apply(name, spec, *tensors)


def _help_function(name: str, params: list):
    def proxy(*args, **kwargs):
        args = list(args)
        for p in params[len(args):]:  # keywords to positions, as the parent's signature names them
            if p not in kwargs:
                break
            args.append(kwargs.pop(p))
        if kwargs:
            raise TypeError(f"{name}() got unexpected keyword arguments: {', '.join(sorted(kwargs))}")
        return _help_call(name, tuple(args))

    proxy.__name__ = proxy.__qualname__ = name
    return proxy


class _HelpModule(nn.Module):
    """An earlier module stub: parameters the parent hands out, a forward the parent computes."""

    _help_name = ""

    def __init__(self, *args, **kwargs):
        super().__init__()
        spec = _ask({"name": self._help_name, "op": "init", "args": list(args), "kwargs": dict(kwargs)})
        self._help_forward = spec["forward"]
        self._help_params = []
        for pname, value in spec["params"]:
            setattr(self, pname, nn.Parameter(value))
            self._help_params.append(pname)

    def forward(self, *inputs):
        return _help_call(self._help_forward, (*inputs, *[getattr(self, p) for p in self._help_params]))


class _HelpLayers(nn.Sequential):
    """An earlier module stub that is a stack of torch.nn layers: the parent names the layers."""

    _help_name = ""

    def __init__(self, *args, **kwargs):
        spec = _ask({"name": self._help_name, "op": "init", "args": list(args), "kwargs": dict(kwargs)})
        super().__init__(*[_layer(kind, a, k) for kind, a, k in spec["layers"]])


def _layer(kind: str, args: list, kwargs: dict) -> nn.Module:
    cls = getattr(nn, kind)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise HelpRefused(f"{kind} is not a torch.nn layer")
    return cls(*args, **kwargs)


def _proxy(name: str, kind: str, params: list):
    if kind == "function":
        return _help_function(name, params)
    base = {"module": _HelpModule, "layers": _HelpLayers}[kind]
    return type(name, (base,), {"_help_name": name, "__module__": "__main__"})


# --------------------------------------------------------------------------- helpers
def _send(obj) -> None:
    wire.write_frame(_PROTO_OUT, obj)


def _send_or_fail(reply: dict) -> None:
    try:
        payload = wire.encode(reply)
    except BaseException as exc:  # noqa: BLE001 - a hostile result must not break the channel
        payload = wire.encode({"ok": False, "kind": "exception", "rid": reply.get("rid"),
                               "error": f"the result could not be sent back: {exc}"[:500]})
    _PROTO_OUT.write(wire.struct.pack("<Q", len(payload)) + payload)
    _PROTO_OUT.flush()


def _error_text(exc: BaseException) -> str:
    """The student's own frames only: the grader's file names mean nothing to them."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<cell")]
    lines = traceback.format_list(frames[-4:])
    return ("".join(lines) + "".join(traceback.format_exception_only(type(exc), exc)))[-2000:]


def _failure(exc: BaseException) -> dict:
    kind = "not_implemented" if isinstance(exc, NotImplementedError) else "exception"
    # The built-in classes it is an instance of: the parent judges "raises ValueError" from these names.
    builtin = [c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"]
    return {"ok": False, "kind": kind, "error": _error_text(exc), "exc_type": type(exc).__name__, "exc_types": builtin}


def _seed(seed: int) -> None:
    torch.manual_seed(seed)
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed)
    except ImportError:
        pass


class _Swapped:
    """Install the request's help proxies in a namespace, then put the student's names back."""

    def __init__(self, ns: dict, helpers) -> None:
        self.ns, self.saved = ns, {}
        self.helpers = [(str(h["name"]), str(h["kind"]), list(h.get("params", []))) for h in helpers or []]

    def __enter__(self):
        for name, kind, params in self.helpers:
            self.saved[name] = self.ns.get(name, _MISSING)
            self.ns[name] = _proxy(name, kind, params)

    def __exit__(self, *exc):
        for n, v in self.saved.items():
            if v is _MISSING:
                self.ns.pop(n, None)
            else:
                self.ns[n] = v


_MISSING = object()


def _lookup(ns: dict, name: str):
    if name not in ns:
        raise LookupError(f"{name} is not defined in the notebook")
    return ns[name]


def _clone_tensors(values):
    return [v.detach().clone() if isinstance(v, torch.Tensor) else None for v in values]


# ---------------------------------------------------------------------------- probes
def _materialize(module: nn.Module, example: torch.Tensor) -> None:
    """Lazy modules get their shapes from one forward pass."""
    if any(isinstance(m, nn.modules.lazy.LazyModuleMixin) for m in module.modules()):
        with torch.no_grad():
            module(example)


def _leaf_report(module: nn.Module) -> list:
    out = []
    for name, m in module.named_modules():
        if list(m.children()):
            continue
        info = {"name": name, "type": type(m).__name__}
        for attr in ("kernel_size", "stride", "padding", "in_channels", "out_channels", "in_features", "out_features", "eps"):
            if hasattr(m, attr):
                value = getattr(m, attr)
                info[attr] = list(value) if isinstance(value, tuple) else value
        info["params"] = {k: v.detach().clone() for k, v in m.named_parameters(recurse=False)}
        out.append(info)
    return out


def probe_module(ns: dict, p: dict) -> dict:
    """Build a student's module, run it forward (and backward), report what happened."""
    cls = _lookup(ns, p["target"])
    module = cls(*p.get("init_args", []), **p.get("init_kwargs", {}))
    if not isinstance(module, nn.Module):
        return {"is_module": False, "type": wire.type_name(module)}
    x = p["input"]
    _materialize(module, x)
    if p.get("apply"):  # a student's function given to module.apply (an initialiser) before the pass
        module.apply(_lookup(ns, str(p["apply"])))
    if p.get("zero_convs"):
        with torch.no_grad():
            for m in module.modules():
                if isinstance(m, nn.Conv2d):
                    m.weight.zero_()
                    if m.bias is not None:
                        m.bias.zero_()
    module.train(p.get("train", True))
    shapes = []
    hooks = [
        m.register_forward_hook(lambda mod, inp, out, _s=shapes: _s.append([type(mod).__name__, list(out.shape) if isinstance(out, torch.Tensor) else None]))
        for m in module.modules()
        if not list(m.children())
    ]
    x_in = x.clone().requires_grad_(p.get("input_grad", False))
    y = module(x_in)
    for h in hooks:
        h.remove()
    report = {
        "is_module": True,
        "output": y,
        "leaf_shapes": shapes,
        "params": {k: v.detach().clone() for k, v in module.named_parameters()},
        "param_types": {k: wire.type_name(v) for k, v in module.named_parameters()},
        "leaves": _leaf_report(module),
        "input_after": x_in.detach().clone(),  # the tensor the module was given, as it is afterwards
    }
    if p.get("attribute"):  # a sub-module the task names (say, self.net): its type, layers, output
        sub = getattr(module, str(p["attribute"]), None)
        report["attribute"] = {"type": wire.type_name(sub), "is_sequential": isinstance(sub, nn.Sequential),
                               "layers": [type(m).__name__ for m in sub] if isinstance(sub, nn.Sequential) else [],
                               "output": sub(x.clone()) if isinstance(sub, nn.Module) else None}
    if p.get("backward") and isinstance(y, torch.Tensor) and y.requires_grad:
        y.sum().backward()
        report["grads"] = {k: (v.grad.detach().clone() if v.grad is not None else None) for k, v in module.named_parameters()}
        report["input_grad"] = x_in.grad
    return report


def _spec_net(spec: list) -> nn.Sequential:
    """A network the grader describes as data, so no solution code enters the sandbox."""
    layers = []
    for kind, args in spec:
        layers.append(getattr(nn, kind)(*args))
    return nn.Sequential(*layers)


def probe_init(ns: dict, p: dict) -> dict:
    """A student's initialiser (`target`), given to `net.apply` on a network the grader describes."""
    net = _spec_net(p["spec"])
    before = {k: v.detach().clone() for k, v in net.named_parameters()}
    buffers = {k: v.detach().clone() for k, v in net.named_buffers()}
    modes = [m.training for m in net.modules()]
    init, returns = _lookup(ns, p["target"]), []
    net.apply(lambda m: returns.append(wire.type_name(init(m))))  # apply's own order; what each call returned
    return {"before": before, "after": {k: v.detach().clone() for k, v in net.named_parameters()},
            "buffers_before": buffers, "buffers_after": {k: v.detach().clone() for k, v in net.named_buffers()},
            "modes_before": modes, "modes_after": [m.training for m in net.modules()], "returns": returns}


def _state(net: nn.Module) -> dict:
    """Parameters and buffers as values; a lazy layer's parameters before its first pass have none."""
    return {k: v.detach().clone() for k, v in net.state_dict().items()
            if not isinstance(v, nn.parameter.UninitializedParameter)}


def probe_summary(ns: dict, p: dict) -> dict:
    """A student's function of (net, input_shape) (`target`), on a network the grader describes:
    what it returned, and what it did to the net (state, modes, grad mode inside each layer)."""
    net = _spec_net(p["spec"])
    for i in p.get("eval", []):  # layers put in eval mode first, so a net of mixed modes can be given
        net[i].eval()
    modes = [m.training for m in net.modules()]
    before = _state(net)
    grad_enabled: list = []  # torch.is_grad_enabled() as each layer is entered: evidence of no_grad
    hooks = [m.register_forward_pre_hook(lambda mod, inp, _g=grad_enabled: _g.append(torch.is_grad_enabled()))
             for m in net]
    result = _lookup(ns, p["target"])(net, tuple(p["input_shape"]))
    for h in hooks:
        h.remove()
    after = _state(net)
    return {"result": result, "before": before, "after": after, "modes_before": modes,
            "modes_after": [m.training for m in net.modules()], "grad_enabled": grad_enabled}


def probe_gradients(ns: dict, p: dict) -> dict:
    """Call a function stub on inputs that require grad, back-propagate the parent's upstream
    gradient, and return the result and each input's gradient (None where none arrived)."""
    args = [a.detach().clone().requires_grad_(True) if isinstance(a, torch.Tensor) and a.is_floating_point() else a
            for a in p["args"]]
    result = _lookup(ns, p["target"])(*args, **p.get("kwargs", {}))
    connected = isinstance(result, torch.Tensor) and result.requires_grad
    if connected:
        result.backward(p["upstream"].to(result.dtype) if result.shape == p["upstream"].shape else p["upstream"])
    grads = [a.grad if isinstance(a, torch.Tensor) and a.grad is not None else None for a in args]
    return {"result": result.detach() if isinstance(result, torch.Tensor) else result, "connected": connected,
            "grads": grads}


def probe_accuracy(ns: dict, p: dict) -> dict:
    """A student's function of (net, batches[, device]) (`target`) on a linear net and batches the grader sends."""
    if p.get("weight") is None:  # a net without parameters: each X already holds the logits
        net = nn.Identity()
    else:
        net = nn.Linear(p["weight"].shape[1], p["weight"].shape[0])
        with torch.no_grad():
            net.weight.copy_(p["weight"])
            net.bias.copy_(p["bias"])
    if p.get("dropout"):  # a net whose answers change in training mode: the parent sees the mode in the result
        net = nn.Sequential(net, nn.Dropout(float(p["dropout"])))
    calls = []  # (training, grad enabled) at every forward pass: evidence only, the student owns this process
    net.register_forward_pre_hook(lambda m, inp: calls.append([m.training, torch.is_grad_enabled()]))
    batches = [(X, y) for X, y in zip(p["xs"], p["ys"])]
    if p.get("iterable") == "generator":  # "any iterable": one that can be walked through only once
        batches = (b for b in batches)
    kwargs = {"device": p["device"]} if "device" in p else {}
    return {"result": _lookup(ns, p["target"])(net, batches, **kwargs), "calls": calls}


def probe_train(ns: dict, p: dict) -> dict:
    """Train the student's net with the grader's loop, from the parent's initial weights.

    Sends back the trained parameters and the net's answers on the parent's check batch; the
    parent scores the weights itself, with the reference architecture, on test data this
    process never sees. Nothing reported here is taken on trust.
    """
    import training  # beside this file in the sandbox; torch only

    device = p.get("device", "cpu")
    note = ""
    if device.startswith("cuda") and not torch.cuda.is_available():
        # The parent saw a GPU but the sandbox hides it (a driver file not bound, say): train on the
        # CPU rather than fail a correct student; the parent tells the instructor.
        device, note = "cpu", "CUDA was not usable inside the sandbox; trained on the CPU instead"
    cap = int(p.get("gpu_memory_bytes") or 0)
    if device.startswith("cuda") and cap:
        # Students share the GPU: past its share, this net gets torch's out-of-memory error (below,
        # in the student's terms) before the others feel it. The parent's watchdog backs this up.
        total = torch.cuda.get_device_properties(torch.device(device)).total_memory
        torch.cuda.set_per_process_memory_fraction(min(1.0, cap / total), torch.device(device))
    torch.set_num_threads(int(p.get("threads", 1)))
    protocol = training.Protocol(**p["protocol"])
    torch.manual_seed(protocol.seed)
    target = str(p["target"])
    net = _lookup(ns, target)(*p.get("init_args", []), **p.get("init_kwargs", {}))
    if not isinstance(net, nn.Module):
        return {"is_module": False, "type": wire.type_name(net)}
    training.materialize(net, training.to_images(p["images"][:2], "cpu"))
    training.load_by_shape(net, p["initial"])

    def progress(epoch: int, loss: float, acc: float) -> None:
        _send({"event": "epoch", "epoch": epoch, "loss": loss, "train_accuracy": acc})

    try:
        history = training.fit(net, p["images"], p["labels"], protocol, device, on_epoch=progress, initialise=False)
        check = training.answers(net, p["check_images"], p["check_labels"], device)
    except torch.cuda.OutOfMemoryError:
        raise MemoryError(f"training {target} needed more GPU memory than the "
                          f"{cap / 2**30:g} GiB each student may use; is a layer far wider than the chapter's?") from None
    note = "; ".join(n for n in (note, history.note) if n)
    return {"is_module": True, "params": [[k, v.detach().cpu().clone()] for k, v in net.named_parameters()],
            "check": check, "loss": history.loss, "train_accuracy": history.train_accuracy,
            "device": device, "device_note": note, "graphed": history.graphed}


PROBES = {"module": probe_module, "init": probe_init, "summary": probe_summary, "accuracy": probe_accuracy,
          "train": probe_train, "gradients": probe_gradients}
CONTENT_PROBES = "probes_"  # a course's own probes (its assignments' probes.py), copied in beside this file


def _content_probes() -> None:
    """Register the course's probes: `probe_<kind>(ns, params)` functions in probes_<assignment>.py.
    They run here, in the student's process, so they report and never judge, like the ones above;
    `course check` refuses one that imports anything but torch and a few standard modules."""
    here = os.path.dirname(os.path.abspath(__file__))
    for name in sorted(os.listdir(here)):
        if not (name.startswith(CONTENT_PROBES) and name.endswith(".py")):
            continue
        scope: dict = {"__name__": name[:-3]}
        with open(os.path.join(here, name)) as f:
            exec(compile(f.read(), name, "exec"), scope)  # noqa: S102 - the course's own file
        for key, fn in scope.items():
            if key.startswith("probe_") and callable(fn) and key[len("probe_"):] not in PROBES:
                PROBES[key[len("probe_"):]] = fn


# -------------------------------------------------------------------------- handlers
def handle_load(msg: dict) -> None:
    ns = NAMESPACES.setdefault(msg["ns"], {"__name__": "__main__"})
    for index, source in msg["cells"]:
        _send({"event": "cell", "index": index, "status": "start"})
        try:
            code = compile(source, f"<cell {index + 1}>", "exec")
            exec(code, ns)  # noqa: S102 - executing the student's notebook is this process's job
            status = {"event": "cell", "index": index, "status": "ok"}
        except BaseException as exc:  # noqa: BLE001 - SystemExit and bare BaseException included
            status = {"event": "cell", "index": index, "status": "error", "error": _error_text(exc)}
        sys.stdout.flush()
        _send(status)
    _send({"event": "loaded", "names": sorted(k for k in ns if not k.startswith("__"))})


def handle_call(msg: dict) -> None:
    ns = NAMESPACES[msg["ns"]]
    args, kwargs = list(msg.get("args", [])), dict(msg.get("kwargs", {}))
    _seed(msg.get("seed", 0))
    trace = OpTrace()
    try:
        fn = _lookup(ns, msg["target"])
        with _Swapped(ns, msg.get("help", [])), trace:
            result = fn(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001
        _send({**_failure(exc), "rid": msg.get("rid")})
        return
    _send_or_fail({"ok": True, "result": result, "args_after": args, "ops": sorted(trace.ops), "rid": msg.get("rid"),
                   "about": _about(result, args)})


def _about(result, args: list) -> dict:
    """What plain values cannot show about a tensor result: still attached to a graph, or a view of
    an input's memory. Evidence for promises ("detached", "a new tensor"), never a grade by itself."""
    if not isinstance(result, torch.Tensor):
        return {}
    try:
        mine = result.untyped_storage().data_ptr()
        shares = [i for i, a in enumerate(args) if isinstance(a, torch.Tensor) and a.untyped_storage().data_ptr() == mine]
        return {"requires_grad": bool(result.requires_grad), "shares_input": shares}
    except Exception:  # noqa: BLE001 - a tensor without storage (meta, a subclass): nothing to say
        return {}


def handle_probe(msg: dict) -> None:
    ns = NAMESPACES[msg["ns"]]
    _seed(msg.get("seed", 0))
    try:
        with _Swapped(ns, msg.get("help", [])):
            report = PROBES[msg["probe"]](ns, msg.get("params", {}))
    except BaseException as exc:  # noqa: BLE001
        _send({**_failure(exc), "rid": msg.get("rid")})
        return
    _send_or_fail({"ok": True, "report": report, "rid": msg.get("rid")})


HANDLERS = {"load": handle_load, "call": handle_call, "probe": handle_probe}


def main() -> None:
    _content_probes()
    _send({"event": "ready"})
    while True:
        try:
            msg = wire.read_frame(_PROTO_IN, layout=True)
        except EOFError:
            return
        HANDLERS[msg["op"]](msg)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
