"""What a course notebook is made of, read from nbgrader's cell metadata.

Every tool (self-check, release, grader) asks the same questions of a notebook: which
cells are stubs, which are visible checks, which are too slow to run. They are answered
here once, from nbgrader's schema-v3 metadata plus one tag of ours (`slow`).
"""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import nbformat

Role = Literal["stub", "check", "manual", "slow", "code", "markdown"]
SLOW_TAG = "slow"


class NotebookError(ValueError):
    """A notebook could not be read; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Cell:
    index: int
    cell_type: str
    source: str
    role: Role
    grade_id: str | None = None
    points: float | None = None

    @property
    def label(self) -> str:
        """How a person finds this cell: its grade id if it has one, else its position."""
        return f"cell {self.index + 1}" + (f" ({self.grade_id})" if self.grade_id else "")

    def defined_names(self) -> list[str]:
        """Top-level def/class names in a code cell (empty if it does not parse)."""
        try:
            tree = ast.parse(self.source)
        except (SyntaxError, RecursionError, MemoryError, ValueError):  # nested thousands deep, NUL bytes
            return []
        return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]

    def used_names(self) -> set[str]:
        """Every name a code cell reads (empty if it does not parse)."""
        try:
            tree = ast.parse(runnable_source(self.source))
        except (SyntaxError, RecursionError, MemoryError, ValueError):
            return set()
        return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _metadata(cell: nbformat.NotebookNode) -> tuple[dict, list]:
    """The cell's nbgrader metadata and tags, as far as they have the types nbgrader writes.

    A student's file is JSON anyone can edit: nbgrader metadata that is not a mapping, a
    grade_id that is not text, tags that are not a list of text are ignored (the cell is then
    plain code, which still runs), never a crash of the grader."""
    meta = cell.get("metadata", {})
    meta = meta if isinstance(meta, dict) else {}
    nbgrader, tags = meta.get("nbgrader", {}), meta.get("tags", [])
    nbgrader = nbgrader if isinstance(nbgrader, dict) else {}
    tags = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
    return nbgrader, tags


def _role(kind: str, meta: dict, tags: list[str]) -> Role:
    if kind == "markdown":
        return "manual" if meta.get("solution") is True and meta.get("grade") is True else "markdown"
    if kind != "code":  # raw, or a type no tool writes: never run
        return "markdown"
    if meta.get("grade") is True and meta.get("solution") is not True:
        return "check"
    if meta.get("solution") is True:
        return "stub"
    if SLOW_TAG in tags:
        return "slow"
    return "code"


MAX_NOTEBOOK_BYTES = 64 * 1024**2
MAX_CELLS = 2000  # this course's notebooks have under 100; more is a flood, refused before anything runs


def read(path: Path | str) -> nbformat.NotebookNode:
    """A notebook, parsed. A submission's notebook (an `intake.Member`, as find_notebooks returns
    it) is read through intake, never through a link, whatever its name points at by now."""
    if getattr(path, "submission", None) is not None:
        # Imported here: the students' starter repository ships this module without intake.
        from autograder.grading import intake

        where = intake.inside(path)
    else:
        where, path = None, Path(path)
    try:
        if where:
            try:
                data = intake.read_bytes(*where)
            except intake.Refused as exc:
                raise NotebookError(str(exc)) from None
        else:
            with open(path, "rb") as f:
                data = f.read(MAX_NOTEBOOK_BYTES + 1)
            if len(data) > MAX_NOTEBOOK_BYTES:
                raise NotebookError(f"{path.name}: larger than {MAX_NOTEBOOK_BYTES // 1024**2} MiB, more than a notebook may be")
        # read_text's universal newlines, so error positions are counted as before
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except FileNotFoundError:
        raise NotebookError(f"{path}: notebook not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookError(f"{path}: cannot read notebook: {exc}") from None
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise NotebookError(f"{path}: its JSON is nested too deep to be a notebook") from None
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types for malformed files
        raise NotebookError(f"{path}: not a Jupyter notebook: {str(exc)[:300]}") from None
    except RecursionError:
        raise NotebookError(f"{path}: nested too deep to be a notebook") from None
    if len(nb.cells) > MAX_CELLS:
        raise NotebookError(f"{path}: {len(nb.cells)} cells, more than the {MAX_CELLS} a notebook may have")
    return nb


def cells(nb: nbformat.NotebookNode) -> list[Cell]:
    out = []
    for i, c in enumerate(nb.cells):
        if not isinstance(c.get("source"), str):
            raise NotebookError(f"cell {i + 1}: its source is not text (edited by hand?); "
                                "open the notebook in Jupyter and save it again")
        meta, tags = _metadata(c)
        kind = c.get("cell_type") if isinstance(c.get("cell_type"), str) else "raw"
        grade_id, points = meta.get("grade_id"), meta.get("points")
        out.append(
            Cell(
                index=i,
                cell_type=kind,
                source=c.source,
                role=_role(kind, meta, tags),
                grade_id=grade_id if isinstance(grade_id, str) and grade_id else None,
                points=float(points) if type(points) in (int, float) and math.isfinite(points) else None,
            )
        )
    return out


def load_cells(path: Path | str) -> list[Cell]:
    nb = read(path)
    try:
        return cells(nb)
    except NotebookError as exc:
        raise NotebookError(f"{path}: {exc}") from None


def runnable_source(source: str) -> str:
    """Cell source with IPython-only lines (magics, shell escapes) commented out."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append(("# " + line) if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


_SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


def strip_solution_markers(source: str) -> str:
    """A solution cell as a student who solved it would have it: nbgrader's markers removed."""
    return "\n".join(line for line in source.splitlines() if not _SOLUTION_MARKER.match(line))
