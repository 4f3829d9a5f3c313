"""Reference answers, computed in the trusted parent only.

Two kinds of oracle: torch itself (F.conv2d, nn.MaxPool2d, ...) where torch has the
operation, and the instructor's reference solution (the solution notebook's stub cells)
where it does not. Solutions are read from solutions/, never shipped to the sandbox.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from functools import lru_cache
from typing import Any, Callable

import torch
import torch.nn.functional as F

from autograder import config as course_config
from autograder import notebook


@lru_cache(maxsize=None)
def _solution_namespace(aid: str) -> dict[str, Any]:
    course = course_config.default_course()
    path = course.solutions_dir / aid / course.assignment(aid).notebook
    ns: dict[str, Any] = {"__name__": f"solution_{aid}"}
    for cell in notebook.load_cells(path):
        if cell.role == "stub" or (cell.role == "code" and cell.defined_names()):
            with redirect_stdout(io.StringIO()):
                exec(compile(notebook.runnable_source(cell.source), f"<solution {aid} {cell.label}>", "exec"), ns)  # noqa: S102
        elif cell.role == "code" and cell.source.lstrip().startswith(("import", "from")):
            exec(cell.source, ns)  # noqa: S102 - the solution's own import cell
    return ns


def reference(aid: str, name: str) -> Callable:
    """The instructor's solution of one stub."""
    return _solution_namespace(aid)[name]


def conv2d(X: torch.Tensor, K: torch.Tensor, padding: Any = 0, stride: Any = 1) -> torch.Tensor:
    """Single-channel cross-correlation via torch, in float64."""
    return F.conv2d(X.double()[None, None], K.double()[None, None], padding=padding, stride=stride)[0, 0]


def conv2d_multi(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """X (c_i, h, w), K (c_o, c_i, k_h, k_w) -> (c_o, h', w') via torch, in float64."""
    return F.conv2d(X.double()[None], K.double())[0]


def pool(X: torch.Tensor, pool_size: Any, padding: Any, stride: Any, mode: str) -> torch.Tensor:
    """nn.MaxPool2d / nn.AvgPool2d with their defaults, over any leading dimensions, in float64."""
    lead = X.shape[:-2]
    flat = X.double().reshape((-1, 1) + tuple(X.shape[-2:]))
    fn = F.max_pool2d if mode == "max" else F.avg_pool2d
    out = fn(flat, pool_size, stride=stride if stride is not None else pool_size, padding=padding)
    return out.reshape(tuple(lead) + tuple(out.shape[-2:]))
