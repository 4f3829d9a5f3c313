"""Helpers for the visible check cells that students run themselves.

A failing check should read like a bug report: what was called, what came back, what
was expected. These helpers build that sentence so each check cell stays one line.
They run in the student's own process and are not a security boundary; the hidden
grader never uses them.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import torch

__all__ = ["NotImplementedYet", "call", "expect", "expect_close", "expect_equal", "expect_shape", "show"]


class NotImplementedYet(AssertionError):
    """The stub still raises NotImplementedError: a plain message, no traceback."""


def show(value: Any, limit: int = 400) -> str:
    """A compact, readable rendering of a value for failure messages."""
    if isinstance(value, torch.Tensor):
        with torch.no_grad():
            body = repr(value.detach().cpu()) if value.numel() <= 64 else (
                f"tensor of shape {tuple(value.shape)}, dtype {value.dtype}"
            )
        text = body
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe_call(fn: Callable, args: tuple, kwargs: dict) -> str:
    name = getattr(fn, "__qualname__", getattr(fn, "__name__", repr(fn)))
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
        parts = [f"{k}={show(v, 200)}" for k, v in bound.arguments.items()]
    except (TypeError, ValueError):
        parts = [show(a, 200) for a in args] + [f"{k}={show(v, 200)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def call(fn: Callable, *args: Any, **kwargs: Any) -> tuple[Any, str]:
    """Call a student's function; a NotImplementedError becomes a plain 'not implemented yet'."""
    described = _describe_call(fn, args, kwargs)
    try:
        return fn(*args, **kwargs), described
    except NotImplementedError:
        name = getattr(fn, "__qualname__", getattr(fn, "__name__", "this function")).split(".")[0]
        raise NotImplementedYet(f"{name} is not implemented yet") from None


def expect_close(got: Any, expected: torch.Tensor, what: str = "the result", atol: float = 1e-5, rtol: float = 1e-4) -> None:
    """Values close to `expected`; float64 results compared as float32 are fine."""
    if not isinstance(got, torch.Tensor):
        raise AssertionError(f"{what} returned {type(got).__name__} {show(got)}, expected a torch.Tensor {show(expected)}")
    if tuple(got.shape) != tuple(expected.shape):
        raise AssertionError(
            f"{what} returned shape {tuple(got.shape)}, expected {tuple(expected.shape)}\n"
            f"  returned: {show(got)}\n  expected: {show(expected)}"
        )
    g = got.detach().to(torch.float64).cpu()
    e = expected.detach().to(torch.float64).cpu()
    if not torch.allclose(g, e, atol=atol, rtol=rtol, equal_nan=True):
        worst = (g - e).abs().max().item()
        raise AssertionError(
            f"{what} returned {show(got)}\n  expected {show(expected)}\n  largest difference {worst:.3g}"
        )


def expect(fn: Callable, *args: Any, expected: Any, atol: float = 1e-5, rtol: float = 1e-4, **kwargs: Any) -> Any:
    """Call fn(*args, **kwargs) and compare with `expected` (a tensor, or any plain value)."""
    got, described = call(fn, *args, **kwargs)
    if isinstance(expected, torch.Tensor):
        expect_close(got, expected, described, atol=atol, rtol=rtol)
    else:
        expect_equal(got, expected, described)
    return got


def expect_equal(got: Any, expected: Any, what: str = "the result") -> None:
    if type(got) is not type(expected) and not (isinstance(got, int) and isinstance(expected, int)):
        if not (isinstance(expected, tuple) and isinstance(got, tuple)):
            raise AssertionError(
                f"{what} returned {type(got).__name__} {show(got)}, expected {type(expected).__name__} {show(expected)}"
            )
    if got != expected:
        raise AssertionError(f"{what} returned {show(got)}, expected {show(expected)}")


def expect_shape(got: Any, shape: tuple, what: str = "the result") -> None:
    if not isinstance(got, torch.Tensor):
        raise AssertionError(f"{what} returned {type(got).__name__}, expected a tensor of shape {shape}")
    if tuple(got.shape) != tuple(shape):
        raise AssertionError(f"{what} returned shape {tuple(got.shape)}, expected {tuple(shape)}")
