"""Solutions → student versions, through nbgrader's own generate_assignment.

nbgrader does the real work (clearing solution regions, locking and checksumming check
cells, recording cells in the gradebook). We add two preprocessors: points come from
course.yaml (the one points table), and only answer cells lose their outputs, so the
worked examples keep the output students should compare against.
"""

from __future__ import annotations

import logging
import re
import os
import sys
import shutil
import tempfile
from pathlib import Path
from typing import Any

from nbgrader.converters import GenerateAssignment
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearMarkScheme,
    ClearSolutions,
    ComputeChecksums,
    IncludeHeaderFooter,
    InstantiateTests,
    LockCells,
    NbGraderPreprocessor,
    SaveCells,
)
from traitlets import Unicode
from traitlets.config import Config

from autograder import config as course_config
from autograder.notebook import cells as notebook_cells


class ReleaseError(RuntimeError):
    pass


class CoursePoints(NbGraderPreprocessor):
    """Set each graded cell's points from course.yaml; refuse cells course.yaml does not know."""

    course_yaml = Unicode("", help="Path to course.yaml").tag(config=True)

    def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
        course = course_config.load(self.course_yaml or None)
        assignment = course.assignment(resources["nbgrader"]["assignment"])
        table = {**assignment.checks, **assignment.manual}
        found = set()
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if not meta.get("grade"):
                continue
            gid = meta.get("grade_id")
            if gid not in table:
                raise ReleaseError(
                    f"{assignment.id}/{assignment.notebook}: graded cell {gid!r} has no points in course.yaml "
                    f"(assignments[{assignment.id}].checks or .manual)"
                )
            meta["points"] = table[gid]
            found.add(gid)
        missing = sorted(set(table) - found)
        if missing:
            raise ReleaseError(f"{assignment.id}/{assignment.notebook}: course.yaml lists {missing}, not in the notebook")
        return nb, resources


class ClearAnswerOutputs(NbGraderPreprocessor):
    """Clear outputs of stub, check and answer cells only; worked examples keep theirs."""

    def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") or meta.get("grade"):
                cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        return nb, resources


PREPROCESSORS = [
    IncludeHeaderFooter,
    CoursePoints,
    InstantiateTests,
    LockCells,
    ClearSolutions,
    ClearAnswerOutputs,
    CheckCellMetadata,
    ComputeChecksums,
    SaveCells,
    ClearHiddenTests,
    ClearMarkScheme,
    ComputeChecksums,
    CheckCellMetadata,
]


def nbgrader_settings(c: Config, course: course_config.Course) -> Config:
    """The nbgrader configuration this course needs; nbgrader_config.py calls this too."""
    c.CourseDirectory.root = str(course.root)
    c.CourseDirectory.course_id = course.id
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "assignments"
    c.GenerateAssignment.preprocessors = PREPROCESSORS
    c.CoursePoints.course_yaml = str(course.root / "course.yaml")
    # An assignment's folder under solutions/ also holds its instructor-side code (hidden tests, oracles,
    # stand-ins, probes: autograder/grading/content.py); nbgrader copies every other file into the release,
    # so code is never copied. `course check` confirms the released folders hold nothing else.
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".hypothesis", ".pytest_cache",
                                "*.py"]
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    return c


def generate(
    course: course_config.Course,
    assignment_ids: list[str] | None = None,
    release_dir: Path | None = None,
    db_url: str | None = None,
) -> Path:
    """Generate student versions of the given assignments (all by default) into release_dir."""
    release_dir = Path(release_dir) if release_dir else course.assignments_dir
    ids = assignment_ids or [a.id for a in course.assignments]
    for aid in ids:
        assignment = course.assignment(aid)
        source = course.solutions_dir / aid / assignment.notebook
        if not source.is_file():
            raise ReleaseError(f"{source}: solution notebook missing for assignment {aid}")
        problems = _check_solution_cells(source)
        if problems:
            raise ReleaseError("\n".join(problems))
    _tools_on_path()
    with tempfile.TemporaryDirectory(prefix="course-release-") as scratch:
        c = nbgrader_settings(Config(), course)
        c.CourseDirectory.release_directory = str(release_dir.resolve())
        c.CourseDirectory.db_url = db_url or f"sqlite:///{Path(scratch) / 'gradebook.db'}"
        for aid in ids:
            target = release_dir / aid
            if target.exists():
                shutil.rmtree(target)
            coursedir = CourseDirectory(config=c)
            coursedir.assignment_id = aid
            converter = GenerateAssignment(coursedir=coursedir, config=c)
            converter.force = True
            captured = _Captured()
            converter.log.addHandler(captured)
            converter.log.setLevel(logging.WARNING)
            converter.log.propagate = False
            try:
                converter.start()
            except Exception as exc:
                raise ReleaseError(f"nbgrader could not generate {aid}: {captured.reason() or exc}") from None
            finally:
                converter.log.removeHandler(captured)
    return release_dir


class _Captured(logging.Handler):
    """Keeps nbgrader's error log so the real reason reaches the instructor, not 'see above'."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.extend(str(record.getMessage()).splitlines())

    def reason(self) -> str:
        errors = [line for line in self.lines if re.match(r"^[\w.]+(Error|Exception): ", line)]
        return errors[-1] if errors else ""


def _tools_on_path() -> None:
    """nbgrader runs `alembic` by name; make this interpreter's scripts findable even without an activated venv."""
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def _check_solution_cells(path: Path) -> list[str]:
    """Each stub is its own cell with exactly one def/class, and grade ids are unique."""
    from autograder.notebook import load_cells

    problems, seen = [], {}
    for cell in load_cells(path):
        if cell.grade_id:
            if cell.grade_id in seen:
                problems.append(f"{path}: grade_id {cell.grade_id!r} used by {seen[cell.grade_id]} and {cell.label}")
            seen[cell.grade_id] = cell.label
        if cell.role == "stub":
            names = cell.defined_names()
            if len(names) != 1 or names[0] != cell.grade_id:
                problems.append(
                    f"{path}: {cell.label} must define exactly one def/class named {cell.grade_id!r}, found {names}"
                )
    return problems


def stub_names(path: Path) -> list[str]:
    """The public API of a notebook: the names its stub cells define."""
    from autograder.notebook import load_cells

    return [c.grade_id for c in load_cells(path) if c.role == "stub" and c.grade_id]


__all__ = ["generate", "nbgrader_settings", "stub_names", "notebook_cells", "ReleaseError"]
