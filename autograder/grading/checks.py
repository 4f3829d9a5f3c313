"""Trusted comparisons of what a stub returned with what it should have returned.

Runs only in the parent, on values rebuilt from plain data. Every failure is a Mismatch
whose message speaks the student's language: the call, what came back, what was expected.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import torch

from autograder.student.visible import show
from autograder.runtime.sandboxed.wire import ArrayLike, Foreign


class Mismatch(AssertionError):
    """The student's result is wrong; str() is the feedback."""


def layout_note(value: Any) -> str:
    """How a tensor argument sat in memory, when that is not the plain contiguous layout: a
    student whose `.view` failed on it must be able to rebuild the same input."""
    if not isinstance(value, torch.Tensor) or not value.numel() or (value.is_contiguous() and not value.storage_offset()):
        return ""
    if 0 in value.stride():
        kind = "an expanded view (stride 0, like t.expand)"
    elif value.is_contiguous():
        kind = "a slice of a larger tensor"
    else:
        kind = "a non-contiguous view (a slice, a transpose or a step)"
    return f" [{kind}: stride {tuple(value.stride())}]"


def describe_call(name: str, params: Iterable[tuple[str, Any]]) -> str:
    return f"{name}({', '.join(f'{k}={show(v, 300)}{layout_note(v)}' for k, v in params)})"


def kind_of(value: Any) -> str:
    if isinstance(value, ArrayLike):
        return value.type_name
    if isinstance(value, Foreign):
        return value.type_name
    return type(value).__name__ if not isinstance(value, torch.Tensor) else "torch.Tensor"


def tensor(value: Any, what: str) -> torch.Tensor:
    """The value must be exactly a torch.Tensor: lists, numpy arrays and subclasses are refused."""
    if isinstance(value, torch.Tensor) and type(value) is torch.Tensor:
        return value
    if kind_of(value).startswith("numpy"):
        container = "array" if isinstance(value, ArrayLike) else f"scalar ({kind_of(value)})"
        raise Mismatch(f"{what} returned a numpy {container}; it must return a torch.Tensor (use torch.from_numpy or torch.tensor)")
    raise Mismatch(f"{what} returned {kind_of(value)} {show(value, 200)}; it must return a torch.Tensor")


def shaped(value: Any, shape: tuple[int, ...], what: str, note: str = "") -> torch.Tensor:
    """The value must be a torch.Tensor of exactly this shape; `note` says why that shape."""
    got = tensor(value, what)
    if tuple(got.shape) != tuple(shape):
        raise Mismatch(f"{what} returned shape {tuple(got.shape)}, expected {tuple(shape)}" + (f" ({note})" if note else ""))
    return got


def tolerance(*dtypes: torch.dtype) -> float:
    """Relative tolerance set by the least precise dtype involved (float64 kept as float32 is fine)."""
    return 1e-4 if any(d in (torch.float32, torch.float16, torch.bfloat16) for d in dtypes) else 1e-9


def close(value: Any, expected: torch.Tensor, what: str, *, inputs: Iterable[torch.Tensor] = (), scale: float | None = None) -> torch.Tensor:
    """Same shape, floating point, and values within a dtype-aware tolerance."""
    got = shaped(value, expected.shape, what)
    if not got.is_floating_point():
        raise Mismatch(f"{what} returned a tensor of dtype {got.dtype}; expected floating-point values like {show(expected)}")
    rtol = tolerance(got.dtype, *(t.dtype for t in inputs if isinstance(t, torch.Tensor)))
    e = expected.detach().to(torch.float64)
    g = got.detach().to(torch.float64)
    magnitude = scale if scale is not None else float(e.abs().max()) if e.numel() else 1.0
    atol = rtol * max(1.0, magnitude) * 10
    if g.numel() and not torch.allclose(g, e, rtol=rtol, atol=atol, equal_nan=False):
        worst = float((g - e).abs().nan_to_num(math.inf).max())
        raise Mismatch(f"{what} returned {show(got)}, expected {show(expected.to(got.dtype))} (largest difference {worst:.3g})")
    return got


