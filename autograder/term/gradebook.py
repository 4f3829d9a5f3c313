"""Scores into nbgrader's gradebook, so `nbgrader export` and formgrader see what the grader decided.

The gradebook mirrors course.yaml: each assignment and notebook, each visible check and
manual answer (the cells nbgrader itself knows), and one grade cell per hidden test,
named `hidden_<test>`. Writes are upserts keyed by (student, assignment, cell), so
storing the same result twice changes nothing and a re-run after a crash counts nothing
twice.

A test the grader could not run (grader_error: data missing, the sandbox could not start)
stores no score: its grade is left without an automatic score and marked as needing grading,
nbgrader's own "pending" (formgrader lists it), never a zero. term.grade_class regrades every
record with such a test on the next run, which then stores the score and clears the mark.
"""

from __future__ import annotations

import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from nbgrader.api import Grade, Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from autograder import config as course_config, notebook

HIDDEN_PREFIX = "hidden_"


def url(course: course_config.Course) -> str:
    return f"sqlite:///{course.root / 'gradebook.db'}"


def cell_name(kind: str, name: str) -> str:
    return HIDDEN_PREFIX + name if kind == "hidden" else name


def sync(course: course_config.Course, ids: Iterable[str] | None = None) -> None:
    """Record assignments, notebooks and every graded cell with its points (from course.yaml)."""
    with Gradebook(url(course)) as gb:
        for a in course.assignments:
            if ids and a.id not in ids:
                continue
            gb.update_or_create_assignment(a.id, duedate=_naive_utc(course.due_at(a.id)))
            try:
                gb.find_notebook(a.notebook_stem, a.id)
            except MissingEntry:
                gb.add_notebook(a.notebook_stem, a.id)
            released = {c.grade_id: c for c in notebook.load_cells(course.assignments_dir / a.id / a.notebook) if c.grade_id}
            for gid, points in a.checks.items():
                gb.update_or_create_grade_cell(gid, a.notebook_stem, a.id, max_score=points, cell_type="code")
            for gid, points in a.manual.items():
                gb.update_or_create_grade_cell(gid, a.notebook_stem, a.id, max_score=points, cell_type="markdown")
                if gid in released:
                    gb.update_or_create_solution_cell(gid, a.notebook_stem, a.id)
            for name, points in a.hidden.items():
                gb.update_or_create_grade_cell(cell_name("hidden", name), a.notebook_stem, a.id, max_score=points, cell_type="code")


def _naive_utc(moment: datetime | None) -> datetime | None:
    """nbgrader's gradebook keeps times as naive UTC."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment else None


def store(course: course_config.Course, student: str, results: dict, timestamp: str | None = None) -> None:
    """Write one student's graded results (a record, report.record), and with them nbgrader's view of
    lateness: the assignment's due date, the submission's timestamp and extension, and the notebook's
    late_submission_penalty (nbgrader's export subtracts it from the score)."""
    by_assignment: dict[str, list[dict]] = {}
    for t in results["tests"]:
        by_assignment.setdefault(t["assignment"], []).append(t)
    with warnings.catch_warnings(), Gradebook(url(course)) as gb:
        # nbgrader's add_submission trips SQLAlchemy's autoflush warnings; they are harmless here.
        warnings.simplefilter("ignore", category=SAWarning)
        gb.update_or_create_student(student)
        for aid, tests in by_assignment.items():
            a = course.assignment(aid)
            late = (results.get("late") or {}).get(aid)
            kwargs: dict = {"timestamp": timestamp} if timestamp else {}
            if late and late.get("submitted"):
                kwargs["timestamp"] = _naive_utc(datetime.fromisoformat(late["submitted"]))
            base = course.due_at(aid)
            gb.update_or_create_assignment(aid, duedate=_naive_utc(base))
            sub = gb.update_or_create_submission(aid, student, **kwargs)
            mine = _naive_utc(datetime.fromisoformat(late["due"])) if late and late.get("due") else None
            sub.extension = (mine - _naive_utc(base)) if late and late.get("extended") and mine and base else None
            nb = next(n for n in sub.notebooks if n.name == a.notebook_stem)
            nb.late_submission_penalty = float(late["penalty"]) if late and late.get("penalty") else None
            for t in tests:
                cell = gb.find_grade_cell(cell_name(t["kind"], t["test"]), a.notebook_stem, aid)
                try:
                    grade = gb.find_grade(cell.name, a.notebook_stem, aid, student)
                except MissingEntry:  # a cell recorded after this submission was first stored
                    grade = Grade(cell_id=cell.id, notebook=nb)
                    gb.db.add(grade)
                if t.get("grader_error"):
                    grade.auto_score = None  # pending: not a zero
                    grade.needs_manual_grade = True
                else:
                    grade.auto_score = float(t["score"])
                    grade.needs_manual_grade = False
            gb.db.commit()


def export_csv(course: course_config.Course, path: Path) -> Path:
    """nbgrader's own CSV export of the gradebook, its lines cleaned (autograder/reports/clean.py): a
    student id is a folder name, and neither a spreadsheet nor a terminal may act on what it holds.
    (nbgrader writes one unquoted line per row; a carriage return in a field does not split it here.)"""
    from nbgrader.plugins import CsvExportPlugin

    from autograder.reports import clean

    plugin = CsvExportPlugin()
    plugin.to = str(path)
    with Gradebook(url(course)) as gb:
        plugin.export(gb)
    path = Path(path)
    lines = path.read_bytes().decode("utf-8", errors="replace").split("\n")  # no newline translation
    path.write_text("\n".join(clean.text(line).replace("\n", " ") for line in lines), encoding="utf-8")
    return path
