"""One submission in, one list of scored tests out.

Order of work: find the notebooks, load each into the sandboxed child, run that
assignment's hidden tests (each through the child, judged here), then apply the
delegation policy. Anything a student does wrong costs points on the stub concerned and
nothing else; the other assignments are graded as usual.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from autograder import notebook
from autograder.grading import hidden, policy
from autograder.config import Course
from autograder.runtime.sandbox import Limits
from autograder.grading.submission import RUNNABLE_ROLES, StubError, Submission

if TYPE_CHECKING:
    from autograder.term.deadlines import Lateness

log = logging.getLogger(__name__)


@dataclass
class TestResult:
    assignment: str
    name: str
    stubs: tuple[str, ...]
    score: float
    max_score: float
    output: str
    seconds: float = 0.0
    grader_error: bool = False
    files: dict[str, str] = field(default_factory=dict)  # label -> path, e.g. the training curve
    kind: str = "hidden"  # "hidden" test, or a visible "check" cell confirmed by the hidden tests
    metrics: dict[str, float] = field(default_factory=dict)  # measured by the grader, e.g. test_accuracy

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score


@dataclass
class SubmissionResult:
    folder: Path
    tests: list[TestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sandbox: str = ""
    output: str = ""
    # assignment -> its lateness and penalty, set by the trusted parent from course.yaml and the
    # collect timestamp (autograder/term/deadlines.py); absent: not due, or no time known.
    lateness: dict[str, "Lateness"] = field(default_factory=dict)

    def earned(self, assignment: str) -> float:
        """An assignment's points before any late penalty."""
        return sum(t.score for t in self.tests if t.assignment == assignment)

    def penalty(self, assignment: str | None = None) -> float:
        """Points taken for lateness: one assignment's, or all of them (each at most its earned points)."""
        late = self.lateness if assignment is None else {a: l for a, l in self.lateness.items() if a == assignment}
        return sum(l.points(self.earned(a)) for a, l in late.items())

    @property
    def raw_score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def score(self) -> float:
        """Points after late penalties."""
        return self.raw_score - self.penalty()

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    @property
    def grader_errors(self) -> int:
        return sum(t.grader_error for t in self.tests)


def _points(course: Course, aid: str, name: str) -> float:
    table = course.assignment(aid).hidden
    if name not in table:
        raise KeyError(f"course.yaml has no points for hidden test {aid}/{name} (assignments[{aid}].hidden)")
    return table[name]


def _zero(course: Course, aid: str, test: hidden.HiddenTest, why: str) -> TestResult:
    return TestResult(aid, test.name, test.stubs, 0.0, _points(course, aid, test.name), why)


def grade(folder: Path, course: Course, *, only: list[str] | None = None,
          progress: Callable[[str], None] | None = None, limits: Limits | None = None,
          train: bool = True, workdir: Path | None = None) -> SubmissionResult:
    """Grade one submission folder. `train=False` leaves out the tests that train a network
    (minutes on a CPU); `workdir` receives files for the feedback, such as training curves.

    Always returns a result: a surprise in the grader's own code costs the assignment it happened
    in (or, outside any one, those not graded yet), as grader errors, never as the student's zeros."""
    start = time.monotonic()
    result = SubmissionResult(Path(folder))
    wanted = {a.id: [t for t in hidden.tests_for(course, a.id) if train or not t.training]
              for a in course.assignments if not only or a.id in only}
    try:
        with Submission(folder, course, limits) as sub:
            for aid, tests in wanted.items():
                if aid not in sub.notebooks:
                    if aid in sub.missing:
                        result.notes.append(sub.missing[aid])
                        zeros = [_zero(course, aid, t, f"not graded: {sub.missing[aid]}") for t in tests]
                        result.tests += zeros + _confirmed_checks(course, aid, zeros, complete=True)
                    continue
                if progress:
                    progress(aid)
                try:
                    result.tests += _grade_assignment(course, sub, aid, tests, result.notes, workdir)
                except Exception as exc:  # noqa: BLE001 - a grader bug costs this assignment, and is no grade
                    sub.close()  # whatever the child was doing, the next assignment starts clean
                    result.tests += _grader_failed(course, aid, tests, result.notes, exc)
            result.sandbox = sub.child.mode if sub.child else ""
            result.output = sub.output
    except Exception as exc:  # noqa: BLE001 - outside any one assignment (reading the folder, say)
        done = {t.assignment for t in result.tests}
        for aid, tests in wanted.items():
            if aid not in done:
                result.tests += _grader_failed(course, aid, tests, result.notes, exc)
    result.seconds = time.monotonic() - start
    return result


