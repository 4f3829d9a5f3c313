"""The untrusted side: runs a student's notebook cells and calls their stubs, nothing more.

This file is copied, with wire.py beside it, into the sandbox and run as a script. It
must not import the rest of the grader (hidden tests and solutions never enter the
sandbox). It answers plain-data requests on a private pipe and never judges a result:
every comparison happens in the trusted parent.

Requests (one wire frame each) and replies:
  {"op": "load", "ns", "cells": [[index, source], ...]}  -> a "cell" event per cell, then "loaded"
  {"op": "call", "ns", "target", "args", "kwargs", "stand_ins", "seed"} -> result, inputs after, traced ops
  {"op": "probe", "ns", "probe", "params", "stand_ins", "seed"}        -> a probe's plain-data report
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
    """Records every aten op a stub runs, so delegation to torch's conv/pool is visible."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: set[str] = set()
        self.paused = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if not self.paused:
            self.ops.add(str(func.overloadpacket))
        return func(*args, **(kwargs or {}))


_TRACE: OpTrace | None = None


class _untraced:
    """Stand-ins are the grader's code: their own torch ops are not the student's."""

    def __enter__(self):
        if _TRACE is not None:
            _TRACE.paused += 1

    def __exit__(self, *exc):
        if _TRACE is not None:
            _TRACE.paused -= 1


# ------------------------------------------------------------------------ stand-ins
# When a stub builds on an earlier one, the earlier one is replaced by these while the
# later one is graded, so one bug costs points once. They are plain torch, not solutions.
def _corr2d(X, K):
    with _untraced():
        dtype = torch.promote_types(X.dtype, K.dtype)
        return F.conv2d(X.to(dtype)[None, None], K.to(dtype)[None, None])[0, 0]


def _corr2d_multi_in(X, K):
    with _untraced():
        dtype = torch.promote_types(X.dtype, K.dtype)
        return F.conv2d(X.to(dtype)[None], K.to(dtype)[None])[0, 0]


def _global_avg_pool(X):
    with _untraced():
        return X.mean(dim=(-2, -1))


class _Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return _corr2d(x, self.weight) + self.bias


class _ConvBlock(nn.Sequential):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
        )


STAND_INS = {
    "corr2d": _corr2d,
    "corr2d_multi_in": _corr2d_multi_in,
    "global_avg_pool": _global_avg_pool,
    "Conv2D": _Conv2D,
    "ConvBlock": _ConvBlock,
}


# --------------------------------------------------------------------------- helpers
def _send(obj) -> None:
    wire.write_frame(_PROTO_OUT, obj)


def _send_or_fail(reply: dict) -> None:
    try:
        payload = wire.encode(reply)
    except BaseException as exc:  # noqa: BLE001 - a hostile result must not break the channel
        payload = wire.encode({"ok": False, "kind": "exception", "error": f"the result could not be sent back: {exc}"[:500]})
    _PROTO_OUT.write(wire.struct.pack("<Q", len(payload)) + payload)
    _PROTO_OUT.flush()


def _error_text(exc: BaseException) -> str:
    """The student's own frames only: the grader's file names mean nothing to them."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<cell")]
    lines = traceback.format_list(frames[-4:])
    return ("".join(lines) + "".join(traceback.format_exception_only(type(exc), exc)))[-2000:]


def _failure(exc: BaseException) -> dict:
    kind = "not_implemented" if isinstance(exc, NotImplementedError) else "exception"
    return {"ok": False, "kind": kind, "error": _error_text(exc), "exc_type": type(exc).__name__}


def _seed(seed: int) -> None:
    torch.manual_seed(seed)
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed)
    except ImportError:
        pass


class _Swapped:
    """Install stand-ins in a namespace for one request, then put the student's back."""

    def __init__(self, ns: dict, names) -> None:
        self.ns, self.names, self.saved = ns, [n for n in names if n in STAND_INS], {}

    def __enter__(self):
        for n in self.names:
            self.saved[n] = self.ns.get(n, _MISSING)
            self.ns[n] = STAND_INS[n]

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
    if p.get("init_cnn"):
        module.apply(_lookup(ns, "init_cnn")) if p["init_cnn"] == "student" else None
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
    net = _spec_net(p["spec"])
    before = {k: v.detach().clone() for k, v in net.named_parameters()}
    net.apply(_lookup(ns, "init_cnn"))
    return {"before": before, "after": {k: v.detach().clone() for k, v in net.named_parameters()}}


