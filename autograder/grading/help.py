"""Help for a stub under test: the answers of the earlier stubs it builds on, computed here.

When a later stub uses an earlier one (a module stub that calls a function stub), the earlier one is replaced
while the later one is graded, so that one bug costs points once. The replacement must
not be something the student's process can keep and reuse: the child is hostile and owns
everything in its address space. So no stand-in code enters the sandbox. The child gets
a proxy per declared name; each use of it is a "help" event that the parent answers with
its own code (the course registers the stand-ins here), and only while a request that
declared that name is in flight. Why that cannot answer the stub under test:

* a test never declares its own stubs as stand-ins (checked when the course is loaded),
  so the parent refuses to compute, for instance, f while f is graded;
* a proxy kept from an earlier request asks the parent again and is refused outside the
  requests that declared it;
* answers the child recorded earlier are answers for inputs the child chose, and the
  grader runs a stub's own tests before any test that declares it as help (grade.py), so
  no help for a stub has been given when that stub is graded.

Three kinds of stand-in, all computed in the parent:
  function  - a value and its vector-Jacobian product, so gradients flow through it;
  module    - parameters handed out at construction, forward (and its gradient) computed here;
  layers    - a stack of torch.nn layers named here, built from torch.nn in the child.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import torch

KINDS = ("function", "module", "layers")
MAX_ELEMENTS = 1 << 16  # per tensor argument: far above any hidden test's inputs, far below a costly one
MAX_CALLS = 20_000  # per request


@dataclass(frozen=True)
class StandIn:
    name: str
    kind: str
    call: Callable[..., Any]  # function: the answer; module: forward(*inputs, *params); layers: the layer list
    init: Callable[..., list[tuple[str, torch.Tensor]]] | None = None  # module: (generator, *args) -> parameters

    @property
    def params(self) -> list[str]:
        """Parameter names a student may pass by keyword (the child binds them to positions)."""
        if self.kind != "function":
            return []
        return [p.name for p in inspect.signature(self.call).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


REGISTRY: dict[str, StandIn] = {}


def stand_in(name: str, kind: str = "function", *, init: Callable | None = None) -> Callable:
    """Register the parent's version of an earlier stub (course content calls this)."""
    if kind not in KINDS:
        raise ValueError(f"stand-in {name}: kind must be one of {KINDS}, not {kind!r}")
    if (kind == "module") != (init is not None):
        raise ValueError(f"stand-in {name}: a module stand-in needs init=, other kinds take none")

    def register(fn: Callable) -> Callable:
        if name in REGISTRY and REGISTRY[name].call is not fn:
            raise ValueError(f"stand-in {name} registered twice")
        REGISTRY[name] = StandIn(name, kind, fn, init)
        return fn

    return register


def forget() -> None:
    """Drop every registered stand-in (a new course's content is being loaded)."""
    REGISTRY.clear()


class Refused(ValueError):
    """The child asked for help it may not have, or with arguments the parent will not take."""


@dataclass
class Session:
    """The help one request may get: its declared names, a seeded generator, a call budget."""

    allowed: tuple[str, ...]
    seed: int = 0
    calls: int = 0
    generator: torch.Generator = field(init=False)

    def __post_init__(self) -> None:
        unknown = [n for n in self.allowed if n not in REGISTRY]
        if unknown:
            raise KeyError(f"no stand-in registered for {', '.join(unknown)}")
        self.generator = torch.Generator().manual_seed(int(self.seed))

    def descriptors(self) -> list[dict]:
        """What the child needs to build its proxies: names, kinds, keyword names. No code."""
        return [{"name": n, "kind": REGISTRY[n].kind, "params": REGISTRY[n].params} for n in self.allowed]

    def answer(self, event: dict) -> dict:
        """One help event in, one reply out; never raises, whatever the child sent."""
        try:
            return {"ok": True, "result": self._answer(event)}
        except Refused as exc:
            return {"ok": False, "error": str(exc)[:500]}
        except Exception as exc:  # noqa: BLE001 - the student's arguments broke the stand-in: say so to them
            return {"ok": False, "error": f"the grader's {event.get('name')!s:.60} could not take these arguments "
                                          f"({type(exc).__name__}: {str(exc)[:200]})"}

    def _answer(self, event: dict) -> Any:
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise Refused(f"more than {MAX_CALLS} uses of the grader's stand-ins in one call")
        name, op = str(event.get("name", ""))[:100], event.get("op")
        args, kwargs = event.get("args", []), event.get("kwargs", {})
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise Refused("malformed help request")
        _bounded(args, kwargs)
        base, _, part = name.partition(".")
        standin = REGISTRY.get(base)
        if base not in self.allowed or standin is None or (part and (part != "forward" or standin.kind != "module")):
            raise Refused(f"the grader's {name} is not available here: it stands in for an earlier stub only while "
                          "a later one is graded")
        if op == "init" and not part and standin.kind in ("module", "layers"):
            if standin.kind == "layers":
                return {"layers": standin.call(*args, **kwargs)}
            return {"params": standin.init(self.generator, *args, **kwargs), "forward": f"{base}.forward"}
        if op in ("call", "vjp") and (part or standin.kind == "function"):
            if op == "call":
                return _value(standin.call(*args))
            return _vjp(standin.call, args, event.get("grad"))
        raise Refused(f"the grader's {name} cannot do {op!r}")


def _bounded(*values: Any) -> None:
    for v in values:
        items = v.values() if isinstance(v, dict) else v if isinstance(v, (list, tuple)) else [v]
        for item in items:
            if isinstance(item, torch.Tensor):
                if item.numel() > MAX_ELEMENTS:
                    raise Refused(f"a tensor of {item.numel()} elements is more than the grader's stand-ins take "
                                  f"({MAX_ELEMENTS})")
            elif isinstance(item, (list, tuple, dict)):
                _bounded(item)


def _value(result: Any) -> torch.Tensor:
    if not isinstance(result, torch.Tensor):
        raise TypeError(f"stand-in returned {type(result).__name__}")
    return result.detach()


def _vjp(fn: Callable, args: list, grad: Any) -> list[torch.Tensor | None]:
    """Gradients of <fn(*args), grad> with respect to each floating-point tensor argument."""
    leaves = [a.detach().clone().requires_grad_(True) if isinstance(a, torch.Tensor) and a.is_floating_point() else a
              for a in args]
    out = fn(*leaves)
    if not isinstance(grad, torch.Tensor) or grad.shape != out.shape:
        raise Refused("the gradient sent for the grader's stand-in has the wrong shape")
    inputs = [leaf for leaf in leaves if isinstance(leaf, torch.Tensor) and leaf.requires_grad]
    grads = iter(torch.autograd.grad(out, inputs, grad.to(out.dtype), allow_unused=True)) if inputs else iter(())
    return [next(grads) if isinstance(leaf, torch.Tensor) and leaf.requires_grad else None for leaf in leaves]
