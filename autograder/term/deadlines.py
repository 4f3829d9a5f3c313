"""Due dates and late penalties: when a submission was due, when it came in, what lateness costs.

Every number here is the trusted parent's, from course.yaml (`due`, `timezone`, `late_policy`,
`extensions`) and the submission time nbgrader's collect brought along
(`submitted/<student>/<assignment>/timestamp.txt`), never from the student's process and never
from the clock at grading time: the same submission graded twice costs the same.

The timestamp file is read like every other file of a submission (autograder/grading/intake.py):
without following links, so a link in its place is not trusted. A missing, refused or unreadable
timestamp never counts silently: the submission is treated as on time, and a note naming the
file says so (nbgrader's collect always writes one, so the instructor should look).

A penalty is a share of the assignment's earned points (never more than them, so never below
zero). nbgrader's model carries it: `LatePolicy` is an nbgrader `LateSubmissionPlugin`, the
gradebook gets the due date, the timestamp, the extension and each notebook's
`late_submission_penalty` (term/gradebook.py), and nbgrader's CSV export subtracts it.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Enum, Float

from autograder import config as course_config
from autograder.grading import intake
from autograder.term import witness

UTC = timezone.utc
DAY = 86400.0
TIMESTAMP = "timestamp.txt"  # what nbgrader's submit writes and collect copies into submitted/


@dataclass(frozen=True)
class Lateness:
    """One assignment's lateness for one submission, and its penalty as a share of the earned points."""

    assignment: str
    due: datetime | None  # the deadline for this student, any extension included (aware)
    submitted: datetime | None  # nbgrader's timestamp (aware, UTC); None when unknown
    seconds_late: float = 0.0
    percent: float = 0.0  # of the assignment's earned points
    extended: bool = False
    note: str = ""  # why the timestamp could not be used (the submission then counts as on time)

    @property
    def late(self) -> bool:
        return self.seconds_late > 0

    def points(self, earned: float) -> float:
        """The points taken from `earned` (at most all of them)."""
        return round(max(0.0, earned) * self.percent / 100, 4)

    def describe(self) -> str:
        """One line for people: "submitted 1 day 3 h late: −10%"."""
        if self.note and self.submitted is None:
            return self.note
        ext = " (extended deadline)" if self.extended else ""
        if not self.late:
            text = f"submitted on time{ext}"
        else:
            cost = f"−{self.percent:g}%" if self.percent else "no penalty"
            text = f"submitted {duration(self.seconds_late)} late{ext}: {cost}"
        return f"{text} ({self.note})" if self.note else text

    def to_dict(self, earned: float) -> dict[str, Any]:
        return {"due": _iso(self.due), "submitted": _iso(self.submitted), "seconds_late": round(self.seconds_late, 3),
                "percent": self.percent, "penalty": self.points(earned), "extended": self.extended,
                "note": self.note, "text": self.describe()}

    @classmethod
    def from_dict(cls, assignment: str, d: dict[str, Any]) -> "Lateness":
        return cls(assignment, _parse_iso(d.get("due")), _parse_iso(d.get("submitted")), float(d.get("seconds_late", 0)),
                   float(d.get("percent", 0)), bool(d.get("extended")), str(d.get("note", "")))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def duration(seconds: float) -> str:
    """'1 day 3 h', '3 h 5 min', '12 min', 'under a minute' (rounded down: never more than it was)."""
    s = int(seconds)
    days, hours, minutes = s // 86400, s % 86400 // 3600, s % 3600 // 60
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min" if minutes else "under a minute"


def percent_late(policy: course_config.LatePolicy, seconds_late: float) -> float:
    """The share of the earned points that `seconds_late` costs under `policy`, in percent."""
    if seconds_late <= 0 or policy.kind == "none" or seconds_late <= policy.grace_hours * 3600:
        return 0.0
    if policy.kind == "zero_after_grace":
        return 100.0
    return min(policy.cap_percent, policy.percent_per_day * math.ceil(seconds_late / DAY))


