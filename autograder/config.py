"""course.yaml: the single description of the course, validated when loaded.

Everything that varies between terms (points, limits, the training protocols, the data
root) lives in course.yaml so that code never hard-codes a points table twice.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timezone, tzinfo
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DATA_ROOT_ENV = "COURSE_DATA_ROOT"
COURSE_FILE_ENV = "COURSE_YAML"
LOADED_ROOTS: set[str] = set()  # every course root loaded in this process (see autograder/reports/clean.py)
DATA_CACHE = "cnn-course"  # the per-user default: $XDG_CACHE_HOME/cnn-course/data, or ~/.cache/cnn-course/data


class CourseConfigError(ValueError):
    """course.yaml is missing, unreadable or invalid; the message names the bad key."""


class GraderUnavailable(RuntimeError):
    """The grader cannot do its job here (data missing, the sandbox cannot start, disk full,
    CUDA broken): the instructor must fix something. Never the student's fault, never a grade:
    a test that raises it is a grader error (pending, regraded by the next run). The message
    says what to fix, in the instructor's terms."""


class _Strict(BaseModel):
    # Unknown keys are typos more often than not: reject them so they get named.
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeLimits(_Strict):
    cell_seconds: float = Field(60, gt=0)
    call_seconds: float = Field(20, gt=0)
    test_seconds: float = Field(120, gt=0)
    training_seconds: float = Field(900, gt=0)  # one training test (a network trained by the grader's loop)
    # Everything one assignment may take (loading, reloads after crashes, every test but training);
    # unset, 3 x cell_seconds. The child cannot extend any of these budgets.
    assignment_seconds: float | None = Field(None, gt=0)

    @property
    def assignment_budget(self) -> float:
        return self.assignment_seconds or 3 * self.cell_seconds


class SandboxLimits(_Strict):
    """What one sandbox (a child process and everything it starts) may use, all its processes
    together: enforced by the kernel's control groups where the grader can use them (tmpfs,
    shared memory and memfds included), else by the grader's memory watchdog (autograder/runtime/cgroups.py)."""

    memory_gib: float = Field(3, ge=0.75, le=1024)  # a fresh sandbox, torch imported, holds about 0.36
    # The child that trains a student's network. The chapter's reference network's sandbox peaked at 0.61 GiB
    # room for wider nets and, on a GPU, CUDA's host-side libraries (not measured yet: no GPU here).
    training_memory_gib: float = Field(4, ge=1, le=1024)
    # GPU memory one student's training may hold (torch's per-process cap, the watchdog behind it).
    # The chapter's reference network needs well under 1 GiB with the dataset on the device; the rest
    # is room for wider variants. With N students on one GPU (course grade --all --jobs N), keep N x
    # this below the card's memory.
    gpu_memory_gib: float = Field(8, gt=0, le=1024)
    processes: int = Field(128, ge=16, le=65536)  # threads count too
    tmp_mib: int = Field(512, ge=16)  # the private /tmp
    shm_mib: int = Field(64, ge=1)  # the private /dev/shm
    cpus: float = Field(1, gt=0, le=1024)  # cores one sandbox may keep busy; training gets its worker's share

    @model_validator(mode="after")
    def _tmpfs_within_memory(self) -> "SandboxLimits":
        if (self.tmp_mib + self.shm_mib) / 1024 >= self.memory_gib:
            raise ValueError(f"tmp_mib ({self.tmp_mib}) and shm_mib ({self.shm_mib}) must together stay below "
                             f"memory_gib ({self.memory_gib} GiB): /tmp and /dev/shm are memory, counted in it")
        return self


class CreditRung(_Strict):
    accuracy: float = Field(ge=0, le=1)
    fraction: float = Field(gt=0, lt=1)


