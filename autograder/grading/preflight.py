"""Before grading anyone: can the grader do its job on this machine?

`course grade` and `course demo` call `check()` first. It looks at what the grading run will need
and stops with one message saying what to do (the command then exits with status 2, having graded
no one) rather than letting each student's tests fail one by one:

* Fashion-MNIST under the data root, when a training test will run;
* a usable sandbox: bubblewrap starts, or the instructor accepted resource limits alone by
  setting COURSE_SANDBOX=rlimits;
* resource limits that hold: a child started with them really has them, and student code never
  runs as root without bubblewrap (root can lift any limit); setpriv where root must drop its uid;
* some free disk space where results and the sandbox's temporary files go.

What goes wrong later, mid-run (a disk filling up, data removed), is still caught per test: a
grader error, pending, regraded by the next run (see autograder/reports/report.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from autograder import config as course_config

MIN_FREE_BYTES = 200 * 1024**2


class NotReady(Exception):
    """The grader cannot grade here; the message says what the instructor must do."""


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def message(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0]
        return "the grader cannot grade here yet:\n" + "\n".join(f"  - {p}" for p in self.problems)


def training_assignments(course: course_config.Course, assignments: Iterable[str] | None = None) -> list[str]:
    """The assignments among `assignments` (default: all) that have a training test."""
    from autograder.grading import hidden

    wanted = set(assignments) if assignments is not None else None
    return [a.id for a in course.assignments if (wanted is None or a.id in wanted)
            and any(t.training for t in hidden.tests_for(course, a.id))]


def assignments_in(folder: Path, course: course_config.Course) -> list[str]:
    """The assignments a submission folder seems to hold (its own entries only, nothing read):
    an assignment folder itself, `<id>/` inside it, or the notebook at its top (a flat upload)."""
    folder = Path(folder)
    found = []
    for a in course.assignments:
        if folder.name == a.id or os.path.lexists(folder / a.id) or os.path.lexists(folder / a.notebook):
            found.append(a.id)
    return found


def data_problem(course: course_config.Course, download_failed: str | None = None) -> str | None:
    from autograder import data

    root = course.data_path()
    if data.present(root):
        return None
    tried = f"; downloading it failed ({download_failed})" if download_failed else ""
    return (f"Fashion-MNIST is not under {root} ({course.data_source()}), and the training test needs it{tried}. "
            f"Run `course data --download` while online, or set {course_config.DATA_ROOT_ENV} to a folder "
            f"holding FashionMNIST/raw (or leave the training test out with --no-train).")


def sandbox_problem() -> tuple[str | None, str | None]:
    """(problem, warning) about the sandbox on this machine."""
    from autograder.runtime import sandbox

    wanted = os.environ.get(sandbox.SANDBOX_ENV, "auto")
    if wanted not in ("auto", "bwrap", "rlimits"):
        return f"{sandbox.SANDBOX_ENV}={wanted!r} is not one of auto, bwrap, rlimits.", None
    probe: Callable[[], tuple[bool, str]] | None = getattr(sandbox, "_bwrap_works", None)
    if probe is not None:
        ok, why = probe()
    else:  # pragma: no cover - a sandbox module without the probe: ask mode() instead
        try:
            ok, why = sandbox.mode() == "bwrap", "bubblewrap is not usable"
        except RuntimeError as exc:
            ok, why = False, str(exc)
    root = os.geteuid() == 0
    if wanted == "rlimits" or not ok:
        if wanted != "rlimits":
            return (f"the bubblewrap sandbox cannot start here ({why}). Install bubblewrap and allow unprivileged "
                    f"user namespaces; or, to accept resource limits alone (student code can then read the file "
                    f"system and use the network), set {sandbox.SANDBOX_ENV}=rlimits."), None
        if root:
            return ("the grader runs as root without bubblewrap: student code would run as root, which can lift "
                    "every resource limit. Run the grader as an ordinary user, or make bubblewrap work "
                    f"(and unset {sandbox.SANDBOX_ENV}=rlimits)."), None
        return None, (f"{sandbox.SANDBOX_ENV}=rlimits: student code runs with resource limits only (no bubblewrap): "
                      "it can read the file system and use the network.")
    if root and not shutil.which("setpriv"):
        return ("the grader runs as root and needs setpriv (util-linux) to run student code as an unprivileged "
                "user; install util-linux, or run the grader as an ordinary user."), None
    return None, None


_LIMITS_PROBE = "import resource as r; print(*(r.getrlimit(getattr(r, n))[1] for n in ('RLIMIT_CPU', 'RLIMIT_FSIZE', 'RLIMIT_NOFILE', 'RLIMIT_CORE')))"


def limits_problem() -> str | None:
    """Start one child with limits, as the sandbox does, and check that it really has them."""
    import resource

    want = {"RLIMIT_CPU": 37, "RLIMIT_FSIZE": 5 * 1024**2, "RLIMIT_NOFILE": 64, "RLIMIT_CORE": 0}

    def apply() -> None:
        for name, value in want.items():
            resource.setrlimit(getattr(resource, name), (value, value))

    try:
        proc = subprocess.run([sys.executable, "-E", "-s", "-c", _LIMITS_PROBE], preexec_fn=apply,
                              capture_output=True, text=True, timeout=60)
        got = [int(x) for x in proc.stdout.split()]
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return f"a child process with resource limits could not start here ({exc}); the sandbox needs one."
    if proc.returncode != 0 or got != list(want.values()):
        return ("resource limits do not hold here (a child started with them reported "
                f"{proc.stdout.strip() or proc.stderr.strip()[:200]!r}); the sandbox relies on them.")
    return None


def disk_problem(folders: Iterable[Path]) -> str | None:
    for folder in folders:
        folder = Path(folder)
        probe = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if probe is None:
            continue
        try:
            free = shutil.disk_usage(probe).free
        except OSError:
            continue
        if free < MIN_FREE_BYTES:
            return (f"only {free / 1024**2:.0f} MB free under {probe}; the grader writes results and temporary "
                    f"files there and needs at least {MIN_FREE_BYTES / 1024**2:.0f} MB: free some space.")
    return None


def check(course: course_config.Course, *, train: bool, assignments: Iterable[str] | None = None,
          outputs: Iterable[Path] = (), download: Callable[[Path], None] | None = None) -> Report:
    """Every prerequisite of a grading run; raises NotReady with one message when one is missing.

    `assignments`: those that will be graded (default: all); the data is needed only when one of
    them has a training test and `train` is on. `download`: when given, called with the data root
    if the data is missing (the demo fetches it when online) before the data is checked again."""
    report = Report()
    if train and training_assignments(course, assignments):
        problem = data_problem(course)
        if problem and download is not None:
            try:
                download(course.data_path())
                problem = data_problem(course)
            except course_config.GraderUnavailable as exc:
                problem = data_problem(course, getattr(exc, "why", None) or str(exc))
        if problem:
            report.problems.append(problem)
    problem, warning = sandbox_problem()
    if problem:
        report.problems.append(problem)
    if warning:
        report.warnings.append(warning)
    problem = limits_problem()
    if problem:
        report.problems.append(problem)
    problem = disk_problem([tempfile.gettempdir(), *outputs])
    if problem:
        report.problems.append(problem)
    if report.problems:
        raise NotReady(report.message())
    return report
