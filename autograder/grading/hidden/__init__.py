"""The hidden grading suite's engine: property-based tests that are never released.

The tests themselves are course content, `solutions/<id>/hidden.py` (see autograder/grading/content.py).
A test receives a `Student` handle and talks to the sandboxed child only through it; every
comparison runs here, in the trusted parent. Points come from course.yaml's `hidden:` table,
keyed by the test function's name.
"""

from __future__ import annotations

import difflib
import inspect
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from hypothesis import HealthCheck, Phase, Verbosity, settings

from autograder.grading import checks, content, help, oracles
from autograder.config import Course, CourseConfigError, GraderUnavailable
from autograder.grading.submission import StubCrashed, StubError, StubHung, Submission

# Deterministic, database-free, deadline-free: the same submission always gets the same cases.
GRADING = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=30,
    suppress_health_check=list(HealthCheck),
    report_multiple_bugs=False,
    print_blob=False,
    verbosity=Verbosity.quiet,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)


@dataclass(frozen=True)
class HiddenTest:
    assignment: str
    name: str
    stubs: tuple[str, ...]
    run: Callable[["Student"], None]
    stand_ins: tuple[str, ...] = ()
    examples: int = 30
    training: bool = False  # trains a network: its own time budget, and skipped by --no-train


@dataclass
class Verdict:
    """What a test may return instead of None: partial credit, a message, files for feedback."""

    fraction: float = 1.0
    message: str = ""
    files: dict[str, str] = field(default_factory=dict)  # label -> path
    # Figures this (trusted) test measured itself, e.g. {"test_accuracy": 0.87}: for summaries and leaderboards.
    metrics: dict[str, float] = field(default_factory=dict)


_REGISTRY: dict[str, dict[str, HiddenTest]] = {}


def hidden_test(*stubs: str, stand_ins: tuple[str, ...] = (), examples: int = 30, training: bool = False) -> Callable:
    """Register the decorated function as a hidden test of `stubs` (its tags). Its name is the
    function's name, its assignment the folder it lives in, its points course.yaml's entry for that
    name. `stand_ins` are earlier stubs the grader answers for while it runs (no double jeopardy)."""
    if not stubs or not all(isinstance(s, str) and s for s in stubs):
        raise TypeError("hidden_test(stub, ...): name the stubs the test grades")

    def register(fn: Callable) -> Callable:
        assignment, name = content.assignment_of(fn.__module__), fn.__name__
        tests = _REGISTRY.setdefault(assignment, {})
        if name in tests:
            raise CourseConfigError(f"hidden test {assignment}/{name} is defined twice ({fn.__module__})")
        # Settings are applied here, once: hypothesis refuses a second @settings on the same
        # function, and a grader that grades many submissions in one process would hit that.
        graded = settings(GRADING, max_examples=examples)(fn) if getattr(fn, "is_hypothesis_test", False) else fn
        tests[name] = HiddenTest(assignment, name, tuple(stubs), graded, tuple(stand_ins), examples, training)
        return fn

    return register


def forget() -> None:
    """Drop every registered test (a new course's content is being loaded)."""
    _REGISTRY.clear()


def registered(assignment_id: str) -> dict[str, HiddenTest]:
    """The tests an assignment's folder registered, by name, whatever course.yaml says."""
    return dict(_REGISTRY.get(assignment_id, {}))


def mismatches(course: Course) -> list[str]:
    """course.yaml's hidden points against the registered tests, both ways, and stand-ins that
    do not exist or would answer for the stub under test. Empty when they agree."""
    problems = []
    for a in course.assignments:
        where = f"solutions/{a.id}/hidden.py"
        tests = _REGISTRY.get(a.id, {})
        for name in tests:
            if name not in a.hidden:
                problems.append(f"{where}: hidden test {name} has no points in course.yaml "
                                f"(add `{name}: N` under {a.id}'s hidden:)")
        for name in a.hidden:
            if name not in tests:
                near = difflib.get_close_matches(name, list(tests), n=1)
                problems.append(f"course.yaml: {a.id}'s hidden: names {name}, but {where} defines no test of that name"
                                + (f" (did you mean {near[0]}?)" if near else ""))
        for t in tests.values():
            unknown = [n for n in t.stand_ins if n not in help.REGISTRY]
            if unknown or set(t.stand_ins) & set(t.stubs):
                problems.append(f"{where}: {t.name}'s stand-ins {list(t.stand_ins)} must be registered (stand_ins.py) "
                                f"and must not include the stubs it grades {list(t.stubs)}")
    return problems


