"""An instructor's term: release to and collect from nbgrader's exchange, grade the class.

Folders follow nbgrader's course directory (the folder holding course.yaml):
`submitted/<student>/<assignment>/` after collect, `autograded/<student>/` for what the
grader decided (record.json, results.json, junit.xml, the LeNet curve), `feedback/<student>/`
for reports, and gradebook.db.

Grading a class is resumable: each student's record is written atomically, stamped with a
fingerprint of their submitted files and of course.yaml. A re-run skips students whose
record still matches and (re)stores every record into the gradebook, an idempotent upsert,
so a run killed at any point loses nothing and counts nothing twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable

from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeCollect, ExchangeReleaseAssignment
from traitlets.config import Config

from autograder import config as course_config
from autograder import gradebook, release


def settings(course: course_config.Course, exchange: Path | str | None = None) -> Config:
    c = release.nbgrader_settings(Config(), course)
    c.CourseDirectory.db_url = gradebook.url(course)
    c.Exchange.root = str(exchange or course.exchange)
    return c


def _run_exchange(kind, course: course_config.Course, aid: str, exchange: Path | str | None, **traits) -> None:
    c = settings(course, exchange)
    coursedir = CourseDirectory(config=c)
    coursedir.assignment_id = aid
    app = kind(coursedir=coursedir, authenticator=Authenticator(config=c), config=c)
    for name, value in traits.items():
        setattr(app, name, value)
    app.start()


def release_to_exchange(course: course_config.Course, ids: list[str] | None = None, exchange: Path | str | None = None) -> list[str]:
    """Generate the student versions, record every graded cell in the gradebook, publish to the exchange."""
    ids = ids or [a.id for a in course.assignments]
    release.generate(course, ids)
    gradebook.sync(course, ids)
    Path(exchange or course.exchange).mkdir(parents=True, exist_ok=True)
    for aid in ids:
        _run_exchange(ExchangeReleaseAssignment, course, aid, exchange, force=True)
    return ids


def collect(course: course_config.Course, ids: list[str] | None = None, exchange: Path | str | None = None,
            check_owner: bool = True) -> list[str]:
    """nbgrader's collect (latest submission wins); returns the students now in submitted/.

    `check_owner=False` only where one account plays every student (the demo, the tests).
    """
    for aid in ids or [a.id for a in course.assignments]:
        _run_exchange(ExchangeCollect, course, aid, exchange, update=True, check_owner=check_owner)
    return students(course)


def submitted_dir(course: course_config.Course) -> Path:
    return course.root / "submitted"


def autograded_dir(course: course_config.Course, student: str) -> Path:
    return course.root / "autograded" / student


def students(course: course_config.Course) -> list[str]:
    folder = submitted_dir(course)
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")) if folder.is_dir() else []


def shard(items: list[str], spec: str | None) -> list[str]:
    """`i/N`: the i-th of N interleaved slices (1-based), so a CI matrix can split a class."""
    if not spec:
        return items
    try:
        i, n = (int(x) for x in spec.split("/"))
    except ValueError:
        raise ValueError(f"--shard must look like i/N (e.g. 2/4), got {spec!r}") from None
    if not 1 <= i <= n:
        raise ValueError(f"--shard {spec}: need 1 <= i <= N")
    return items[i - 1::n]


def fingerprint(course: course_config.Course, folder: Path, train: bool) -> str:
    """What a record was graded from: the submitted files, course.yaml and the grading mode."""
    h = hashlib.sha256()
    h.update((course.root / "course.yaml").read_bytes())
    h.update(b"train" if train else b"no-train")
    for p in sorted(Path(folder).rglob("*")):
        if p.is_file() and ".ipynb_checkpoints" not in p.parts:
            h.update(str(p.relative_to(folder)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".partial")
    tmp.write_text(text)
    os.replace(tmp, path)


def worker_threads(jobs: int) -> int:
    """CPU threads per worker when `jobs` students are graded at once: a fair share of the cores."""
    return max(1, (os.cpu_count() or 1) // jobs)


def grade_student(course_file: str, student: str, train: bool, threads: int | None = None) -> dict:
    """Grade one student's submitted folder; runs in a worker process. Returns the record.

    `threads`: the CPU threads this worker (and the LeNet training child it starts) may use,
    so that `jobs` students at once share the cores instead of fighting over them."""
    from autograder import grade, report

    if threads:
        import torch

        torch.set_num_threads(threads)

    os.environ[course_config.COURSE_FILE_ENV] = course_file  # the oracles read the same course
    course_config.default_course.cache_clear()
    course = course_config.load(course_file)
    folder = submitted_dir(course) / student
    out = autograded_dir(course, student)
    out.mkdir(parents=True, exist_ok=True)
    result = grade.grade(folder, course, train=train, workdir=out)
    for a in course.assignments:  # formgrader opens these for the written answers
        src = folder / a.id / a.notebook
        if src.is_file():
            (out / a.id).mkdir(exist_ok=True)
            shutil.copy(src, out / a.id / a.notebook)
    report.write_results(result, out / "results.json")
    report.write_junit(result, out / "junit.xml")
    rec = report.record(result)
    rec["student"] = student
    rec["fingerprint"] = fingerprint(course, folder, train)
    _atomic_write(out / "record.json", json.dumps(rec, indent=1) + "\n")  # last: its presence means done
    return rec


def load_record(course: course_config.Course, student: str) -> dict | None:
    path = autograded_dir(course, student) / "record.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


@dataclass
class ClassRun:
    graded: list[str]
    skipped: list[str]
    records: dict[str, dict]
    failed: dict[str, str] = field(default_factory=dict)  # student -> why the grader could not grade them


def grade_class(course: course_config.Course, *, jobs: int = 1, shard_spec: str | None = None, train: bool = True,
                force: bool = False, only: Iterable[str] | None = None,
                on_done: Callable[[str, dict | None], None] | None = None) -> ClassRun:
    """Grade every collected student (or a shard), `jobs` submissions at a time, then store all records."""
    everyone = [s for s in students(course) if not only or s in set(only)]
    mine = shard(everyone, shard_spec)
    records, todo, skipped = {}, [], []
    for s in mine:
        rec = None if force else load_record(course, s)
        if rec and rec.get("fingerprint") == fingerprint(course, submitted_dir(course) / s, train):
            records[s] = rec
            skipped.append(s)
        else:
            todo.append(s)
    course_file = str(course.root / "course.yaml")
    failed: dict[str, str] = {}

    def finish(s: str, grading: Callable[[], dict]) -> None:
        # One student the grader chokes on (a bug of ours, a worker killed by the OOM killer)
        # must not cost the rest of the class: name them, keep going, let a re-run retry them.
        try:
            records[s] = grading()
            gradebook.store(course, s, records[s])
        except Exception as exc:  # noqa: BLE001 - reported per student, and by the exit status
            records.pop(s, None)
            failed[s] = f"{type(exc).__name__}: {exc}"
        if on_done:
            on_done(s, records.get(s))

    if jobs <= 1:
        for s in todo:
            finish(s, lambda s=s: grade_student(course_file, s, train))
    else:
        # spawn: no forked copy of a parent that has torch threads and open sandboxes.
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(grade_student, course_file, s, train, worker_threads(jobs)): s for s in todo}
            for fut in as_completed(futures):
                finish(futures[fut], fut.result)
    for s in skipped:  # idempotent: repairs a run killed between a record and its gradebook write
        gradebook.store(course, s, records[s])
    return ClassRun([s for s in todo if s in records], skipped, records, failed)