class TrainingProtocol(_Strict):
    """How the grader trains a student's network in a training test (autograder/grading/trained.py), and
    what test accuracy earns its points. `target` is the class the notebook asks for; the
    reference solution's class of that name is the architecture the weights are judged with."""

    target: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    seed: int = 0
    epochs: int = Field(10, ge=1)
    batch_size: int = Field(256, ge=1)
    lr: float = Field(0.9, gt=0)
    optimizer: Literal["sgd"] = "sgd"
    init: Literal["xavier_uniform"] = "xavier_uniform"
    loss: Literal["cross_entropy"] = "cross_entropy"
    # Off until measured on a GPU against the eager loop (benchmarks/gpu_session.sh does both);
    # ignored on the CPU.
    cuda_graphs: bool = False
    threshold: float = Field(gt=0, le=1)
    partial_credit: list[CreditRung] = []
    # Post the grader's own test accuracy to Gradescope's leaderboard (results.json `leaderboard`).
    leaderboard: bool = False

    @model_validator(mode="after")
    def _rungs_below_threshold(self) -> "TrainingProtocol":
        for rung in self.partial_credit:
            if rung.accuracy >= self.threshold:
                raise ValueError(
                    f"partial_credit rung at accuracy {rung.accuracy} must lie below threshold {self.threshold}"
                )
        return self

    def credit(self, accuracy: float) -> float:
        """Fraction of the training test's points earned at this test accuracy."""
        if accuracy >= self.threshold:
            return 1.0
        reached = [r.fraction for r in self.partial_credit if accuracy >= r.accuracy]
        return max(reached, default=0.0)