def probe_summary(ns: dict, p: dict) -> dict:
    net = _spec_net(p["spec"])
    for i in p.get("eval", []):  # layers put in eval mode first, so a net of mixed modes can be given
        net[i].eval()
    modes = [m.training for m in net.modules()]
    before = {k: v.detach().clone() for k, v in net.state_dict().items()}
    result = _lookup(ns, "layer_summary")(net, tuple(p["input_shape"]))
    changed = any(not torch.equal(before[k], v) for k, v in net.state_dict().items())
    return {"result": result, "changed": changed, "modes_before": modes, "modes_after": [m.training for m in net.modules()]}


def probe_accuracy(ns: dict, p: dict) -> dict:
    if p.get("weight") is None:  # a net without parameters: each X already holds the logits
        net = nn.Identity()
    else:
        net = nn.Linear(p["weight"].shape[1], p["weight"].shape[0])
        with torch.no_grad():
            net.weight.copy_(p["weight"])
            net.bias.copy_(p["bias"])
    calls = []  # (training, grad enabled) at every forward pass
    net.register_forward_pre_hook(lambda m, inp: calls.append([m.training, torch.is_grad_enabled()]))
    batches = [(X, y) for X, y in zip(p["xs"], p["ys"])]
    kwargs = {"device": p["device"]} if "device" in p else {}
    return {"result": _lookup(ns, "evaluate_accuracy")(net, batches, **kwargs), "calls": calls}


def probe_train(ns: dict, p: dict) -> dict:
    """Train the student's LeNet with the grader's loop; send back test logits, never a score.

    The test labels stay in the parent: this process only ever sees test images.
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
    net = _lookup(ns, p.get("target", "LeNet"))(*p.get("init_args", []), **p.get("init_kwargs", {}))
    if not isinstance(net, nn.Module):
        return {"is_module": False, "type": wire.type_name(net)}

    def progress(epoch: int, loss: float, acc: float) -> None:
        _send({"event": "epoch", "epoch": epoch, "loss": loss, "train_accuracy": acc})

    try:
        history = training.fit(net, p["images"], p["labels"], protocol, device, on_epoch=progress)
        logits = training.predict(net, p["test_images"], device)
    except torch.cuda.OutOfMemoryError:
        raise MemoryError(f"training {p.get('target', 'LeNet')} needed more GPU memory than the "
                          f"{cap / 2**30:g} GiB each student may use; is a layer far wider than the chapter's?") from None
    note = "; ".join(n for n in (note, history.note) if n)
    return {"is_module": True, "logits": logits, "loss": history.loss, "train_accuracy": history.train_accuracy,
            "seconds": history.seconds, "device": device, "device_note": note, "graphed": history.graphed}


PROBES = {"module": probe_module, "init": probe_init, "summary": probe_summary, "accuracy": probe_accuracy,
          "train": probe_train}


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
    global _TRACE
    ns = NAMESPACES[msg["ns"]]
    args, kwargs = list(msg.get("args", [])), dict(msg.get("kwargs", {}))
    _seed(msg.get("seed", 0))
    try:
        fn = _lookup(ns, msg["target"])
        with _Swapped(ns, msg.get("stand_ins", [])):
            _TRACE = OpTrace()
            try:
                with _TRACE:
                    result = fn(*args, **kwargs)
            finally:
                ops, _TRACE = sorted(_TRACE.ops), None
    except BaseException as exc:  # noqa: BLE001
        _send(_failure(exc))
        return
    _send_or_fail({"ok": True, "result": result, "args_after": args, "ops": ops})


def handle_probe(msg: dict) -> None:
    ns = NAMESPACES[msg["ns"]]
    _seed(msg.get("seed", 0))
    try:
        with _Swapped(ns, msg.get("stand_ins", [])):
            report = PROBES[msg["probe"]](ns, msg.get("params", {}))
    except BaseException as exc:  # noqa: BLE001
        _send(_failure(exc))
        return
    _send_or_fail({"ok": True, "report": report})


HANDLERS = {"load": handle_load, "call": handle_call, "probe": handle_probe}


def main() -> None:
    _send({"event": "ready"})
    while True:
        try:
            msg = wire.read_frame(_PROTO_IN)
        except EOFError:
            return
        HANDLERS[msg["op"]](msg)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
