"""Grades out to a learning management system: Canvas, Moodle, or a plain CSV keyed by one column.

nbgrader knows students by their folder names; an LMS knows them by its own ids. A roster CSV
(`read_roster`) maps one to the other. Scores come from the gradebook, the same source as
`course export`'s default nbgrader CSV, after nbgrader's late-submission penalty.

What a cell holds, and why:

* a number: the assignment's score in the gradebook, after any late penalty (never below 0);
* blank: nothing to import yet. Canvas reads a blank as "ungraded" and Moodle as "no grade", so a
  blank never counts as a zero. It is used for a roster student with no submission (unless
  `missing_as_zero`), and always for an assignment holding a test the grader could not run
  (a grader error: pending, graded by the next run, never the student's zero).

Nobody is dropped silently: students graded but absent from the roster, roster students without a
submission and pending assignments come back in `Export` for the command to report.

Every text cell passes through `clean.name` (control characters, paths) and `cell` (spreadsheet
formula injection: a value a spreadsheet would evaluate is prefixed with an apostrophe).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from autograder import config as course_config
from autograder.reports import clean

FORMATS = ("canvas", "moodle", "csv")

# Roster columns this module reads; any other column is kept (for `--format csv --key COLUMN`).
STUDENT_ID = "student_id"  # the nbgrader student id (the folder name under submitted/): required
ROSTER_COLUMNS = {
    STUDENT_ID: "nbgrader student id (required, unique)",
    "name": "display name (Canvas: Student)",
    "canvas_id": "Canvas user id, digits (Canvas: ID)",
    "sis_user_id": "Canvas SIS User ID",
    "sis_login_id": "Canvas SIS Login ID",
    "section": "Canvas Section",
    "email": "Moodle: email address",
    "username": "Moodle: username",
    "idnumber": "Moodle: ID number",
}
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_KEYS = {"email": "Email address", "username": "Username", "idnumber": "ID number"}

# First characters a spreadsheet may treat as the start of a formula (OWASP's list, with the
# full-width forms some spreadsheets fold onto them).
_FORMULA_START = set("=+-@\t\r\n") | {"\uff1d", "\uff0b", "\uff0d", "\uff20"}


class RosterError(course_config.CourseConfigError):
    """The roster cannot be used; the message names the file and the line."""


@dataclass
class Roster:
    path: Path
    columns: list[str]
    rows: dict[str, dict[str, str]]  # student_id -> its row, in file order


@dataclass
class Cell:
    """One student's result for one assignment."""

    score: float | None      # after the late penalty; None when there is nothing to import
    status: str               # "graded", "pending" (grader error), "missing" (no submission)
    manual_waiting: bool = False  # written answers not yet graded by hand (counted as 0 so far)


@dataclass
class Export:
    path: Path
    written: int = 0
    not_in_roster: list[str] = field(default_factory=list)   # graded, but the roster lacks them
    no_submission: list[str] = field(default_factory=list)   # "student: assignment" with nothing graded
    pending: list[str] = field(default_factory=list)         # "student: assignment" with a grader error
    manual_waiting: int = 0                                   # submissions with written answers still to grade
    missing_as_zero: bool = False
    assignments: int = 0                                      # columns exported


def cell(value: object) -> str:
    """A text cell no spreadsheet will evaluate: cleaned to one line, and prefixed with an apostrophe
    when it begins (or begins after spaces) with a formula character."""
    raw = "" if value is None else str(value)
    text = clean.name(raw)
    first = raw[:1]
    stripped = text.lstrip(" ")
    if first in _FORMULA_START or (stripped[:1] in _FORMULA_START):
        return "'" + text
    return text


def number(value: float | None) -> str:
    return "" if value is None else f"{round(value, 4):g}"


