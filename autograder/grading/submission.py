"""A student's submission as the trusted parent sees it: notebooks found, loaded into a
sandboxed child, and stubs callable through plain-data requests.

Crashes are contained here. If a cell kills the child while loading, the child is
restarted without that cell; if a call kills it, that call fails and the child is
restarted, so one hostile stub costs only its own tests.
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from dataclasses import dataclass, field
import os
from pathlib import Path
import stat
import time
from typing import Any, Callable, Iterator, Union

from autograder import config as course_config, notebook
from autograder.grading import content, help, intake
from autograder.runtime.sandbox import DEFAULT_REPLY_BYTES, Child, ChildDied, ChildTimeout, Limits
from autograder.runtime.sandboxed import wire

RUNNABLE_ROLES = ("stub", "code")


class StubError(AssertionError):
    """A stub could not be called or failed: the message is meant for the student."""


class StubCrashed(BaseException):
    """A call killed or hung the child. A BaseException, so hypothesis does not retry it
    while shrinking: each retry would cost a sandbox restart."""


@dataclass
class Loaded:
    """One notebook in the child: which cells ran, which failed, which names exist."""

    path: Path
    cells: list[notebook.Cell]
    errors: dict[int, str] = field(default_factory=dict)
    bad_cells: set[int] = field(default_factory=set)  # cells that killed the child
    names: set[str] = field(default_factory=set)
    swapped: dict[int, str] = field(default_factory=dict)  # cell index -> the source run instead (audit)

    def stub_cell(self, name: str) -> notebook.Cell | None:
        for c in self.cells:
            if c.role == "stub" and c.grade_id == name:
                return c
        for c in self.cells:  # a student may have moved the def to another cell
            if c.cell_type == "code" and name in c.defined_names():
                return c
        return None


def find_notebooks(folder: Path, course: course_config.Course) -> tuple[dict[str, Path], dict[str, str]]:
    """Notebooks in a submission, and why an expected one is missing or refused.

    Three layouts: a folder of assignment folders (`<id>/<notebook>`, nbgrader's submitted/
    tree or a student's repository), where the assignments present are graded and an absent
    folder was simply not submitted; one assignment folder (`<id>/` itself); or a flat upload
    such as Gradescope's /autograder/submission. A notebook that is expected but not there
    (renamed, say) is a problem: its assignment scores zero, with the reason. So is one that is
    not the submission's own file (a link to solutions/ or to a classmate's notebook, a hard
    link, an assignment folder that is a link): see autograder/grading/intake.py. Nothing is followed.
    Returns (found, problems): assignment id -> notebook path (an `intake.Member`, read through
    intake), and id -> why it is missing or refused.
    """
    folder = Path(folder)
    found: dict[str, Path] = {}
    problems: dict[str, str] = {}

    def missing(a: course_config.Assignment, home: str) -> str:
        try:
            others = [n for n in intake.names(folder, home) if n.endswith(".ipynb")]
        except (OSError, intake.Refused):
            others = []
        hint = f"; found {', '.join(others)} instead (notebooks must keep their names)" if others else ""
        return f"{a.id}/{a.notebook} is missing{hint}"

    def look(a: course_config.Assignment, rel: str, home: str) -> None:
        try:
            os.close(intake.open_member(folder, rel))
            found[a.id] = intake.Member.at(folder, rel)
        except intake.Refused as exc:
            problems[a.id] = str(exc)
        except OSError:
            problems[a.id] = missing(a, home)

    def kind(rel: str) -> str:
        try:
            st = intake.entry(folder, rel)
        except intake.Refused:
            return "refused"
        return "dir" if st is not None and stat.S_ISDIR(st.st_mode) else "file" if st is not None else ""

    submitted = [a for a in course.assignments if kind(a.id) in ("dir", "refused")]
    if submitted:
        for a in submitted:
            look(a, f"{a.id}/{a.notebook}", a.id)
        return found, problems
    for a in course.assignments:
        if kind(a.notebook):  # there in some form; a refused one is a problem, an absent one is not
            look(a, a.notebook, "")
    if not found and not problems:
        # Nothing recognisable: an assignment folder named by its id expects only its own notebook;
        # a flat upload could have been any of them (`--assignment` narrows it down).
        named = [a for a in course.assignments if a.id == folder.name]
        for a in named or course.assignments:
            problems[a.id] = missing(a, "")
    return found, problems


class Submission:
    """The child process for one submission, and the notebooks loaded into it."""

    def __init__(self, folder: Path, course: course_config.Course, limits: Limits | None = None) -> None:
        self.folder = Path(folder).resolve()
        self.course = course
        self.limits = limits or Limits.from_course(course)
        self.notebooks, self.missing = find_notebooks(self.folder, course)
        self.loaded: dict[str, Loaded] = {}
        self.child: Child | None = None
        self.gpu = False
        self._in_child: set[str] = set()
        self.restarts = 0
        self.deadline: float | None = None  # the current budget's end (time.monotonic), if any
        self._rid = 0  # request id: each reply must carry its request's
        self.budget_what = ""

    # -- child life cycle ------------------------------------------------------------------
    def _ensure_child(self) -> Child:
        if self.child is None or not self.child.alive:
            if self.child is not None:
                self.child.cleanup()
                self.restarts += 1
            # Starting costs the budget too: a child that kills itself on every call restarts often.
            limits = dataclasses.replace(self.limits, startup_seconds=self._left(self.limits.startup_seconds))
            self.child = Child(self.folder, limits, gpu=self.gpu, probes=content.load(self.course).probe_files()).start()
            self._in_child = set()
        return self.child

    def close(self) -> None:
        if self.child is not None:
            self.child.cleanup()
            self.child = None

    @contextmanager
    def dedicated_child(self, limits: Limits, *, gpu: bool = False) -> Iterator["Submission"]:
        """A fresh child of its own for a long job (training), with its own limits and devices.

        The notebook is loaded again there; the main child, and what it has loaded, come back after.
        """
        saved = (self.child, self._in_child, self.limits, self.gpu, self.restarts)
        self.child, self._in_child, self.limits, self.gpu = None, set(), limits, gpu
        try:
            yield self
        finally:
            output = self.output
            self.close()
            self.child, self._in_child, self.limits, self.gpu, self.restarts = saved
            self.dedicated_output = output

    def __enter__(self) -> "Submission":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def output(self) -> str:
        return self.child.output.text() if self.child else ""

    # -- notebooks ---------------------------------------------------------------------------
    @contextmanager
    def budget(self, seconds: float, what: str) -> Iterator[None]:
        """A wall-clock budget for everything inside (loads, reloads, requests): the child's
        messages cannot extend it, and a child that dies and is restarted spends from it too."""
        saved = (self.deadline, self.budget_what)
        end = time.monotonic() + seconds
        self.deadline = end if self.deadline is None else min(end, self.deadline)
        self.budget_what = f"{what} ran past its budget of {seconds:g} s"
        try:
            yield
        finally:
            self.deadline, self.budget_what = saved

    def _left(self, want: float) -> float:
        """`want` seconds, or what the budget has left if that is less; OverBudget when it is spent."""
        if self.deadline is None:
            return want
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise OverBudget(self.budget_what)
        return min(want, left)

    def load(self, aid: str) -> Loaded:
        """Run the notebook's stub and example cells in the child (once per child).

        Each cell has cell_seconds from its start, by the parent's clock; the whole load has
        what the budget leaves. A child that says anything but the events of the cells it was
        sent is stopped, and the notebook is not graded.
        """
        if aid not in self.loaded:
            path = self.notebooks[aid]
            try:
                cells = notebook.load_cells(path)
            except notebook.NotebookError as exc:
                raise StubError(str(exc).removeprefix(f"{path}: ")) from None  # the caller names the file
            self.loaded[aid] = Loaded(path, cells)
        loaded = self.loaded[aid]
        cell_seconds = self.course.time_limits.cell_seconds
        while aid not in self._in_child:
            try:
                self._left(cell_seconds)
                child = self._ensure_child()
            except OverBudget as exc:
                raise StubError(f"the notebook could not be loaded: {exc}") from None
            except ChildDied as exc:
                raise StubError(f"the notebook could not be loaded: {exc}") from None
            runnable = [
                [c.index, notebook.runnable_source(loaded.swapped.get(c.index, c.source))]
                for c in loaded.cells
                if c.role in RUNNABLE_ROLES and c.index not in loaded.bad_cells
            ]
            sent, started = {index for index, _ in runnable}, set()
            current, cell_deadline = None, time.monotonic() + cell_seconds
            try:
                child.send({"op": "load", "ns": aid, "cells": runnable}, self._left(cell_seconds))
                while True:
                    left = self._left(max(cell_deadline - time.monotonic(), 0.0))
                    if left <= 0:
                        child.close()
                        raise ChildTimeout(f"a notebook cell did not finish within {cell_seconds:g} s")
                    event = child.events(left, "a notebook cell")
                    if event.get("event") == "loaded" and started == sent:
                        names = event.get("names", [])
                        loaded.names = {n for n in names if type(n) is str} if isinstance(names, list) else set()
                        self._in_child.add(aid)
                        break
                    index, status = event.get("index"), event.get("status")
                    if event.get("event") != "cell" or index not in sent or (status == "start") == (index in started):
                        child.close()
                        raise StubError("the notebook's process sent the grader a message it never asked for; "
                                        "the notebook was not graded")
                    if status == "start":
                        started.add(index)
                        current, cell_deadline = index, time.monotonic() + cell_seconds
                    elif status == "error":
                        loaded.errors[index] = cap(str(event.get("error", "")))
            except OverBudget as exc:
                child.close()
                where = f" ({loaded.cells[current].label} was running)" if current is not None else ""
                raise StubError(f"the notebook could not be loaded: {exc}{where}") from None
            except ChildDied as exc:
                if current is None:
                    raise StubError(f"the notebook could not be loaded: {exc}") from None
                loaded.bad_cells.add(current)
                label = loaded.cells[current].label
                loaded.errors[current] = f"{label} stopped the grader's process ({exc}); it was skipped"
                if isinstance(exc, ChildTimeout):
                    # A hang is most likely a stub that never returns, which every later example calling
                    # it would repeat: later cells other than stubs are left out, so a hang costs its time once.
                    later = [c.index for c in loaded.cells
                             if c.index > current and c.role == "code" and c.index not in loaded.bad_cells]
                    loaded.bad_cells.update(later)
                    if later:
                        loaded.errors[current] += (f"; so were the {len(later)} code cell(s) after it, "
                                                   "which are examples, not stubs")
        return loaded

    def run_cell(self, aid: str, index: int, source: str, *, swap: bool = False) -> str | None:
        """Run one more cell's source in the loaded notebook's namespace: its error, or None.

        With `swap`, the source stands for cell `index` from now on, also when the child is
        restarted (the audit swaps one stub for a mutant in a notebook loaded once). The instructor's
        own code only (a mutant of the reference, a released check): a student's cells come from load.
        """
        loaded = self.load(aid)
        if swap:
            loaded.swapped[index] = source
            loaded.bad_cells.discard(index)
            loaded.errors.pop(index, None)
        child = self._ensure_child()
        if aid not in self._in_child:  # restarted: load runs the swapped source with the rest
            self.load(aid)
            return loaded.errors.get(index) if swap else self.run_cell(aid, index, source)
        seconds = self.course.time_limits.cell_seconds
        error: str | None = None
        try:
            child.send({"op": "load", "ns": aid, "cells": [[index, notebook.runnable_source(source)]]}, self._left(seconds))
            deadline = time.monotonic() + seconds
            while True:
                event = child.events(self._left(max(deadline - time.monotonic(), 0.01)), "a notebook cell")
                if event.get("event") == "loaded":
                    if swap and error:
                        loaded.errors[index] = error
                    return error
                if event.get("status") == "error":
                    error = cap(str(event.get("error", "")))
        except ChildDied as exc:
            self._in_child.clear()
            return f"the cell stopped the grader's process ({exc})"

    # -- requests ----------------------------------------------------------------------------
    def _request(self, aid: str, msg: dict, doing: Described, *, timeout: float | None = None,
                 on_event: Callable[[dict], None] | None = None, max_events: int = 0,
                 max_reply: int = DEFAULT_REPLY_BYTES, shape: dict | None = None,
                 may_raise: bool = False) -> dict:
        """One request; `doing` names it for messages and is only rendered when one is needed.

        Long requests stream events (training epochs) before their reply; `timeout` bounds the
        whole, and the budget bounds that. Every frame is held to `max_reply` bytes, the events
        to `max_events` (help requests to help.MAX_CALLS), the reply to `shape`: a child that
        breaks any of these is stopped, and the call fails as the student's.
        """
        self.load(aid)
        child = self._ensure_child()
        timeout = self.course.time_limits.call_seconds if timeout is None else timeout
        helper = help.Session(tuple(msg.pop("stand_ins", ())), int(msg.get("seed", 0)))
        events = 0
        self._rid += 1
        try:
            deadline = time.monotonic() + self._left(timeout)
            child.max_reply = max_reply
            child.send({**msg, "ns": aid, "help": helper.descriptors(), "rid": self._rid},
                       self._left(deadline - time.monotonic()))
            while True:
                reply = child.events(self._left(max(deadline - time.monotonic(), 0.01)), "the call")
                if reply.get("event") == "help" and helper.calls <= help.MAX_CALLS:
                    answer = helper.answer(reply)
                    try:
                        child.send(answer, self._left(max(deadline - time.monotonic(), 0.01)))
                    except wire.WireError as exc:  # built from the student's arguments: their failure to see
                        child.send({"ok": False, "error": f"the grader's stand-in cannot answer that ({exc})"[:500]},
                                   self._left(max(deadline - time.monotonic(), 0.01)))
                    continue
                if "event" not in reply:
                    if reply.get("rid") != self._rid:  # a reply forged from inside, or meant for another call
                        child.close()
                        raise ChildDied("the process answered a question the grader did not ask")
                    break
                events += 1
                if events > max_events:
                    child.close()
                    raise ChildDied(f"the process sent more messages than this call may ({max_events})")
                if on_event is not None:
                    on_event(reply)
        except ChildDied as exc:
            self._in_child.clear()
            kind = StubHung if isinstance(exc, ChildTimeout) else StubCrashed
            raise kind(f"{_render(doing)}: {exc}") from None
        finally:
            if child.alive:
                child.max_reply = DEFAULT_REPLY_BYTES
        if not reply.get("ok"):
            if may_raise and reply.get("kind") == "exception" and isinstance(reply.get("exc_types"), list):
                return reply
            raise StubError(_failure_text(_render(doing), reply))
        for key, kind in (shape or {}).items():
            if not isinstance(reply.get(key), kind):
                self.close()
                self._in_child.clear()
                raise StubError(f"{_render(doing)}: the notebook's process sent back an incomplete reply (no {key}); "
                                "the grader stopped it")
        return reply

    def call(self, aid: str, target: str, args: list, kwargs: dict | None = None, *,
             stand_ins: tuple[str, ...] = (), seed: int = 0, described: Described = "",
             may_raise: bool = False) -> dict:
        """The child's reply to one call. With `may_raise`, an exception the stub raised comes back
        as the reply (`ok` false, `exc_types` the built-in classes it is an instance of)."""
        msg = {"op": "call", "target": target, "args": list(args), "kwargs": kwargs or {},
               "stand_ins": list(stand_ins), "seed": seed}
        reply = self._request(aid, msg, described or target, shape={"args_after": list, "ops": list},
                              may_raise=may_raise)
        if may_raise and not reply.get("ok"):
            return reply
        if "result" not in reply:
            raise StubError(f"{_render(described or target)}: the notebook's process sent back no result")
        return reply

    def probe(self, aid: str, probe: str, params: dict, *, stand_ins: tuple[str, ...] = (),
              seed: int = 0, described: Described = "", timeout: float | None = None,
              on_event: Callable[[dict], None] | None = None, max_events: int = 0,
              max_reply: int = DEFAULT_REPLY_BYTES) -> "Report":
        msg = {"op": "probe", "probe": probe, "params": params, "stand_ins": list(stand_ins), "seed": seed}
        reply = self._request(aid, msg, described or probe, timeout=timeout, on_event=on_event,
                              max_events=max_events, max_reply=max_reply, shape={"report": dict})
        return Report(reply["report"])


class StubHung(StubCrashed):
    """A call ran past its time: the stub's other tests are not run (a hang costs its time once)."""


class Report(dict):
    """A probe's plain-data report; a field the child left out fails the test as the student's."""

    def __missing__(self, key: str):
        raise StubError(f"the notebook's process sent back a report without {key!r}")


class OverBudget(StubCrashed):
    """The assignment's (or the training test's) wall-clock budget is spent."""


def cap(text: str, limit: int = 4000) -> str:
    """Text from the child, at most `limit` characters (head and tail kept)."""
    return text if len(text) <= limit else f"{text[: limit // 2]}\n[... {len(text) - limit} characters cut ...]\n{text[-limit // 2:]}"


Described = Union[str, Callable[[], str]]


def _render(doing: Described) -> str:
    return doing() if callable(doing) else doing


def _failure_text(doing: str, reply: dict) -> str:
    if reply.get("kind") == "not_implemented":
        return f"{doing} raised NotImplementedError: not implemented yet"
    error = cap(str(reply.get("error", ""))).strip()
    return f"{doing} raised an error:\n{error}" if error else f"{doing} failed"
