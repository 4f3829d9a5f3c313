"""A whole term in a throwaway folder: the README's main job, and the end-to-end test's script.

The course (course.yaml, solutions/, assignments/) is copied into a temporary course
directory with its own nbgrader exchange. The instructor releases; three students fetch
through the exchange, put in their answers (from examples/students/), and submit; the
instructor collects, grades the class into the gradebook, writes feedback and exports CSV.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit

from autograder import config as course_config
from autograder.term import classroom as term

STUDENTS = ("alice", "bob", "mallory")  # correct, partly wrong, hostile: see examples/students/README.md


@dataclass
class Term:
    course: course_config.Course
    exchange: Path
    homes: Path


def make_course(source: course_config.Course, folder: Path) -> Term:
    """A copy of the course that a term can write into (gradebook, submitted/, ...)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("solutions", "assignments"):
        shutil.copytree(source.root / name, folder / name, ignore=shutil.ignore_patterns(".hypothesis", ".ipynb_checkpoints", "__pycache__"))
    text = (source.root / "course.yaml").read_text()
    exchange = folder / "exchange"
    (folder / "course.yaml").write_text(text)
    course = course_config.load(folder / "course.yaml")
    # The data root may be relative to the real course: pin it.
    data = str(source.data_path())
    course = course.model_copy(update={"data_root": data, "exchange": str(exchange)})
    _rewrite_yaml(folder / "course.yaml", data_root=data, exchange=str(exchange))
    homes = folder / "students"
    homes.mkdir(exist_ok=True)
    return Term(course, exchange, homes)


def _rewrite_yaml(path: Path, **values: str) -> None:
    import yaml

    raw = yaml.safe_load(path.read_text())
    raw.update(values)
    path.write_text(yaml.safe_dump(raw, sort_keys=False))


def set_deadlines(t: Term, now: datetime | None = None, zone: str = "Europe/Berlin") -> list[str]:
    """Make the term's last assignment due 3 hours before `now` (so the students, submitting now, are
    late), at 10% per day late, capped at 30%, and give the first student a day more with
    `course extend`. Returns what was set, as the lines the demo prints."""
    import yaml

    from autograder.term import deadlines

    path = t.course.root / "course.yaml"
    raw = yaml.safe_load(path.read_text())
    last = raw["assignments"][-1]
    when = ((now or datetime.now(timezone.utc)) - timedelta(hours=3)).astimezone(course_config.zone(zone))
    last["due"] = when.strftime("%Y-%m-%d %H:%M")
    raw.update(timezone=zone, late_policy={"kind": "per_day", "percent_per_day": 10, "cap_percent": 30})
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    t.course = course_config.load(path)
    line, _ = deadlines.extend(t.course, last["id"], STUDENTS[0], days=1)
    t.course = course_config.load(path)
    return [f"course.yaml: timezone: {zone}, late_policy: 10% per day late, at most 30%; "
            f"{last['id']} due: {last['due']} (3 hours ago)",
            f"course extend {last['id']} {STUDENTS[0]} --days 1   ->   {line.strip()}"]


def _student_app(kind, t: Term, student: str, aid: str):
    c = term.settings(t.course, t.exchange)
    c.Exchange.assignment_dir = str(t.homes / student)
    coursedir = CourseDirectory(config=c)
    coursedir.assignment_id = aid
    coursedir.student_id = student
    (t.homes / student).mkdir(parents=True, exist_ok=True)
    return kind(coursedir=coursedir, authenticator=Authenticator(config=c), config=c)


def fetch(t: Term, student: str, aid: str) -> Path:
    _student_app(ExchangeFetchAssignment, t, student, aid).start()
    return t.homes / student / aid


def submit(t: Term, student: str, aid: str) -> None:
    _student_app(ExchangeSubmit, t, student, aid).start()


def student_does_the_work(t: Term, student: str, answers: Path) -> None:
    """Fetch every assignment, replace each notebook with the student's answered copy, submit."""
    for a in t.course.assignments:
        home = fetch(t, student, a.id)
        answered = Path(answers) / a.id / a.notebook
        if answered.is_file():
            shutil.copy(answered, home / a.notebook)
        submit(t, student, a.id)


# The demo's LMS roster (autograder/reports/lms.py): the three students, and dana, enrolled in the
# LMS but never submitting, so the export shows a blank (ungraded) row and says so.
DEMO_ROSTER = (
    "student_id,name,canvas_id,sis_user_id,sis_login_id,section,email\n"
    "alice,\"Liddell, Alice\",1001,S1001,alice,Lab A,alice@example.edu\n"
    "bob,\"Builder, Bob\",1002,S1002,bob,Lab A,bob@example.edu\n"
    "mallory,\"Mallory, M.\",1003,S1003,mallory,Lab B,mallory@example.edu\n"
    "dana,\"Scully, Dana\",1004,S1004,dana,Lab B,dana@example.edu\n"
)


def write_roster(t: Term) -> Path:
    path = t.course.root / "roster.csv"
    path.write_text(DEMO_ROSTER, encoding="utf-8")
    return path


def prairielearn_results(t: Term, student: str, record: dict, aid: str) -> Path:
    """What PrairieLearn would receive for one student's one assignment (its curve included)."""
    from autograder.reports import prairielearn

    one = {**record, "tests": [x for x in record["tests"] if x["assignment"] == aid]}
    home = term.autograded_dir(t.course, student)
    return prairielearn.write(one, t.course.root / "prairielearn" / student / "results.json", images_from=home)
