"""`course new`: a new assignment, as one folder and one course.yaml entry, that checks out at once.

It writes what an instructor then grows: a teaching notebook (motivation, a worked example, each
stub with its task text and a visible check, optional exercises), the hidden-test module with one
example test per stub and its promise table, and the course.yaml entry with their points. The
placeholder answer (each stub returns its input) is the instructor's to replace; until then the
assignment passes `course check`, the self-check and the grader, so every later edit is checked
against a working whole.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from autograder.config import Course, CourseConfigError

ID = re.compile(r"^[0-9]{2}_[a-z][a-z0-9_]*$")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _meta(cell, **nbgrader) -> nbformat.NotebookNode:
    cell.metadata["nbgrader"] = {"schema_version": 3, "locked": False, "solution": False, "grade": False, **nbgrader}
    return cell


def notebook_for(title: str, stubs: list[str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = [
        nbformat.v4.new_markdown_cell(
            f"# {title}\n\n**Why this matters.** (Motivation: the problem this section solves.)\n\n"
            f"**What you will build:** {', '.join(f'`{s}`' for s in stubs)}.\n\n"
            "**How you are graded.** Fill in every cell marked `# YOUR CODE HERE` and delete the "
            "`raise NotImplementedError()` line. Run the check cells (or `pytest` in this folder) to see what "
            "works; the hidden grader tests more cases than you see here."),
        nbformat.v4.new_code_cell("import torch"),
        nbformat.v4.new_markdown_cell("## A worked example\n\n(Show the idea on a small input, with its output.)"),
        nbformat.v4.new_code_cell("X = torch.arange(6.0).reshape(2, 3)\nprint(X)"),
    ]
    for stub in stubs:
        cells += [
            nbformat.v4.new_markdown_cell(f"## `{stub}`\n\nWrite `{stub}(X)`: return `X` unchanged. (Replace this "
                                          "task text and the answer with the real task.)"),
            _meta(nbformat.v4.new_code_cell(f"def {stub}(X):\n    ### BEGIN SOLUTION\n    return X\n    ### END SOLUTION"),
                  solution=True, grade_id=stub),
            _meta(nbformat.v4.new_code_cell(f"from autograder.student.visible import expect\nexpect({stub}, 2, expected=2)"),
                  grade=True, locked=True, grade_id=f"check_{stub}", points=1),
        ]
    cells.append(nbformat.v4.new_markdown_cell("## Optional exercises\n\n1. (An exercise that goes further.)"))
    nb.cells = cells
    return nb


def hidden_for(stubs: list[str]) -> str:
    tests = "\n".join(f'''
@hidden_test("{stub}", examples=10)
@given(x=st.integers(-1000, 1000))
def {stub}_example(student: Student, x):
    r = student.call("{stub}", x)
    checks.integer(r.value, x, r.described)
''' for stub in stubs)
    rows = "\n".join(
        f'promises.promise(A, "{stub}", "values", "return `X` unchanged", "{stub}_example")\n'
        + "\n".join(f'promises.no_promise(A, "{stub}", "{kind}", "the scaffold\'s task text makes none yet")'
                    for kind in promises_kinds() if kind != "values")
        for stub in stubs)
    return f'''"""Hidden tests: one example per stub, written by `course new`; grow them with the task."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from autograder.grading import checks, promises
from autograder.grading.hidden import Student, hidden_test

A = promises.here(__name__)
{tests}

# ------------------------------------------------------------------ promises
{rows}
'''


def promises_kinds() -> tuple[str, ...]:
    from autograder.grading.promises import KINDS

    return KINDS


def yaml_entry(aid: str, title: str, notebook: str, stubs: list[str]) -> str:
    lines = [f"  - id: {aid}", f"    title: {title}", f"    notebook: {notebook}", "    checks:"]
    lines += [f"      check_{s}: 1" for s in stubs]
    lines += ["    hidden:"] + [f"      {s}_example: 1" for s in stubs]
    return "\n".join(lines) + "\n"


def new(course: Course, aid: str, notebook: str, stubs: list[str], title: str | None = None) -> list[Path]:
    """Write the assignment; the files written (course.yaml included)."""
    if not ID.match(aid):
        raise CourseConfigError(f"assignment id {aid!r}: use two digits, an underscore and lower-case words (08_attention)")
    if any(a.id == aid for a in course.assignments):
        raise CourseConfigError(f"course.yaml already has an assignment {aid}")
    notebook = notebook if notebook.endswith(".ipynb") else f"{notebook}.ipynb"
    if not NAME.match(notebook[:-6]):
        raise CourseConfigError(f"notebook name {notebook!r}: letters, digits and underscores")
    bad = [s for s in stubs if not NAME.match(s)]
    if not stubs or bad:
        raise CourseConfigError(f"stub names must be Python identifiers: {bad or 'give at least one --stub'}")
    folder = course.solutions_dir / aid
    if folder.exists():
        raise CourseConfigError(f"{folder} exists already")
    course_file = course.root / "course.yaml"
    text = course_file.read_text()
    last_key = [line for line in text.splitlines() if line and not line.startswith((" ", "#", "-"))][-1]
    if not last_key.startswith("assignments:"):
        raise CourseConfigError(f"{course_file}: `assignments:` must be the last top-level key to append an entry to it")
    title = title or aid[3:].replace("_", " ").capitalize()
    folder.mkdir(parents=True)
    nbformat.write(notebook_for(title, stubs), folder / notebook)
    (folder / "hidden.py").write_text(hidden_for(stubs))
    course_file.write_text(text.rstrip("\n") + "\n\n" + yaml_entry(aid, title, notebook, stubs))
    return [folder / notebook, folder / "hidden.py", course_file]