# A moment in course.yaml: a date and a wall-clock time, then optionally its zone (an IANA name or an
# offset); without one, the course's `timezone`.
_WHEN = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?)\s*(Z|[+-]\d{2}:?\d{2}|[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*)?$")
WHEN_FORMAT = "'YYYY-MM-DD HH:MM', optionally followed by a time zone ('2026-10-03 23:59 Europe/Berlin', '2026-10-03 23:59 +02:00')"


def zone(name: str) -> tzinfo:
    """An IANA time zone such as Europe/Berlin (or UTC); ValueError naming it when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"unknown time zone {name!r}: give an IANA name such as Europe/Berlin, or UTC") from None


def when_text(value: object) -> object:
    """YAML reads `2026-10-03 23:59:00` as a datetime and `2026-10-03` as a date: back to course.yaml's text."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        raise ValueError(f"{value} has no time of day: give {WHEN_FORMAT}")
    return value


def parse_when(text: str, default_zone: str = "UTC") -> datetime:
    """A moment written in course.yaml, as an aware datetime; ValueError saying what is wrong.

    A wall-clock time the zone skips (clocks jumping forward) is refused rather than guessed; one it
    repeats (clocks falling back) is the first of the two."""
    m = _WHEN.match(str(text).strip())
    if not m:
        raise ValueError(f"{text!r} is not a date and time: give {WHEN_FORMAT}")
    day, clock, tz = m.groups()
    try:
        naive = datetime.fromisoformat(f"{day} {clock.zfill(5) if clock.count(':') == 1 else clock.zfill(8)}")
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from None
    if tz and (tz == "Z" or tz[0] in "+-"):
        offset = "+00:00" if tz == "Z" else (tz if ":" in tz else f"{tz[:3]}:{tz[3:]}")
        return datetime.fromisoformat(f"{naive.isoformat()}{offset}")
    where = zone(tz or default_zone)
    moment = naive.replace(tzinfo=where)
    if moment.astimezone(timezone.utc).astimezone(where).replace(tzinfo=None) != naive:
        raise ValueError(f"{text!r} does not exist in {tz or default_zone}: the clocks skip it (daylight saving time)")
    return moment


class LatePolicy(_Strict):
    """What lateness costs, as a share of the assignment's earned points (autograder/term/deadlines.py).

    none: nothing. per_day: percent_per_day for each day or part of a day late, at most cap_percent.
    zero_after_grace: everything once more than grace_hours late. In both, lateness up to
    grace_hours costs nothing (per_day then counts its days from the due date itself)."""

    kind: Literal["none", "per_day", "zero_after_grace"] = "none"
    percent_per_day: float = Field(0, ge=0, le=100)
    cap_percent: float = Field(100, ge=0, le=100)
    grace_hours: float = Field(0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        return {"kind": "none"} if value in ("none", None) else value

    @model_validator(mode="after")
    def _per_day_needs_a_rate(self) -> "LatePolicy":
        if self.kind == "per_day" and self.percent_per_day <= 0:
            raise ValueError("kind per_day needs percent_per_day above 0")
        return self


class Extension(_Strict):
    """One student's later deadline for one assignment (`course extend` writes these, one line each):
    `until` a moment (in the course's time zone unless it names its own), or `days` after the due
    date, counted on the wall clock (23:59 stays 23:59 across a daylight-saving change)."""

    assignment: str
    student: str = Field(min_length=1)
    until: str | None = None
    days: float | None = Field(None, gt=0)

    @field_validator("until", mode="before")
    @classmethod
    def _until_text(cls, value: object) -> object:
        return when_text(value)

    @model_validator(mode="after")
    def _one_of(self) -> "Extension":
        if (self.until is None) == (self.days is None):
            raise ValueError(f"extension for {self.student} on {self.assignment}: give exactly one of until or days")
        if self.until is not None:
            parse_when(self.until)  # the syntax; its zone is checked with the course's
        return self


class Assignment(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    title: str
    notebook: str = Field(pattern=r"^[A-Za-z0-9_\-]+\.ipynb$")
    checks: dict[str, float] = {}
    manual: dict[str, float] = {}
    hidden: dict[str, float] = {}
    # Stubs whose code must compute their windows itself: no torch convolution, pooling or unfold
    # (autograder/grading/policy.py). The notebook's text says so; this list is what the grader enforces.
    must_implement: list[str] = []
    # Module paths no stub of this assignment may import or name (say, torchvision.models where the
    # task is to build a ResNet): the policy zeros a stub whose code reaches one (autograder/grading/policy.py).
    forbidden: list[str] = []
    training: TrainingProtocol | None = None  # the assignment trains a student's network (optional)
    # When it is due ("2026-10-03 23:59", in the course's timezone unless it names one) and what
    # lateness costs here (default: the course's late_policy). No due date: never late.
    due: str | None = None
    late_policy: LatePolicy | None = None

    @field_validator("due", mode="before")
    @classmethod
    def _due_text(cls, value: object) -> object:
        return when_text(value)

    @field_validator("due")
    @classmethod
    def _due_parses(cls, value: str | None) -> str | None:
        if value is not None:
            parse_when(value)  # the syntax; the zone is checked with the course's timezone
        return value
    # The Canvas assignment this one is graded into (`course export --format canvas`); without it,
    # the column is headed by the title alone and Canvas creates a new assignment on import.
    canvas_id: int | None = Field(default=None, gt=0)

    @field_validator("checks", "manual", "hidden")
    @classmethod
    def _points_positive(cls, table: dict[str, float]) -> dict[str, float]:
        for name, points in table.items():
            if points <= 0:
                raise ValueError(f"points for {name!r} must be positive, got {points}")
        return table

    @property
    def notebook_stem(self) -> str:
        return Path(self.notebook).stem

    def with_training(self, **update) -> "Assignment":
        """This assignment with its training protocol changed (shorter runs in tests and benchmarks)."""
        if self.training is None:
            raise KeyError(f"assignment {self.id} has no training: section in course.yaml")
        return self.model_copy(update={"training": self.training.model_copy(update=update)})


class Course(_Strict):
    id: str
    title: str
    data_root: str | None = None  # optional: see data_path()
    exchange: str = "/srv/nbgrader/exchange"  # nbgrader's exchange root (release, submit, collect)
    time_limits: TimeLimits = TimeLimits()
    limits: SandboxLimits = SandboxLimits()
    assignments: list[Assignment]
    # Deadlines (autograder/term/deadlines.py): the zone of every due date that names none, what
    # lateness costs unless an assignment says otherwise, and one line per student's extension.
    timezone: str = "UTC"
    late_policy: LatePolicy = LatePolicy()
    extensions: list[Extension] = []

    # Filled in by load(); not part of the YAML.
    root: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _unique_ids(self) -> "Course":
        seen: set[str] = set()
        for a in self.assignments:
            if a.id in seen:
                raise ValueError(f"assignment id {a.id!r} appears twice")
            seen.add(a.id)
        return self

    @model_validator(mode="after")
    def _deadlines(self) -> "Course":
        try:
            zone(self.timezone)
        except ValueError as exc:
            raise ValueError(f"timezone: {exc}") from None
        for i, a in enumerate(self.assignments):
            if a.due is not None:
                try:
                    parse_when(a.due, self.timezone)
                except ValueError as exc:
                    raise ValueError(f"assignments.{i}.due (assignment {a.id}): {exc}") from None
        seen: set[tuple[str, str]] = set()
        for i, e in enumerate(self.extensions):
            key = f"extensions[{i}] ({e.student} on {e.assignment})"
            a = next((a for a in self.assignments if a.id == e.assignment), None)
            if a is None:
                raise ValueError(f"{key}: no assignment {e.assignment!r} in course.yaml")
            if a.due is None:
                raise ValueError(f"{key}: assignment {a.id} has no due date to extend")
            if (e.assignment, e.student) in seen:
                raise ValueError(f"{key}: a second extension for the same student and assignment")
            seen.add((e.assignment, e.student))
            if e.until is not None:
                try:
                    parse_when(e.until, self.timezone)
                except ValueError as exc:
                    raise ValueError(f"{key}.until: {exc}") from None
        return self

    def due_at(self, assignment_id: str) -> datetime | None:
        """The assignment's due date for everyone (no extension), aware; None when it has none."""
        due = self.assignment(assignment_id).due
        return parse_when(due, self.timezone) if due is not None else None

    def policy_for(self, assignment_id: str) -> LatePolicy:
        return self.assignment(assignment_id).late_policy or self.late_policy

    def assignment(self, assignment_id: str) -> Assignment:
        for a in self.assignments:
            if a.id == assignment_id:
                return a
        known = ", ".join(a.id for a in self.assignments)
        raise KeyError(f"no assignment {assignment_id!r} in course.yaml (known: {known})")

    def with_training(self, assignment_id: str, **update) -> "Course":
        """This course with one assignment's training protocol changed."""
        changed = [a.with_training(**update) if a.id == assignment_id else a for a in self.assignments]
        self.assignment(assignment_id)  # unknown ids raise
        return self.model_copy(update={"assignments": changed})

    def data_path(self) -> Path:
        """The Fashion-MNIST root: $COURSE_DATA_ROOT, else course.yaml's data_root (relative to
        course.yaml), else a per-user cache ($XDG_CACHE_HOME/cnn-course/data, ~/.cache/cnn-course/data)."""
        override = os.environ.get(DATA_ROOT_ENV)
        if override:
            raw = Path(override).expanduser()
        elif self.data_root:
            raw = Path(self.data_root).expanduser()
        else:
            return default_data_root()
        return raw if raw.is_absolute() else (self.root / raw).resolve()

    def data_source(self) -> str:
        """Where data_path() came from, for messages that tell the instructor what to change."""
        if os.environ.get(DATA_ROOT_ENV):
            return f"${DATA_ROOT_ENV}"
        if self.data_root:
            return "course.yaml data_root"
        return "the default per-user cache"

    @property
    def solutions_dir(self) -> Path:
        return self.root / "solutions"

    @property
    def assignments_dir(self) -> Path:
        return self.root / "assignments"


def default_data_root() -> Path:
    """A place every user can write to and that outlives a course folder: the per-user cache."""
    cache = os.environ.get("XDG_CACHE_HOME")
    base = Path(cache) if cache and Path(cache).is_absolute() else Path.home() / ".cache"
    return base / DATA_CACHE / "data"


def _describe(err: ValidationError, path: Path, raw: dict | None = None) -> str:
    lines = [f"{path}: invalid course configuration"]
    listed = (raw or {}).get("assignments")
    for e in err.errors():
        loc = e["loc"]
        key = ".".join(str(p) for p in loc) or "(top level)"
        if len(loc) > 1 and loc[0] == "assignments" and isinstance(loc[1], int) and isinstance(listed, list) \
                and loc[1] < len(listed) and isinstance(listed[loc[1]], dict) and "id" in listed[loc[1]]:
            key += f" (assignment {listed[loc[1]]['id']})"  # its id, not only its index
        lines.append(f"  {key}: {e['msg']}")
    return "\n".join(lines)


def find_course_file(start: Path | None = None) -> Path:
    """course.yaml from $COURSE_YAML, else the nearest one at or above `start`."""
    env = os.environ.get(COURSE_FILE_ENV)
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "course.yaml"
        if candidate.is_file():
            return candidate
    # Fall back to the course this package ships with (an editable checkout).
    return Path(__file__).resolve().parent.parent / "course.yaml"


def load(path: Path | str | None = None) -> Course:
    path = Path(path) if path else find_course_file()
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise CourseConfigError(f"{path}: course.yaml not found") from None
    except yaml.YAMLError as exc:
        raise CourseConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise CourseConfigError(f"{path}: expected a mapping at the top level")
    try:
        course = Course.model_validate(raw)
    except ValidationError as exc:
        raise CourseConfigError(_describe(exc, path, raw)) from None
    root = path.resolve().parent
    LOADED_ROOTS.add(str(root))  # a grader path: autograder/reports/clean.py keeps it out of every report
    return course.model_copy(update={"root": root})
