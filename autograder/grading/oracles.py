"""The instructor's reference solutions, computed in the trusted parent only.

Read from the solution notebook's stub cells in solutions/, never shipped to the sandbox. Oracles
of the course's own (torch.nn, torchvision adapters) are course content: solutions/shared/ and
each assignment's oracles.py.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from autograder import notebook
from autograder.config import Course


@lru_cache(maxsize=None)
def _solution_namespace(path: Path, aid: str) -> dict[str, Any]:
    ns: dict[str, Any] = {"__name__": f"solution_{aid}"}
    for cell in notebook.load_cells(path):
        if cell.role == "stub" or (cell.role == "code" and cell.defined_names()):
            with redirect_stdout(io.StringIO()):
                exec(compile(notebook.runnable_source(cell.source), f"<solution {aid} {cell.label}>", "exec"), ns)  # noqa: S102
        elif cell.role == "code" and cell.source.lstrip().startswith(("import", "from")):
            exec(cell.source, ns)  # noqa: S102 - the solution's own import cell
    return ns


def reference(course: Course, aid: str, name: str) -> Callable:
    """The instructor's solution of one stub."""
    path = (course.solutions_dir / aid / course.assignment(aid).notebook).resolve()
    return _solution_namespace(path, aid)[name]
