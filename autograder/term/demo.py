"""A whole term in a throwaway folder: the README's main job, and the end-to-end test's script.

The course (course.yaml, solutions/, assignments/) is copied into a temporary course
directory with its own nbgrader exchange. The instructor releases; three students fetch
through the exchange, put in their answers (from examples/students/), and submit; the
instructor collects, grades the class into the gradebook, writes feedback and exports CSV.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
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
