"""When work arrived, as the grader itself saw it: a log of what each `course collect` found.

nbgrader's `timestamp.txt` is written by `nbgrader submit` in the student's own account, and the
exchange's inbound folder is theirs to write: the time in it is the student's claim, and a student
who submits late can claim any time. The grader trusts only what it saw. Every collect appends one
line per assignment to `collect-log.jsonl` (the instructor's course folder, beside gradebook.db):
when it ran and a digest of each student's collected work. That bounds the claim:

* work is submitted no later than the first collect that found it (`latest`);
* and, when an earlier collect found something else or nothing, no earlier than that collect
  (`earliest`).

deadlines.py clamps the claimed time into these bounds. An instructor who collects at the deadline
(or on a schedule) makes a backdated claim useless; without a log (work put into submitted/ by
hand) the claim stands alone, as in nbgrader.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from autograder import config as course_config
from autograder.grading import intake

LOG = "collect-log.jsonl"
TIMESTAMP = "timestamp.txt"  # the claim itself is not part of the work it dates


@dataclass(frozen=True)
class Bounds:
    """What the collect log says of one student's current work for one assignment (aware, UTC)."""

    earliest: datetime | None = None  # a collect that did not find this work yet
    latest: datetime | None = None  # the first collect that found it


def log_path(course: course_config.Course) -> Path:
    return course.root / LOG


def digest(student_folder: Path | str, aid: str) -> str | None:
    """The work in one student's collected assignment (timestamp.txt left out); None when there is none.

    Read as grading reads it (grading/intake.py): no link is followed, the student's folder included,
    so a folder that leads to a classmate's is no work, and a link inside counts as what it is."""
    h, found = hashlib.sha256(), False
    try:
        entries = list(intake.walk(student_folder, follow_root=False, skip=lambda rel, _st: rel.parts[0] != aid))
    except (FileNotFoundError, NotADirectoryError):
        return None
    for e in entries:
        if e.rel.parts[:1] != (aid,):
            return None  # the student's folder itself is refused (a link)
        found = True
        rel = e.rel.relative_to(aid).as_posix() if e.rel.parts[1:] else ""
        if e.kind == "dir" or rel == TIMESTAMP or ".ipynb_checkpoints" in e.rel.parts:
            continue
        h.update(os.fsencode(rel) + b"\0")  # a name's own bytes, valid UTF-8 or not
        try:
            h.update(intake.read_bytes(student_folder, e.rel, follow_root=False) if e.kind == "file" else b"\0refused")
        except (OSError, intake.Refused):
            h.update(b"\0unreadable")
    return h.hexdigest() if found else None


def record(course: course_config.Course, aids: Iterable[str], students: Iterable[str],
           now: datetime | None = None) -> None:
    """Append what this collect found for each assignment: every student's digest (None: nothing)."""
    at = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat()
    root = course.root / "submitted"
    lines = []
    for aid in aids:
        seen = {s: digest(root / s, aid) for s in students}
        lines.append(json.dumps({"at": at, "assignment": aid, "seen": seen}, sort_keys=True) + "\n")
    with open(log_path(course), "a", encoding="utf-8") as f:
        f.writelines(lines)


def _entries(course: course_config.Course, aid: str) -> list[tuple[datetime, dict]]:
    try:
        text = log_path(course).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines():
        try:
            item = json.loads(line)
            if item.get("assignment") == aid and isinstance(item.get("seen"), dict):
                out.append((datetime.fromisoformat(item["at"]).astimezone(timezone.utc), item["seen"]))
        except (ValueError, TypeError, KeyError, AttributeError):
            continue  # a torn last line (a collect killed mid-write) says nothing
    return sorted(out, key=lambda e: e[0])


def bounds(course: course_config.Course, student: str, aid: str) -> Bounds:
    """The log's bounds on when the work now in submitted/<student>/<aid> was submitted."""
    current = digest(course.root / "submitted" / student, aid)
    if current is None:
        return Bounds()
    entries = _entries(course, aid)
    first = next((i for i, (_, seen) in enumerate(entries) if seen.get(student) == current), None)
    if first is None:
        return Bounds()
    before = [at for at, seen in entries[:first] if seen.get(student) != current]
    return Bounds(before[-1] if before else None, entries[first][0])