class CoursePenalty(LateSubmissionPlugin):
    """nbgrader's late-submission plugin with course.yaml's policy: `nbgrader autograde` run with
    `AssignLatePenalties.plugin_class = CoursePenalty` computes what this grader computes.

    `late_submission_penalty` returns points, as nbgrader expects (its AssignLatePenalties keeps
    them between 0 and the notebook's score)."""

    kind = Enum(("none", "per_day", "zero_after_grace"), default_value="none").tag(config=True)
    percent_per_day = Float(0.0).tag(config=True)
    cap_percent = Float(100.0).tag(config=True)
    grace_hours = Float(0.0).tag(config=True)

    @classmethod
    def for_policy(cls, policy: course_config.LatePolicy, **kwargs) -> "CoursePenalty":
        return cls(kind=policy.kind, percent_per_day=policy.percent_per_day, cap_percent=policy.cap_percent,
                   grace_hours=policy.grace_hours, **kwargs)

    def policy(self) -> course_config.LatePolicy:
        return course_config.LatePolicy(kind=self.kind, percent_per_day=self.percent_per_day,
                                        cap_percent=self.cap_percent, grace_hours=self.grace_hours)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        share = percent_late(self.policy(), total_seconds_late)
        return round(max(0.0, score) * share / 100, 4) if share else None


def deadline(course: course_config.Course, aid: str, student: str | None) -> tuple[datetime | None, bool]:
    """The student's deadline for the assignment (aware; None when it has no due date), and
    whether an extension set it. `days` count on the wall clock of the due date's zone."""
    due = course.due_at(aid)
    if due is None or student is None:
        return due, False
    for e in course.extensions:
        if e.assignment == aid and e.student == student:
            if e.until is not None:
                return course_config.parse_when(e.until, course.timezone), True
            # Aware + timedelta keeps the wall clock (and the zone) and recomputes the offset: DST-safe.
            return due + timedelta(days=e.days or 0), True
    return due, False


def assess(course: course_config.Course, aid: str, student: str | None, submitted: datetime | None,
           note: str = "") -> Lateness | None:
    """How late `submitted` was for the assignment; None when it has no due date."""
    due, extended = deadline(course, aid, student)
    if due is None:
        return None
    if submitted is None:
        return Lateness(aid, due, None, 0.0, 0.0, extended, note or "no submission time known: counted as on time")
    # Both in UTC before subtracting: Python subtracts two datetimes of the same zone on the wall clock.
    seconds = max(0.0, (submitted.astimezone(UTC) - due.astimezone(UTC)).total_seconds())
    return Lateness(aid, due, submitted.astimezone(UTC), seconds, percent_late(course.policy_for(aid), seconds), extended,
                    note)


def parse_timestamp(text: str) -> datetime:
    """nbgrader's timestamp ('2026-10-03 21:59:12.123456 UTC'), aware in UTC; ValueError when it is not one.
    Unlike nbgrader's parse_utc, a zone name it does not know is an error, not silently UTC."""
    from dateutil.tz import gettz
    from nbgrader.utils import parse_utc

    text = text.strip()
    parts = text.split(" ")
    if not text or len(parts) > 3:
        raise ValueError("not a timestamp")
    numeric = len(parts) == 3 and re.fullmatch(r"[+-]\d{2}:?\d{2}", parts[2])
    if len(parts) == 3 and not numeric and gettz(parts[2]) is None:
        raise ValueError(f"unknown time zone {parts[2]!r}")
    try:
        if numeric:  # parse_utc would read +0200 as 200 seconds
            from dateutil.parser import parse

            return parse(text).astimezone(UTC)
        return parse_utc(text).replace(tzinfo=UTC)
    except (ValueError, OverflowError, TypeError) as exc:
        raise ValueError(str(exc) or "not a timestamp") from None


def collected_at(folder: Path | str, aid: str) -> tuple[datetime | None, str]:
    """The submission time nbgrader's collect wrote into `folder/aid/timestamp.txt` (the student's
    folder under submitted/, not followed if it is a link), or None and a note naming the file."""
    name = f"{aid}/{TIMESTAMP}"
    fallback = "counted as on time; nbgrader's collect always writes it, so check this submission by hand"
    try:
        raw = intake.read_bytes(folder, name, follow_root=False, limit=4096)
    except FileNotFoundError:
        return None, f"{name} is missing: {fallback}"
    except intake.Refused as exc:
        return None, f"{exc}: not trusted as the submission time, {fallback}"
    except OSError as exc:
        return None, f"{name} could not be read ({exc.strerror or exc}): {fallback}"
    try:
        return parse_timestamp(raw.decode("utf-8")), ""
    except (UnicodeDecodeError, ValueError):
        return None, f"{name} holds no readable time: {fallback}"


