"""Build submissions for the grader's own tests from the released notebooks.

A submission starts as the student version in assignments/ with every stub answered by
the reference solution (markers removed, as a student's file would be); then one stub's
cell is replaced by a corpus file: a correct alternative, a one-bug mutant, or a hostile
submission. Corpus files hold one cell's source and name their target in their file
name: `<stub>__<what>.py`.

A corpus file may also carry extra code cells, as a student adds cells in Jupyter: a line
`# %% extra cell` starts one, a line `# %% stub cell` starts the stub's own cell again.
Text before the first such line belongs to the stub's cell, so a file without them is one
cell, exactly as before. Extra cells are inserted, in order, right before the stub's cell,
as plain code cells without nbgrader metadata (`corpus_cells`, and `extra=` below).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from autograder import config, notebook
from autograder.notebook import load_cells

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent
EXTRA_CELL = "# %% extra cell"
STUB_CELL = "# %% stub cell"


strip_markers = notebook.strip_solution_markers


def stub_assignment(stub: str, course: config.Course) -> str:
    for a in course.assignments:
        cells = load_cells(course.solutions_dir / a.id / a.notebook)
        if any(c.role == "stub" and c.grade_id == stub for c in cells):
            return a.id
    raise KeyError(f"no assignment has a stub named {stub}")


def answered_notebook(course: config.Course, aid: str, replace: dict[str, str] | None = None,
                      extra: dict[str, list[str]] | None = None) -> nbformat.NotebookNode:
    """The released notebook with every stub answered by the solution, except those in `replace`;
    `extra` maps a stub to code cells inserted right before its cell (cells a student added)."""
    from autograder.authoring.audit.runner import answered_notebook as answered

    nb = answered(course, aid, replace)
    solution = {c.grade_id for c in load_cells(course.solutions_dir / aid / course.assignment(aid).notebook) if c.role == "stub"}
    if extra:
        unknown = set(extra) - set(solution)
        if unknown:
            raise KeyError(f"{aid} has no stub named {', '.join(sorted(unknown))}")
        cells = []
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
                cells += [nbformat.v4.new_code_cell(source) for source in extra.get(gid, [])]
            cells.append(cell)
        nb.cells = cells
    return nb


def write_submission(folder: Path, course: config.Course, aid: str, replace: dict[str, str] | None = None,
                     extra: dict[str, list[str]] | None = None) -> Path:
    a = course.assignment(aid)
    target = Path(folder) / aid / a.notebook
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(answered_notebook(course, aid, replace, extra), target)
    return target


def corpus_cells(source: str) -> tuple[list[str], str]:
    """A corpus file's extra cells (in order) and its stub's own cell; see the module docstring."""
    if not any(line.strip() in (EXTRA_CELL, STUB_CELL) for line in source.splitlines()):
        return [], source
    extras: list[list[str]] = []
    stub: list[str] = []
    current = stub
    for line in source.splitlines():
        if line.strip() == EXTRA_CELL:
            extras.append([])
            current = extras[-1]
        elif line.strip() == STUB_CELL:
            current = stub
        else:
            current.append(line)
    return ["\n".join(cell).strip("\n") + "\n" for cell in extras], "\n".join(stub).strip("\n") + "\n"


def corpus_files(kind: str) -> list[Path]:
    return sorted(p for p in (CORPUS / kind).glob("*.py"))


def target_of(path: Path) -> str:
    return path.stem.split("__", 1)[0]