def tests_for(course: Course, assignment_id: str) -> list[HiddenTest]:
    """The assignment's tests, in the order they are declared. Loading the course's content
    checks every assignment's tests against course.yaml, so a mistake stops the grader before it
    grades anyone (a CourseConfigError naming file and key)."""
    content.load(course)
    problems = mismatches(course)
    if problems:
        raise CourseConfigError("the hidden tests and course.yaml disagree:\n  " + "\n  ".join(problems))
    return list(_REGISTRY.get(assignment_id, {}).values())


def helped_by(tests: list[HiddenTest]) -> dict[str, set[str]]:
    """For each stub, the names the grader answers for while that stub's tests run (its stand-ins)."""
    helped: dict[str, set[str]] = {}
    for t in tests:
        for stub in t.stubs:
            helped.setdefault(stub, set()).update(t.stand_ins)
    return helped


def safe_order(tests: list[HiddenTest]) -> list[HiddenTest]:
    """Each stub's own tests before any test that gets help for it (its stand-in).

    That order is part of why help cannot answer the stub under test (see autograder/grading/help.py):
    when a stub is graded, the parent has never yet computed an answer on its behalf.
    """
    uses = helped_by(tests)

    def depth(stub: str, seen: frozenset = frozenset()) -> int:
        below = [depth(d, seen | {stub}) for d in uses.get(stub, ()) if d not in seen]
        return 1 + max(below) if below else 0

    return sorted(tests, key=lambda t: max((depth(s) for s in t.stubs), default=0))  # stable otherwise


class OutOfTime(BaseException):
    """Raised past a test's time budget; a BaseException so hypothesis stops at once."""


@dataclass
class Returned:
    value: Any
    args_after: list
    ops: list[str]
    describe: Callable[[], str]
    about: dict = field(default_factory=dict)  # the child's word on a tensor result (see `attached`, `shares_input`)

    @property
    def attached(self) -> bool | None:
        """The result still requires grad (None: not reported)."""
        v = self.about.get("requires_grad") if isinstance(self.about, dict) else None
        return v if type(v) is bool else None

    @property
    def shares_input(self) -> list[int] | None:
        """Positions of the arguments whose memory the result shares (None: not reported)."""
        v = self.about.get("shares_input") if isinstance(self.about, dict) else None
        return v if isinstance(v, list) and all(type(i) is int for i in v) else None

    @property
    def described(self) -> str:
        """The call in the student's terms; built only when a message needs it (reprs are slow)."""
        return self.describe()


@dataclass
class Student:
    """A hidden test's only way to reach the student's code."""

    submission: Submission
    assignment: str
    stand_ins: tuple[str, ...]
    deadline: float
    ops: dict[str, set[str]] = field(default_factory=dict)
    workdir: str | None = None  # where a test may leave files for the feedback (curves)

    @property
    def course(self):
        return self.submission.course

    def _check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise OutOfTime()

    def describe(self, target: str, args: tuple, kwargs: dict) -> str:
        """The call as the student would write it, with their parameter names."""
        try:
            sig = inspect.signature(oracles.reference(self.course, self.assignment, target))
            bound = sig.bind(*args, **kwargs).arguments.items()
        except (KeyError, TypeError, ValueError):
            bound = [(f"arg{i}", a) for i, a in enumerate(args)] + list(kwargs.items())
        return checks.describe_call(target, bound)

    def _ask(self, target: str, args: tuple, kwargs: dict, may_raise: bool) -> tuple[dict, Returned]:
        """One call of a stub; its ops go into the evidence whatever it answered."""
        self._check_time()

        def described() -> str:
            return self.describe(target, args, kwargs)

        reply = self.submission.call(self.assignment, target, list(args), kwargs, stand_ins=self.stand_ins,
                                     described=described, may_raise=may_raise)
        ops = reply.get("ops", []) if isinstance(reply.get("ops", []), list) else []
        self.ops.setdefault(target, set()).update(ops)
        about = reply.get("about") if isinstance(reply.get("about"), dict) else {}
        return reply, Returned(reply.get("result"), reply.get("args_after", []), ops, described, about)

    def call(self, target: str, *args: Any, **kwargs: Any) -> Returned:
        return self._ask(target, args, kwargs, may_raise=False)[1]

    def raises(self, target: str, *args: Any, **kwargs: Any) -> tuple[list[str], Returned]:
        """Call a stub that should raise: the built-in exception classes it raised (an instance of;
        empty when it returned normally), and the call as `call` would give it."""
        reply, returned = self._ask(target, args, kwargs, may_raise=True)
        raised = [str(n) for n in reply.get("exc_types", [])] if not reply.get("ok") else []
        return raised, returned

    def probe(self, probe: str, described: str, **params: Any) -> dict:
        self._check_time()
        return self.submission.probe(self.assignment, probe, params, stand_ins=self.stand_ins, described=described)