def only_if_right(prop: str) -> str:
    """Properties pay only with correct values: the note a property test (inputs left unchanged,
    linearity, equivariance, channel scaling...) puts on its comparison of the same call with the
    right value, so a stub that returns zeros of the right shape does not earn the property."""
    return f"{prop} counts only when the call also returns the right values"


def unchanged(before: list, after: list, names: list[str], what: str, *,
              returned: Any = None, shape: tuple[int, ...] | None = None) -> None:
    """Inputs must come back exactly as they went in.

    With `shape`, the call must also have returned a tensor of that shape: otherwise a stub
    that does nothing (`return None`, `return X`) would earn the point for leaving X alone.
    A hidden test goes further and also compares the same call with its right value (see
    only_if_right): zeros of the right shape leave X alone too.
    """
    if shape is not None:
        shaped(returned, shape, what, "leaving the inputs alone counts only for a call that computes its result")
    for name, b, a in zip(names, before, after):
        if isinstance(b, torch.Tensor):
            if not isinstance(a, torch.Tensor) or a.shape != b.shape or not torch.equal(a, b):
                raise Mismatch(f"{what} modified its input {name}: it was {show(b)}, afterwards {show(a)}")


def integer(value: Any, expected: int, what: str) -> None:
    if type(value) is not int:
        raise Mismatch(f"{what} returned {kind_of(value)} {show(value)}; it must return a Python int ({expected})")
    if value != expected:
        raise Mismatch(f"{what} returned {value}, expected {expected}")


def int_pair(value: Any, expected: tuple[int, int], what: str) -> None:
    if not isinstance(value, tuple) or len(value) != 2 or any(type(v) is not int for v in value):
        raise Mismatch(f"{what} returned {kind_of(value)} {show(value)}; it must return a tuple of two ints {expected}")
    if value != tuple(expected):
        raise Mismatch(f"{what} returned {value}, expected {tuple(expected)}")


def number(value: Any, expected: float, what: str, tol: float = 1e-6) -> None:
    if type(value) is not float:
        raise Mismatch(f"{what} returned {kind_of(value)} {show(value)}; it must return a Python float")
    if not math.isfinite(value) or abs(value - expected) > tol:
        raise Mismatch(f"{what} returned {value}, expected {expected:.6g}")


def raised(names: list[str], expected: str, what: str, returned: Any = None) -> None:
    """The call must have raised `expected` (a built-in exception class, or a subclass of it)."""
    if expected not in names:
        got = f"raised {names[0]}" if names else f"returned {kind_of(returned)} {show(returned, 200)}"
        raise Mismatch(f"{what} {got}; it must raise {expected}")


def same_dtype(value: Any, expected: torch.dtype, what: str, why: str = "") -> None:
    """The result must have exactly this dtype (a float64 input gives a float64 result)."""
    got = tensor(value, what)
    if got.dtype != expected:
        raise Mismatch(f"{what} returned a tensor of dtype {got.dtype}, expected {expected}" + (f" ({why})" if why else ""))


def new_tensor(shares: list[int] | None, names: list[str], what: str) -> None:
    """The result must be a new tensor, not a view of an argument's memory (`shares`: the positions
    of the arguments it shares memory with, as the call reported them; None when not reported)."""
    if shares:
        which = ", ".join(names[i] if i < len(names) else f"argument {i + 1}" for i in shares)
        raise Mismatch(f"{what} returned a view of {which} (the same memory): the task asks for a new tensor; "
                       "writing into the result would change the input")


def gradients(report: dict, expected: list[torch.Tensor | None], names: list[str], what: str, inputs=()) -> None:
    """Each input's gradient, from a `gradients` probe, must match what autograd gives the reference."""
    if report["connected"] is not True:
        raise Mismatch(f"{what}: its result is not connected to its inputs' autograd graph (numpy, .item(), "
                       "torch.tensor(...) of computed values or .detach() cut it), so no gradient reaches them")
    grads = report["grads"]
    if not isinstance(grads, list) or len(grads) < len(expected):
        raise Mismatch(f"{what}: the gradients could not be read back")
    for name, got, want in zip(names, grads, expected):
        if want is None:
            continue
        if got is None:
            raise Mismatch(f"{what}: no gradient reached {name}")
        close(got, want, f"{what}: the gradient with respect to {name}", inputs=inputs)
