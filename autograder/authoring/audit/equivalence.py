"""Is a surviving mutant a real gap, or the same function written differently?

Undecidable in general; approximated by differential testing against the reference on
inputs independent of any one hidden test's strategy: every call the hidden tests made to
the stub, plus copies of them with fresh random values. A mutant that differs anywhere is a
real survivor, and the first such call is its witness. One that agrees everywhere is listed
apart as "equivalent", for the instructor to confirm. Comparing results *and* the inputs
afterwards (`args_after`) keeps an in-place mutant from passing as equivalent.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from autograder.grading import checks

# The random copies' spreads: one like the strategies' values, one far outside any of them (a
# bug that only shows on large values must not pass for an equivalent rewrite).
SCALES = (3.0, 1000.0)


def inputs(calls: list[tuple[list, dict]], seed: int = 0) -> list[tuple[list, dict]]:
    """The recorded calls, then a copy of each per SCALE with every floating tensor redrawn."""
    gen = torch.Generator().manual_seed(seed)

    def redraw(v: Any, scale: float) -> Any:
        if isinstance(v, torch.Tensor) and v.is_floating_point():
            return (torch.randn(v.shape, generator=gen, dtype=torch.float64) * scale).to(v.dtype)
        if isinstance(v, (list, tuple)) and type(v) in (list, tuple):
            return type(v)(redraw(x, scale) for x in v)
        return v

    out = list(calls)
    for scale in SCALES:
        out += [([redraw(a, scale) for a in args], {k: redraw(v, scale) for k, v in kwargs.items()})
                for args, kwargs in calls]
    return out


def same(a: Any, b: Any) -> bool:
    """Equal as a student's answer would be judged: tensors by shape, dtype and close values."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
            return False
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if not a.is_floating_point():
            return torch.equal(a, b)
        rtol = checks.tolerance(a.dtype)
        scale = max(1.0, float(a.abs().nan_to_num(0).max())) if a.numel() else 1.0
        return bool(torch.allclose(a.double(), b.double(), rtol=rtol, atol=rtol * scale, equal_nan=True))
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def reply_key(reply: dict) -> tuple:
    """What a reply says: a result and the inputs afterwards, or the exception classes raised."""
    if reply.get("ok"):
        return ("returned", reply.get("result"), reply.get("args_after"))
    return ("raised", tuple(reply.get("exc_types", [])[:1]), None)


def first_difference(reference: list[dict], mutant: list[dict]) -> int | None:
    for i, (r, m) in enumerate(zip(reference, mutant)):
        kr, km = reply_key(r), reply_key(m)
        if kr[0] != km[0] or not same(kr[1], km[1]) or not same(kr[2], km[2]):
            return i
    return None


def describe(stub: str, call: tuple[list, dict]) -> str:
    args, kwargs = call
    return checks.describe_call(stub, [(f"arg{i}", a) for i, a in enumerate(args)] + list(kwargs.items()))