def _why(exc: BaseException) -> BaseException:
    """The exception that says why a test ended. hypothesis may wrap it (a replay that failed
    differently, a budget spent mid-shrink): look inside groups and causes for the first one."""
    todo, seen = [exc], set()
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, (OutOfTime, StubCrashed, checks.Mismatch, StubError)):
            return e
        todo.extend(getattr(e, "exceptions", ()))
        todo.extend(x for x in (e.__cause__, e.__context__) if x is not None)
    return exc


@dataclass
class Outcome:
    test: HiddenTest
    passed: bool
    output: str
    seconds: float
    grader_error: bool = False
    fraction: float = 0.0
    files: dict[str, str] = field(default_factory=dict)
    hung: bool = False  # a call ran past its time: the grader skips this stub's other tests
    metrics: dict[str, float] = field(default_factory=dict)


def _metrics(values: object) -> dict[str, float]:
    """A verdict's metrics as finite floats under string keys; anything else is dropped."""
    import math

    if not isinstance(values, dict):
        return {}
    return {str(k): float(v) for k, v in values.items()
            if type(v) in (int, float) and math.isfinite(v)}


@contextmanager
def _first_failure_only(fn: Callable, shrink: bool) -> Iterator[None]:
    """Without shrinking: the audit needs to know that a test fails, not its smallest case.
    hypothesis reads a test's settings when it is called, so they are swapped for the call."""
    current = getattr(fn, "_hypothesis_internal_use_settings", None)
    if shrink or current is None:
        yield
        return
    fn._hypothesis_internal_use_settings = settings(current, phases=[Phase.explicit, Phase.generate])
    try:
        yield
    finally:
        fn._hypothesis_internal_use_settings = current


def run(test: HiddenTest, submission: Submission, time_limit: float,
        workdir: str | None = None, *, shrink: bool = True) -> tuple[Outcome, dict[str, set[str]]]:
    student = Student(submission, test.assignment, test.stand_ins, time.monotonic() + time_limit, workdir=workdir)
    fn = test.run
    start = time.monotonic()
    error = hung = False
    try:
        try:
            with _first_failure_only(fn, shrink):
                returned = fn(student)
        except BaseException as exc:  # noqa: BLE001 - re-raised, unwrapped
            inner = _why(exc)
            if inner is exc:
                raise
            raise inner from None
        verdict = returned if isinstance(returned, Verdict) else Verdict()
    except OutOfTime:
        verdict = Verdict(0.0, f"stopped: this test ran past its {time_limit:g} s budget")
    except StubHung as exc:
        verdict, hung = Verdict(0.0, str(exc)), True
    except StubCrashed as exc:
        verdict = Verdict(0.0, str(exc))
    except (checks.Mismatch, StubError) as exc:
        verdict = Verdict(0.0, str(exc))
    except GraderUnavailable as exc:  # the instructor must fix something (data, sandbox, disk): not a grade
        verdict = Verdict(0.0, f"not graded: the grader could not run this test: {exc}")
        error = True
    except Exception as exc:  # noqa: BLE001 - a surprise here is the grader's fault, not the student's
        verdict = Verdict(0.0, f"internal grader error ({type(exc).__name__}: {exc}); the instructor has been told")
        error = True
    fraction = min(max(verdict.fraction, 0.0), 1.0)
    return (Outcome(test, fraction >= 1.0, verdict.message, time.monotonic() - start, error, fraction, verdict.files, hung,
                    _metrics(verdict.metrics)),
            student.ops)
