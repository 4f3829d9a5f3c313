"""Grade each mutant of a stub three ways, in a notebook loaded once per worker.

The reference notebook (the released one, answered by the solutions) is loaded into one
sandboxed child per worker and assignment. A mutant replaces only its stub's cell there
(`Submission.run_cell(..., swap=True)`), is judged, and the reference cell goes back:
no fresh sandbox per mutant. Judged by:

* the stub's hidden tests (the real grader's tests, run by `hidden.run` as in grading);
* the notebook's visible check cells that use the stub, run in the child as the student's
  self-check runs them;
* the chapter's single worked example: the first such check cell, cut after its first
  assertion. That is what a fixed-example notebook check grades, the baseline.

Everything here runs the instructor's own code (the solutions and mutants of them): the
sandbox contains crashes and hangs of a mutant, not hostility.
"""

from __future__ import annotations

import ast
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import nbformat

from autograder import notebook
from autograder.grading import hidden
from autograder.config import Course
from autograder.grading.submission import StubError, Submission

if TYPE_CHECKING:
    from autograder.authoring.audit.operators import Mutant


@dataclass
class Judged:
    """One mutant's verdicts. Killed by a judge when its list is non-empty (or the flag set)."""

    mutant: Mutant
    hidden: list[str] = field(default_factory=list)  # hidden tests that failed
    visible: list[str] = field(default_factory=list)  # visible check cells that failed
    example: bool = False  # the single worked example failed
    error: str = ""  # the mutant's cell itself failed to run: every judge sees a broken stub
    equivalent: bool | None = None  # None: not checked (killed, or a stub that is not a function)
    witness: str = ""  # a call on which the survivor differs from the reference
    explained: str = ""  # why an instructor found it equivalent (autograder/authoring/audit/explained.py)
    seconds: float = 0.0


@dataclass
class Reference:
    """What the reference does for one stub: its tests must all pass before mutants mean anything."""

    aid: str
    stub: str
    failing: list[str]  # hidden tests, visible checks or the example that fail on the reference itself
    calls: list[tuple[list, dict]]  # the calls the hidden tests made to the stub (inputs for equivalence)