def _grader_failed(course: Course, aid: str, tests: list[hidden.HiddenTest], notes: list[str],
                   exc: Exception) -> list[TestResult]:
    """Every test of the assignment a grader error (pending: a re-run grades it); the traceback
    goes to the instructor's log, the student reads that it is not their mark."""
    log.error("internal grader error while grading %s", aid, exc_info=exc)
    why = (f"not graded: internal grader error while grading {aid} ({type(exc).__name__}: {exc}); "
           "this is not your mark, the instructor will re-run the grader")
    notes.append(why)
    failed = [TestResult(aid, t.name, t.stubs, 0.0, _points(course, aid, t.name), why, grader_error=True) for t in tests]
    return failed + _confirmed_checks(course, aid, failed, complete=True)


def _grade_assignment(course: Course, sub: Submission, aid: str, tests: list[hidden.HiddenTest], notes: list[str],
                      workdir: Path | None = None) -> list[TestResult]:
    """Load, run the tests, apply the policy: all within the assignment's budget, except training,
    which has its own (training_seconds + test_seconds, its dedicated child's start and load included)."""
    name = sub.notebooks[aid].relative_to(sub.folder) if sub.notebooks[aid].is_relative_to(sub.folder) else sub.notebooks[aid]
    limits = course.time_limits
    results: list[TestResult] = []
    ops: dict[str, set[str]] = {}

    hung: dict[str, str] = {}  # stub -> the test in which it ran past its time

    def run(test: hidden.HiddenTest, limit: float) -> None:
        missing = [s for s in test.stubs if s not in loaded.names]
        if missing:
            results.append(_zero(course, aid, test, _missing_message(name, loaded, missing[0])))
            return
        if set(test.stubs) <= set(hung):  # a hang costs its time once
            stub = test.stubs[0]
            results.append(_zero(course, aid, test, f"not run: {stub} did not finish in an earlier test ({hung[stub]})"))
            return
        outcome, test_ops = hidden.run(test, sub, limit, str(workdir) if workdir else None)
        if outcome.hung:
            hung.update({s: test.name for s in test.stubs})
        for stub, seen in test_ops.items():
            ops.setdefault(stub, set()).update(seen)
        points = _points(course, aid, test.name)
        results.append(TestResult(aid, test.name, test.stubs, round(points * outcome.fraction, 4), points,
                                  outcome.output, outcome.seconds, outcome.grader_error, outcome.files,
                                  metrics=outcome.metrics))

    with sub.budget(limits.assignment_budget, f"grading {name}"):
        try:
            loaded = sub.load(aid)
        except StubError as exc:
            notes.append(f"{name}: {exc}")
            zeros = [_zero(course, aid, t, f"{name} could not be graded: {exc}") for t in tests]
            return zeros + _confirmed_checks(course, aid, zeros, complete=True)
        for index, error in sorted(loaded.errors.items()):
            notes.append(f"{name}, {loaded.cells[index].label}: {error.strip().splitlines()[-1] if error.strip() else 'error'}")
        notes.extend(f"{name}: {n}" for n in _tampering(course, aid, loaded))
        for test in hidden.safe_order([t for t in tests if not t.training]):
            run(test, limits.test_seconds)
    for test in [t for t in tests if t.training]:
        budget = limits.training_seconds + limits.test_seconds
        with sub.budget(budget, f"training for {test.name}"):
            run(test, budget)
    declared = {t.name: i for i, t in enumerate(tests)}
    results.sort(key=lambda r: declared[r.name])  # reported in the order the tests are declared
    verdicts = _policy(course, aid, loaded, tests, str(name))
    notes.extend(verdicts.notes)
    for stub in sorted({s for t in tests for s in t.stubs}):
        why = verdicts.verdict(stub) or policy.delegation_verdict(stub, ops.get(stub, ()), course.assignment(aid).must_implement)
        if why:
            for r in results:
                if stub in r.stubs:
                    r.score, r.output = 0.0, why + (f"\n\n{r.output}" if r.output else "")
    return results + _confirmed_checks(course, aid, results, complete=len(results) == len(tests))


def _released(course: Course, aid: str) -> list[notebook.Cell]:
    """The released notebook's cells, read once per version of the file (the tampering check, the
    policy and the visible checks all compare a submission with it, for every student of a class)."""
    path = course.assignments_dir / aid / course.assignment(aid).notebook
    st = path.stat()
    return _released_cells(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=32)
