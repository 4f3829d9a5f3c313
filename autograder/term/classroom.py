"""An instructor's term: release to and collect from nbgrader's exchange, grade the class.

Folders follow nbgrader's course directory (the folder holding course.yaml):
`submitted/<student>/<assignment>/` after collect, `autograded/<student>/` for what the
grader decided (record.json, results.json, junit.xml, training curves), `feedback/<student>/`
for reports, and gradebook.db.

Grading a class is resumable: each student's record is written atomically, stamped with a
fingerprint of their submitted files and of course.yaml. A re-run skips students whose
record still matches and (re)stores every record into the gradebook, an idempotent upsert,
so a run killed at any point loses nothing and counts nothing twice. A record holding a test
the grader could not run (a grader error: data missing, the sandbox could not start) is never
final: the gradebook keeps those tests pending, and the next run grades that student again.

A submission is what is inside its folder (autograder/grading/intake.py): collect, fingerprints, the
copies in autograded/ and grading never follow a link out of it. A student's folder that is
itself a link is not graded from where it points: every assignment scores zero, with a note.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import stat
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
from autograder.authoring import release
from autograder.grading import intake
from autograder.term import deadlines, gradebook, witness


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


class SafeCollect(ExchangeCollect):
    """nbgrader's collect, copying only what a submission holds of its own (see intake.py).

    nbgrader copies with shutil.copytree, which follows links: a link put into the exchange
    (it is writable by every student) to solutions/ or to a classmate's notebook would land in
    submitted/ as that file's content. Here a link, a hard-linked file or a pipe arrives as an
    inert link that says why, so grading refuses that file by name; its target is never read.
    """

    def do_copy(self, src: str, dest: str, log=None) -> None:
        cd = self.coursedir

        def skip(rel, st: os.stat_result) -> bool:  # nbgrader's ignore/include/max_file_size, on lstat
            if any(fnmatch.fnmatch(rel.name, g) for g in cd.ignore):
                return True
            if not stat.S_ISREG(st.st_mode):
                return False
            if cd.include and not any(fnmatch.fnmatch(rel.name, g) for g in cd.include):
                return True
            if cd.max_file_size and st.st_size > 1000 * cd.max_file_size:
                self.log.warning("Ignoring file too large '%s' (see config option CourseDirectory.max_file_size)", rel)
                return True
            return False

        size = sum(e.stat.st_size for e in intake.walk(src, follow_root=False) if e.kind == "file")
        too_large = size > 1000 * cd.max_dir_size
        if too_large:
            # nbgrader raises here, which ends the collect for every student after this one (and the
            # one before it was already removed to be updated). One student's upload must not do that:
            # their files arrive as names only, so grading says why each scores nothing.
            self.log.error("%s: %d bytes, more than CourseDirectory.max_dir_size (%d kB); only its names "
                           "were collected", src, size, cd.max_dir_size)
        refused = intake.copy_tree(src, dest, skip=skip, refuse_files=intake.TOO_LARGE if too_large else None)
        for why in [] if too_large else refused:  # too large: said once above, not per file
            self.log.warning("%s: %s; its content was not collected", src, why)
        if cd.groupshared:  # as nbgrader does: group members may read and write what was collected
            for e in intake.walk(dest, follow_root=False):
                if e.kind != "refused":
                    os.chmod(Path(dest) / e.rel, (e.stat.st_mode | (0o2770 if e.kind == "dir" else 0o660)) & 0o2777)


def collect(course: course_config.Course, ids: list[str] | None = None, exchange: Path | str | None = None,
            check_owner: bool = True) -> list[str]:
    """nbgrader's collect (latest submission wins), links not followed; returns the students now in submitted/.

    `check_owner=False` only where one account plays every student (the demo, the tests).
    """
    aids = ids or [a.id for a in course.assignments]
    for aid in aids:
        _run_exchange(SafeCollect, course, aid, exchange, update=True, check_owner=check_owner)
    witness.record(course, aids, students(course))  # what the grader saw, and when: bounds every claimed time
    return students(course)


def submitted_dir(course: course_config.Course) -> Path:
    return course.root / "submitted"


def autograded_dir(course: course_config.Course, student: str) -> Path:
    return course.root / "autograded" / student


def students(course: course_config.Course) -> list[str]:
    """Everyone in submitted/; a folder that is a link is listed too, so that grading can refuse it by name."""
    folder = submitted_dir(course)
    return sorted(p.name for p in folder.iterdir()
                  if (p.is_symlink() or p.is_dir()) and not p.name.startswith(".")) if folder.is_dir() else []


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
    """What a record was graded from: the submitted files, course.yaml and the grading mode.

    Only the submission's own files are read (intake.walk); a refused entry (a link, a hard
    link) counts by what it is, never by its target's content, so changing it still regrades.
    """
    h = hashlib.sha256()
    h.update(_graded_config(course.root / "course.yaml"))
    h.update(b"train" if train else b"no-train")
    try:
        entries = list(intake.walk(folder, follow_root=False))
    except FileNotFoundError:
        entries = []
    for e in entries:
        if ".ipynb_checkpoints" in e.rel.parts or e.kind == "dir":
            continue
        h.update(os.fsencode(str(e.rel)))  # a name's own bytes, valid UTF-8 or not
        if e.kind == "file":
            try:
                h.update(intake.read_bytes(folder, e.rel, follow_root=False))
                continue
            except (OSError, intake.Refused) as exc:  # changed since it was listed
                what = str(exc)
        else:
            what = f"{e.refused}|{e.link}|{e.stat.st_ino}|{e.stat.st_size}|{e.stat.st_mtime_ns}"
        h.update(b"\0refused\0" + os.fsencode(what))
    return h.hexdigest()


# Deadlines change no test's score: a record is restamped with them (_restamped), not regraded.
_DEADLINE_KEYS, _ASSIGNMENT_DEADLINE_KEYS = ("timezone", "late_policy", "extensions"), ("due", "late_policy")


def _graded_config(path: Path) -> bytes:
    """What of course.yaml a record depends on: its bytes, or, where it sets deadlines, everything
    else (so `course extend` regrades nobody). A course.yaml without deadlines hashes as it always did."""
    import yaml

    text = path.read_bytes()
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict):
        return text
    listed = [a for a in raw.get("assignments") or [] if isinstance(a, dict)]
    if not any(k in raw for k in _DEADLINE_KEYS) and not any(k in a for a in listed for k in _ASSIGNMENT_DEADLINE_KEYS):
        return text
    rest = {k: v for k, v in raw.items() if k not in _DEADLINE_KEYS}
    rest["assignments"] = [{k: v for k, v in a.items() if k not in _ASSIGNMENT_DEADLINE_KEYS} for a in listed]
    return b"deadlines apart\0" + json.dumps(rest, sort_keys=True, default=str).encode()


def _atomic_write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".partial")
    tmp.write_bytes(content if isinstance(content, bytes) else content.encode())
    os.replace(tmp, path)


def worker_threads(jobs: int) -> int:
    """CPU threads per worker when `jobs` students are graded at once: a fair share of the cores."""
    return max(1, (os.cpu_count() or 1) // jobs)


def grade_student(course_file: str, student: str, train: bool, threads: int | None = None) -> dict:
    """Grade one student's submitted folder; runs in a worker process. Returns the record.

    `threads`: the CPU threads this worker (and the training child it starts) may use,
    so that `jobs` students at once share the cores instead of fighting over them."""
    from autograder.grading import grade
    from autograder.reports import report

    if threads:
        import torch

        torch.set_num_threads(threads)

    course = course_config.load(course_file)
    folder = submitted_dir(course) / student
    out = autograded_dir(course, student)
    out.mkdir(parents=True, exist_ok=True)
    try:
        intake.entry(submitted_dir(course), student, follow_root=True)  # submitted/ is ours; the student's folder is not
    except intake.Refused as exc:
        result = _refused(course, folder, f"submitted/{exc} ({student} was not graded from where it points)", train)
    else:
        result = grade.grade(folder, course, train=train, workdir=out)
    # Here, in the trusted parent: course.yaml's deadlines against the time collect wrote down.
    result.lateness = deadlines.for_student(course, folder, student, [t.assignment for t in result.tests])
    for a in course.assignments:  # formgrader opens these for the written answers
        copy = out / a.id / a.notebook
        try:
            _atomic_write(copy, intake.read_bytes(folder, f"{a.id}/{a.notebook}", follow_root=False))
        except (OSError, intake.Refused):  # not there, or refused (the notes say why): no copy, nor a stale one
            if copy.is_symlink() or copy.exists():
                copy.unlink()
    report.write_results(result, out / "results.json", course)
    report.write_junit(result, out / "junit.xml")
    rec = report.record(result)
    rec["student"] = student
    rec["fingerprint"] = fingerprint(course, folder, train)
    _atomic_write(out / "record.json", json.dumps(rec, indent=1) + "\n")  # last: its presence means done
    return rec


def _refused(course: course_config.Course, folder: Path, why: str, train: bool):
    """A result for a submission refused as a whole: every assignment zero, for `why`, as
    grade.grade scores a missing notebook (hidden tests and the visible checks they confirm)."""
    from autograder.grading import grade, hidden

    result = grade.SubmissionResult(folder, notes=[why])
    for a in course.assignments:
        tests = [t for t in hidden.tests_for(course, a.id) if train or not t.training]
        zeros = [grade._zero(course, a.id, t, f"not graded: {why}") for t in tests]
        result.tests += zeros + grade._confirmed_checks(course, a.id, zeros, complete=True)
    return result


def _restamped(course: course_config.Course, student: str, rec: dict) -> dict:
    """An unchanged submission's record under today's deadlines (an extension since it was graded)."""
    from autograder.reports import report

    folder = submitted_dir(course) / student
    result = report.from_record(rec, folder)  # its tests and scores untouched; only the lateness is assessed again
    result.lateness = deadlines.for_student(course, folder, student, [t.assignment for t in result.tests])
    new = {**rec, **report.record(result)}
    if new != rec:
        out = autograded_dir(course, student)  # every stored format says the same
        report.write_results(result, out / "results.json", course)
        report.write_junit(result, out / "junit.xml")
        _atomic_write(out / "record.json", json.dumps(new, indent=1) + "\n")
    return new


def load_record(course: course_config.Course, student: str) -> dict | None:
    path = autograded_dir(course, student) / "record.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def is_pending(rec: dict) -> bool:
    """A record with a test the grader could not run: not final, regraded by the next run."""
    return bool(rec.get("pending")) or any(t.get("grader_error") for t in rec.get("tests", []))


@dataclass
class ClassRun:
    graded: list[str]
    skipped: list[str]
    records: dict[str, dict]
    failed: dict[str, str] = field(default_factory=dict)  # student -> why the grader could not grade them

    @property
    def pending(self) -> dict[str, list[str]]:
        """Students graded but for the tests the grader could not run (stored as pending)."""
        return {s: [f"{t['assignment']}/{t['test']}" for t in rec["tests"] if t.get("grader_error")]
                for s, rec in self.records.items() if is_pending(rec)}


def grade_class(course: course_config.Course, *, jobs: int = 1, shard_spec: str | None = None, train: bool = True,
                force: bool = False, only: Iterable[str] | None = None,
                on_done: Callable[[str, dict | None], None] | None = None) -> ClassRun:
    """Grade every collected student (or a shard), `jobs` submissions at a time, then store all records."""
    everyone = [s for s in students(course) if not only or s in set(only)]
    mine = shard(everyone, shard_spec)
    records, todo, skipped = {}, [], []
    for s in mine:
        rec = None if force else load_record(course, s)
        if rec and not is_pending(rec) and rec.get("fingerprint") == fingerprint(course, submitted_dir(course) / s, train):
            records[s] = _restamped(course, s, rec)
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