def answered_notebook(course: Course, aid: str, replace: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The released notebook with every stub cell answered by its reference solution (or by `replace`)."""
    a = course.assignment(aid)
    solution = {c.grade_id: notebook.strip_solution_markers(c.source)
                for c in notebook.load_cells(course.solutions_dir / aid / a.notebook) if c.role == "stub"}
    nb = nbformat.read(course.assignments_dir / aid / a.notebook, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            cell.source = (replace or {}).get(meta.get("grade_id"), solution[meta.get("grade_id")])
    return nb


def reference_submission(course: Course, aid: str, folder: Path) -> Path:
    a = course.assignment(aid)
    target = Path(folder) / aid / a.notebook
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(answered_notebook(course, aid), target)
    return target


def reference_source(course: Course, aid: str, stub: str) -> str:
    a = course.assignment(aid)
    for c in notebook.load_cells(course.solutions_dir / aid / a.notebook):
        if c.role == "stub" and c.grade_id == stub:
            return notebook.strip_solution_markers(c.source)
    raise KeyError(f"{aid} has no stub named {stub}")


def stubs_of(course: Course, aid: str) -> list[str]:
    a = course.assignment(aid)
    return [c.grade_id for c in notebook.load_cells(course.solutions_dir / aid / a.notebook) if c.role == "stub"]


def visible_checks(course: Course, aid: str, stub: str) -> list[notebook.Cell]:
    """The released check cells that use the stub."""
    a = course.assignment(aid)
    return [c for c in notebook.load_cells(course.assignments_dir / aid / a.notebook)
            if c.role == "check" and stub in c.used_names()]


def worked_example(checks: list[notebook.Cell], stub: str) -> str | None:
    """The first check cell of the stub, up to its first assertion after the stub is used: a
    single fixed example, as a hand-made notebook check would test it."""
    if not checks:
        return None
    source = notebook.runnable_source(checks[0].source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    seen = False
    for i, stmt in enumerate(tree.body):
        names = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}
        seen = seen or stub in names
        asserts = any(isinstance(n, ast.Assert) or (isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                                                    and n.func.id.startswith("expect")) for n in ast.walk(stmt))
        if seen and asserts:
            return ast.unparse(ast.Module(body=tree.body[: i + 1], type_ignores=[]))
    return source


def _install_visible() -> str:
    import autograder.student.visible as visible

    source = Path(visible.__file__).read_text()
    return ("import sys as _s, types as _t\n"
            "_p = _s.modules.setdefault('autograder', _t.ModuleType('autograder')); _p.__path__ = []\n"
            "_m = _t.ModuleType('autograder.student.visible')\n"
            f"exec(compile({source!r}, 'autograder/student/visible.py', 'exec'), _m.__dict__)\n"
            "_s.modules['autograder.student.visible'] = _m; _p.visible = _m\n")


_INSTALL_VISIBLE = _install_visible()

# The worked examples' data (X_stripes, a net...) as loaded, kept in the namespace and put back
# before each mutant's checks: a mutant that writes into its inputs must not change what the
# next mutant is checked on.
_SNAPSHOT = """
if '__audit_state__' not in globals():
    import copy as _copy, torch as _torch
    __audit_state__ = {}
    for _k, _v in list(globals().items()):
        if not _k.startswith('_') and isinstance(_v, (_torch.Tensor, _torch.nn.Module, list, dict, tuple)):
            try:
                __audit_state__[_k] = _copy.deepcopy(_v)
            except Exception:
                pass
"""
_RESTORE = """
import copy as _copy
for _k, _v in __audit_state__.items():
    globals()[_k] = _copy.deepcopy(_v)
"""


class Workbench:
    """One worker's loaded reference notebooks, reused for every mutant it judges."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.folder = Path(tempfile.mkdtemp(prefix="course-audit-"))
        for a in course.assignments:
            reference_submission(course, a.id, self.folder)
        self.sub = Submission(self.folder, course)
        self._tests: dict[str, list[hidden.HiddenTest]] = {}
        self._installed_for: tuple = ()
        self._sources: dict[tuple[str, str], str] = {}  # the reference cells and checks, read once per worker
        self._checks: dict[tuple[str, str], list[notebook.Cell]] = {}
        self._snapshots: set[tuple] = set()

    def close(self) -> None:
        self.sub.close()

    def tests(self, aid: str, stub: str) -> list[hidden.HiddenTest]:
        if aid not in self._tests:
            self._tests[aid] = hidden.safe_order([t for t in hidden.tests_for(self.course, aid) if not t.training])
        return [t for t in self._tests[aid] if stub in t.stubs]

    def _loaded(self, aid: str):
        """The reference notebook in the child, with the check cells' helpers importable there.

        The grader's jail holds no autograder code but its own (autograder/runtime/sandboxed/); the
        visible checks import `autograder.student.visible`, so its source (students' helpers, no answers)
        is installed as a module in this child, which runs the instructor's code only."""
        loaded = self.sub.load(aid)
        child = (id(self.sub.child), self.sub.restarts)
        if child != self._installed_for:  # once per child process: sys.modules is the process's
            self._installed_for = child
            self.sub.run_cell(aid, -1, _INSTALL_VISIBLE)
        if (aid, child) not in self._snapshots:  # once per notebook namespace, as loaded
            self._snapshots.add((aid, child))
            self.sub.run_cell(aid, -1, _SNAPSHOT)
        return loaded

    def reference_cell(self, aid: str, stub: str) -> str:
        key = (aid, stub)
        if key not in self._sources:
            self._sources[key] = reference_source(self.course, aid, stub)
        return self._sources[key]

    def checks(self, aid: str, stub: str) -> list[notebook.Cell]:
        key = (aid, stub)
        if key not in self._checks:
            self._checks[key] = visible_checks(self.course, aid, stub)
        return self._checks[key]

    def stub_index(self, aid: str, stub: str) -> int:
        loaded = self._loaded(aid)
        for c in loaded.cells:
            if c.role == "stub" and c.grade_id == stub:
                return c.index
        raise KeyError(f"{aid} has no stub cell {stub}")

    def _swap(self, aid: str, stub: str, source: str) -> str | None:
        # The name goes first: a mutant whose cell fails must not leave the reference defined.
        return self.sub.run_cell(aid, self.stub_index(aid, stub), f"globals().pop({stub!r}, None)\n{source}", swap=True)

    def _hidden(self, aid: str, stub: str, stop_at_first: bool) -> list[str]:
        failed = []
        for test in self.tests(aid, stub):
            outcome, _ = hidden.run(test, self.sub, self.course.time_limits.test_seconds, shrink=not stop_at_first)
            if not outcome.passed and not outcome.grader_error:
                failed.append(test.name)
                if stop_at_first:
                    break
        return failed

    def _cells_fail(self, aid: str, cells: list[tuple[str, str]]) -> list[str]:
        """The cells (labels) that raise, each run on the notebook's data as loaded."""
        self._loaded(aid)
        failed = []
        for label, source in cells:
            self.sub.run_cell(aid, -1, _RESTORE)
            if self.sub.run_cell(aid, -1, source) is not None:
                failed.append(label)
        return failed

    def reference(self, aid: str, stub: str) -> Reference:
        """The reference against its own judges, recording the calls the hidden tests make."""
        self._swap(aid, stub, self.reference_cell(aid, stub))
        calls: list[tuple[list, dict]] = []
        real = self.sub.call

        def recording(a: str, target: str, args: list, kwargs: dict | None = None, **kw: Any) -> dict:
            if target == stub and len(calls) < 200:
                calls.append((list(args), dict(kwargs or {})))
            return real(a, target, args, kwargs, **kw)

        self.sub.call = recording  # type: ignore[method-assign]
        try:
            failing = self._hidden(aid, stub, stop_at_first=False)
        finally:
            del self.sub.call
        checks = self.checks(aid, stub)
        failing += self._cells_fail(aid, [(c.grade_id or c.label, c.source) for c in checks])
        example = worked_example(checks, stub)
        if example and self._cells_fail(aid, [("worked example", example)]):
            failing.append("worked example")
        return Reference(aid, stub, failing, calls)

    def judge(self, aid: str, mutant: Mutant) -> Judged:
        start = time.monotonic()
        out = Judged(mutant)
        checks = self.checks(aid, mutant.stub)
        try:
            error = self._swap(aid, mutant.stub, mutant.source)
            if error:
                out.error = error.strip().splitlines()[-1] if error.strip() else "error"
                out.hidden, out.visible, out.example = ["(the cell fails)"], [c.grade_id or c.label for c in checks], True
            else:
                out.hidden = self._hidden(aid, mutant.stub, stop_at_first=True)
                out.visible = self._cells_fail(aid, [(c.grade_id or c.label, c.source) for c in checks])
                example = worked_example(checks, mutant.stub)
                out.example = bool(example) and bool(self._cells_fail(aid, [("worked example", example)]))
        finally:
            self._swap(aid, mutant.stub, self.reference_cell(aid, mutant.stub))
        out.seconds = time.monotonic() - start
        return out

    def calls_on(self, aid: str, stub: str, source: str, calls: list[tuple[list, dict]]) -> list[dict]:
        """Replies of `source` (the reference or a mutant) to each call: result and inputs afterwards,
        or the built-in exception classes it raised."""
        self._swap(aid, stub, source)
        replies = []
        try:
            for args, kwargs in calls:
                try:
                    reply = self.sub.call(aid, stub, list(args), kwargs, may_raise=True)
                except (StubError, BaseException) as exc:  # noqa: BLE001 - a hang or crash is an answer too
                    if isinstance(exc, KeyboardInterrupt):
                        raise
                    reply = {"ok": False, "exc_types": [type(exc).__name__]}
                replies.append(reply)
        finally:
            self._swap(aid, stub, self.reference_cell(aid, stub))
        return replies


def run_with(bench_factory: Callable[[], Workbench], fn: Callable[[Workbench], Any]) -> Any:
    bench = bench_factory()
    try:
        return fn(bench)
    finally:
        bench.close()