def _released_cells(path: str, mtime_ns: int, size: int) -> list[notebook.Cell]:
    return notebook.load_cells(path)


def _policy(course: Course, aid: str, loaded, tests: list[hidden.HiddenTest], name: str) -> policy.Review:
    """The notebook's source against the policy, read here over every cell that runs."""
    released = [c for c in _released(course, aid) if c.role in RUNNABLE_ROLES]
    helped = hidden.helped_by(tests)
    stubs = {c.grade_id for c in released if c.role == "stub"} | set(helped)
    runnable = [c for c in loaded.cells if c.role in RUNNABLE_ROLES]
    a = course.assignment(aid)
    return policy.review(runnable, {c.source.strip() for c in released}, stubs, helped, name, a.must_implement, a.forbidden)


def _tampering(course: Course, aid: str, loaded) -> list[str]:
    """Changes to the notebook's structure worth telling the student (and the instructor) about.

    None of them can earn or cost points by itself: check cells are never run from the
    student's copy (the released one counts), and a stub defined twice behaves as in Jupyter
    (the last definition wins).
    """
    released = {c.grade_id: c for c in _released(course, aid) if c.grade_id}
    theirs: dict[str, list] = {}
    for c in loaded.cells:
        if c.grade_id:
            theirs.setdefault(c.grade_id, []).append(c)
    out = []
    for gid, cells in sorted(theirs.items()):
        if len(cells) > 1:
            where = ", ".join(str(c.index + 1) for c in cells)
            out.append(f"grade_id {gid} is on {len(cells)} cells ({where}): duplicated cells run in order, so the last definition counts")
    for gid, cell in released.items():
        if cell.role != "check":
            continue
        mine = theirs.get(gid)
        if not mine:
            out.append(f"check cell {gid} was deleted; the released version counts")
        elif mine[-1].source.strip() != cell.source.strip():
            out.append(f"check cell {gid} was edited; the released version counts")
    return out


def _confirmed_checks(course: Course, aid: str, hidden_results: list[TestResult], complete: bool) -> list[TestResult]:
    """The visible check cells' points, earned only as far as the hidden tests confirm them.

    A check cell runs in the student's own process, where one line can make it pass
    (`torch.allclose = lambda *a, **k: True`), and a student can edit or delete it. So the
    grader never runs the student's copy: each released check is scored through the stubs it
    calls, and earns its points when every hidden test of those stubs passed. A correct
    submission gets every check; a wrong or hostile stub loses its checks with its tests.
    """
    a = course.assignment(aid)
    released = _released(course, aid)
    stubs = {c.grade_id for c in released if c.role == "stub"}
    out = []
    for cell in released:
        if cell.role != "check" or cell.grade_id not in a.checks:
            continue
        called = sorted(cell.used_names() & stubs)
        tested = [r for r in hidden_results if set(r.stubs) & set(called)]
        # A test the grader could not run (grader_error) found nothing wrong with the student's work.
        failing = sorted({s for r in tested if not r.passed and not r.grader_error for s in r.stubs if s in called})
        unrun = [r.name for r in tested if r.grader_error]
        points = a.checks[cell.grade_id]
        error = False
        if failing:
            why = f"visible check {cell.grade_id}: not confirmed, the hidden tests of {', '.join(failing)} found a problem (see those tests)"
        elif unrun:
            # Pending, like the test itself: a grader error, never the student's zero.
            why = f"visible check {cell.grade_id}: not confirmed: the grader could not run {', '.join(unrun)} (see the note at the top)"
            error = True
        elif not tested or not complete:
            why = f"visible check {cell.grade_id}: not confirmed, the hidden tests of {', '.join(called) or 'its stubs'} did not run"
        else:
            why = ""
        # Tags: the stubs this check depends on; when it fails, only the ones found wrong, so the
        # points are charged to the stub at fault and to no other.
        tags = tuple(failing) if failing else tuple(called)
        out.append(TestResult(aid, cell.grade_id, tags, 0.0 if why else points, points, why, grader_error=error, kind="check"))
    return out


def _missing_message(name: object, loaded, stub: str) -> str:
    cell = loaded.stub_cell(stub)
    if cell is not None and cell.index in loaded.errors:
        detail = loaded.errors[cell.index].strip()
        return f"{stub} is not defined because {cell.label} of {name} failed:\n{detail}"
    return f"{stub} is not defined in {name}: keep its cell and its name exactly as released"