def read_roster(path: Path | str, fmt: str = "csv", key: str | None = None) -> Roster:
    """Read and check a roster CSV: a header row with `student_id`, one row per student. Each problem
    raises RosterError naming the file and the line (the header is line 1)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's byte-order mark is fine
    except FileNotFoundError:
        raise RosterError(f"{path}: roster not found") from None
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save the roster as CSV UTF-8") from None
    reader = csv.reader(text.splitlines())
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise RosterError(f"{path}: empty; expected a header row with {STUDENT_ID}") from None
    if STUDENT_ID not in header:
        raise RosterError(f"{path}, line 1: no {STUDENT_ID} column (the nbgrader student id); header is {', '.join(header) or '(empty)'}")
    dup = sorted({h for h in header if header.count(h) > 1 and h})
    if dup:
        raise RosterError(f"{path}, line 1: column {dup[0]} appears twice")
    needed = _needed(fmt, key)
    for col in needed:
        if col not in header:
            raise RosterError(f"{path}, line 1: --format {fmt} needs a {col} column ({ROSTER_COLUMNS.get(col, 'the --key column')})")
    rows: dict[str, dict[str, str]] = {}
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue  # blank lines are harmless
        if len(values) != len(header):
            raise RosterError(f"{path}, line {line}: {len(values)} fields, the header has {len(header)}")
        row = {h: v.strip() for h, v in zip(header, values)}
        sid = row[STUDENT_ID]
        if not sid:
            raise RosterError(f"{path}, line {line}: empty {STUDENT_ID}")
        if sid in rows:
            raise RosterError(f"{path}, line {line}: student {cell(sid)} is listed twice")
        if row.get("canvas_id") and not row["canvas_id"].isdigit():
            raise RosterError(f"{path}, line {line}: canvas_id {cell(row['canvas_id'])} is not a number (Canvas user ids are digits)")
        if fmt == "canvas" and not (row.get("canvas_id") or row.get("sis_user_id")):
            raise RosterError(f"{path}, line {line}: {cell(sid)} has neither canvas_id nor sis_user_id; Canvas matches students on one of them")
        for col in needed:
            if col in (key, *MOODLE_KEYS) and not row[col]:
                raise RosterError(f"{path}, line {line}: {cell(sid)} has an empty {col}, the column students are matched on")
        rows[sid] = row
    return Roster(path, header, rows)


def _needed(fmt: str, key: str | None) -> list[str]:
    if fmt == "canvas":
        return []  # canvas_id or sis_user_id, checked per row
    if fmt == "moodle":
        return [key or "email"]
    if fmt == "csv":
        if not key:
            raise RosterError("--format csv needs --key COLUMN: the roster column that identifies students")
        return [key]
    raise RosterError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")


def gradebook_cells(course: course_config.Course) -> dict[str, dict[str, Cell]]:
    """Every graded student's cells, per assignment, read from nbgrader's gradebook.

    An assignment is pending when a test of it is a grader error. The student's record
    (autograded/<student>/record.json, its `pending` list) says which; without a record, a code
    cell left unscored and marked for grading says so (term/gradebook.py stores grader errors
    that way; a test never run at all, as with --no-train, looks the same there, hence the record
    first). A written answer (markdown cell) without a score is still waiting for a human; it
    counts 0 until graded, as in nbgrader's own export."""
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.term import classroom, gradebook

    out: dict[str, dict[str, Cell]] = {}
    with Gradebook(gradebook.url(course)) as gb:
        for student in gb.students:
            mine = out.setdefault(student.id, {})
            rec = classroom.load_record(course, student.id) if _plain_name(student.id) else None
            errors = {str(p).split("/", 1)[0] for p in rec.get("pending", [])} if isinstance(rec, dict) else None
            for a in course.assignments:
                try:
                    sub = gb.find_submission(a.id, student.id)
                except MissingEntry:
                    mine[a.id] = Cell(None, "missing")
                    continue
                grades = [g for nb in sub.notebooks for g in nb.grades]
                pending = a.id in errors if errors is not None else any(
                    g.cell_type == "code" and g.auto_score is None and g.manual_score is None and g.needs_manual_grade
                    for g in grades)
                waiting = any(g.cell_type == "markdown" and g.manual_score is None for g in grades)
                if pending:
                    mine[a.id] = Cell(None, "pending", waiting)
                else:
                    penalty = sub.late_submission_penalty or 0.0
                    mine[a.id] = Cell(max(0.0, float(sub.score) - float(penalty)), "graded", waiting)
    return out


def _plain_name(student: str) -> bool:
    """A student id usable as a folder name under autograded/ (no separator, not . or ..)."""
    return bool(student) and "/" not in student and "\0" not in student and student not in (".", "..")