def witnessed(course: course_config.Course, student: str, aid: str, claimed: datetime | None,
              note: str) -> tuple[datetime | None, str]:
    """The claimed time held to what the grader's own collects saw (term/witness.py): never before a
    collect that did not find this work yet, never after the first one that did."""
    seen = witness.bounds(course, student, aid)
    if seen.earliest is not None and (claimed is None or claimed < seen.earliest):
        said = f"{TIMESTAMP} says {show(claimed)}" if claimed else note.split(":")[0]
        return seen.earliest, (f"{said}, but the grader's collect at {show(seen.earliest)} did not find this work "
                               "yet: counted from that collect")
    if seen.latest is not None and claimed is not None and claimed > seen.latest:
        return seen.latest, f"{TIMESTAMP} says a time after the collect that found this work: counted from that collect"
    return claimed, note


def submitted_ids(folder: Path | str) -> set[str]:
    """The assignment folders a student's submitted/ folder holds (not followed)."""
    try:
        return set(intake.names(folder, follow_root=False))
    except (OSError, intake.Refused):
        return set()


def for_student(course: course_config.Course, folder: Path | str, student: str, aids: Iterable[str]) -> dict[str, Lateness]:
    """Each due assignment among `aids` that the student's submitted/ folder holds, assessed from its timestamp."""
    present = submitted_ids(folder)
    out: dict[str, Lateness] = {}
    for aid in dict.fromkeys(aids):
        if aid not in present or course.assignment(aid).due is None:
            continue
        submitted, note = witnessed(course, student, aid, *collected_at(folder, aid))
        lateness = assess(course, aid, student, submitted, note)
        if lateness is not None:
            out[aid] = lateness
    return out


def at(course: course_config.Course, aids: Iterable[str], submitted: datetime, student: str | None = None) -> dict[str, Lateness]:
    """Lateness of a submission outside a term (`course grade FOLDER --submitted-at`)."""
    out = {aid: assess(course, aid, student, submitted) for aid in dict.fromkeys(aids)}
    return {aid: l for aid, l in out.items() if l is not None}


def show(moment: datetime | None) -> str:
    """'2026-10-03 23:59 Europe/Berlin' (or the offset when the zone has no name)."""
    if moment is None:
        return "no due date"
    name = getattr(moment.tzinfo, "key", None) or moment.strftime("%z")
    return moment.strftime("%Y-%m-%d %H:%M") + f" {name}"


_BLOCK = re.compile(r"^extensions:\s*(\[\s*\])?\s*(#.*)?$")


def extend(course: course_config.Course, aid: str, student: str, *, until: str | None = None,
           days: float | None = None) -> tuple[str, datetime]:
    """Write one student's extension as one line under course.yaml's `extensions:` (replacing
    their earlier one for that assignment); returns the line and the new deadline.

    The file is edited as text, so its comments and layout stay; the result is validated as a
    whole before it replaces course.yaml, so a bad value writes nothing (CourseConfigError)."""
    import yaml

    entry: dict[str, Any] = {"assignment": aid, "student": student}
    entry.update({"until": until} if until is not None else {"days": int(days) if days and float(days).is_integer() else days})
    item = yaml.safe_dump(entry, default_flow_style=True, sort_keys=False, width=10**6).strip()
    path = course.root / "course.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _BLOCK.match(line.rstrip("\n"))), None)
    if start is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines += ["\n# Extensions, one line each (`course extend ASSIGNMENT STUDENT --days N` writes them).\n",
                  "extensions:\n", f"  - {item}\n"]
    else:
        lines[start] = "extensions:\n"
        end, at, indent = start + 1, None, "  "
        while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t#-"):
            text = lines[end].strip()
            if text.startswith("- "):
                indent = lines[end][: len(lines[end]) - len(lines[end].lstrip())]
                try:
                    old = yaml.safe_load(text[2:])
                except yaml.YAMLError:
                    old = None
                if isinstance(old, dict) and old.get("assignment") == aid and str(old.get("student")) == student:
                    at = end
            end += 1
        last = max((i for i in range(start, end) if lines[i].strip() and not lines[i].lstrip().startswith("#")), default=start)
        if at is not None:
            lines[at] = f"{indent}- {item}\n"
        else:
            lines.insert(last + 1, f"{indent}- {item}\n")
    trial = path.with_name(f".{path.name}.extend")
    trial.write_text("".join(lines), encoding="utf-8")
    try:
        changed = course_config.load(trial)
    except course_config.CourseConfigError as exc:
        trial.unlink()
        raise course_config.CourseConfigError(str(exc).replace(str(trial), str(path)) + "\n(course.yaml was not changed)") from None
    os.replace(trial, path)
    due, _ = deadline(changed, aid, student)
    assert due is not None  # validated: an extension needs a due date
    return f"  - {item}", due