def max_points(a: course_config.Assignment) -> float:
    return sum(a.checks.values()) + sum(a.manual.values()) + sum(a.hidden.values())


def rows(course: course_config.Course, roster: Roster, cells: dict[str, dict[str, Cell]], fmt: str,
         key: str | None = None, missing_as_zero: bool = False) -> tuple[list[list[str]], Export]:
    """The CSV's rows (header first) and what the instructor must hear about."""
    report = Export(Path(), missing_as_zero=missing_as_zero, assignments=len(course.assignments))
    assignments = course.assignments
    if fmt == "canvas":
        titles = [f"{a.title} ({a.canvas_id})" if a.canvas_id else a.title for a in assignments]
        table = [[*CANVAS_IDENTITY, *map(cell, titles)],
                 # Canvas's own export has this row; on import it sets the points of new assignments.
                 ["    Points Possible", "", "", "", "", *(number(max_points(a)) for a in assignments)]]
    elif fmt == "moodle":
        k = key or "email"
        table = [[MOODLE_KEYS.get(k, k), *(cell(a.title) for a in assignments)]]
    else:
        table = [[cell(key), *(cell(a.id) for a in assignments)]]
    for sid, row in roster.rows.items():
        mine = cells.get(sid, {})
        values = []
        for a in assignments:
            c = mine.get(a.id, Cell(None, "missing"))
            if c.status == "pending":
                report.pending.append(f"{clean.name(sid)}: {a.id}")
            elif c.status == "missing":
                report.no_submission.append(f"{clean.name(sid)}: {a.id}")
                c = Cell(0.0, "missing") if missing_as_zero else c
            report.manual_waiting += c.manual_waiting
            values.append(number(c.score))
        if fmt == "canvas":
            ident = [row.get("name") or sid, row.get("canvas_id", ""), row.get("sis_user_id", ""),
                     row.get("sis_login_id", ""), row.get("section", "")]
        else:
            ident = [row[key or "email"]]
        table.append([*map(cell, ident), *values])
        report.written += 1
    report.not_in_roster = sorted(clean.name(s) for s in cells if s not in roster.rows)
    return table, report


def export(course: course_config.Course, roster_path: Path | str, out: Path | str, fmt: str,
           key: str | None = None, missing_as_zero: bool = False) -> Export:
    """Write the LMS's CSV from the gradebook; see the module's docstring for what each cell means."""
    if fmt == "moodle" and key and key not in MOODLE_KEYS:
        raise RosterError(f"--format moodle matches students on one of {', '.join(MOODLE_KEYS)}, not {key!r}")
    roster = read_roster(roster_path, fmt, key)
    table, report = rows(course, roster, gradebook_cells(course), fmt, key, missing_as_zero)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_MINIMAL).writerows(table)
    report.path = out
    return report


def summary(report: Export, limit: int = 10) -> list[str]:
    """The lines the command prints after writing: who is absent, who has nothing, what is pending."""
    def few(items: list[str]) -> str:
        return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")

    def grouped(items: list[str]) -> str:
        """"student: assignment" entries, one group per student ("dana: all 8" when nothing at all)."""
        per: dict[str, list[str]] = {}
        for item in items:
            who, _, what = item.rpartition(": ")
            per.setdefault(who, []).append(what)
        return few([f"{who}: {'all ' + str(len(aids)) if len(aids) == report.assignments > 1 else ', '.join(aids)}"
                    for who, aids in per.items()])

    lines = []
    if report.not_in_roster:
        lines.append(f"graded but not in the roster, so not exported: {few(report.not_in_roster)}")
    if report.no_submission:
        how = "exported as 0 (--missing-as-zero)" if report.missing_as_zero else "exported blank: ungraded, not zero"
        lines.append(f"no submission ({how}): {grouped(report.no_submission)}")
    if report.pending:
        lines.append(f"pending, the grader could not run some tests (exported blank, never zero; "
                     f"`course grade --all` grades them again): {grouped(report.pending)}")
    if report.manual_waiting:
        lines.append(f"{report.manual_waiting} submission(s) have written answers not graded by hand yet "
                     "(they count 0 until graded in formgrader)")
    return lines

