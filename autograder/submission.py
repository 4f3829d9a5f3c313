"""A student's submission as the trusted parent sees it: notebooks found, loaded into a
sandboxed child, and stubs callable through plain-data requests.

Crashes are contained here. If a cell kills the child while loading, the child is
restarted without that cell; if a call kills it, that call fails and the child is
restarted, so one hostile stub costs only its own tests.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
import os
from pathlib import Path
import stat
import time
from typing import Any, Callable, Iterator, Union

from autograder import config as course_config
from autograder import help
from autograder import intake
from autograder import notebook
from autograder.sandbox import Child, ChildDied, Limits

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
    link, an assignment folder that is a link): see autograder/intake.py. Nothing is followed.
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
        self.limits = limits or Limits()
        self.notebooks, self.missing = find_notebooks(self.folder, course)
        self.loaded: dict[str, Loaded] = {}
        self.unreadable: dict[str, str] = {}
        self.child: Child | None = None
        self.gpu = False
        self._in_child: set[str] = set()
        self.restarts = 0

    # -- child life cycle ------------------------------------------------------------------
    def _ensure_child(self) -> Child:
        if self.child is None or not self.child.alive:
            if self.child is not None:
                self.child.cleanup()
                self.restarts += 1
            self.child = Child(self.folder, self.limits, gpu=self.gpu).start()
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
    def load(self, aid: str) -> Loaded:
        """Run the notebook's stub and example cells in the child (once per child)."""
        if aid not in self.loaded:
            path = self.notebooks[aid]
            try:
                cells = notebook.load_cells(path)
            except notebook.NotebookError as exc:
                self.unreadable[aid] = str(exc)
                raise StubError(str(exc)) from None
            self.loaded[aid] = Loaded(path, cells)
        loaded = self.loaded[aid]
        while aid not in self._in_child:
            child = self._ensure_child()
            runnable = [
                [c.index, notebook.runnable_source(c.source)]
                for c in loaded.cells
                if c.role in RUNNABLE_ROLES and c.index not in loaded.bad_cells
            ]
            child.send({"op": "load", "ns": aid, "cells": runnable})
            current = None
            try:
                while True:
                    event = child.events(self.course.time_limits.cell_seconds, "a notebook cell")
                    if event.get("event") == "loaded":
                        loaded.names = set(event.get("names", []))
                        self._in_child.add(aid)
                        break
                    current = event.get("index")
                    if event.get("status") == "error":
                        loaded.errors[current] = str(event.get("error", ""))
            except ChildDied as exc:
                if current is None:
                    raise StubError(f"the notebook could not be loaded: {exc}") from None
                loaded.bad_cells.add(current)
                label = loaded.cells[current].label
                loaded.errors[current] = f"{label} stopped the grader's process ({exc}); it was skipped"
        return loaded

    # -- requests ----------------------------------------------------------------------------
    def _request(self, aid: str, msg: dict, doing: Described, *, timeout: float | None = None,
                 on_event: Callable[[dict], None] | None = None) -> dict:
        """One request; `doing` names it for messages and is only rendered when one is needed.

        Long requests stream events (training epochs) before their reply; `timeout` bounds the whole.
        """
        self.load(aid)
        child = self._ensure_child()
        timeout = self.course.time_limits.call_seconds if timeout is None else timeout
        helper = help.Session(tuple(msg.pop("stand_ins", ())), int(msg.get("seed", 0)))
        try:
            deadline = time.monotonic() + timeout
            child.send({**msg, "ns": aid, "help": helper.descriptors()})
            while True:
                reply = child.events(max(deadline - time.monotonic(), 0.01), "the call")
                if reply.get("event") == "help":
                    child.send(helper.answer(reply))
                    continue
                if "event" not in reply:
                    break
                if on_event is not None:
                    on_event(reply)
        except ChildDied as exc:
            self._in_child.clear()
            raise StubCrashed(f"{_render(doing)}: {exc}") from None
        if not reply.get("ok"):
            raise StubError(_failure_text(_render(doing), reply))
        return reply

    def call(self, aid: str, target: str, args: list, kwargs: dict | None = None, *,
             stand_ins: tuple[str, ...] = (), seed: int = 0, described: Described = "") -> dict:
        msg = {"op": "call", "target": target, "args": list(args), "kwargs": kwargs or {},
               "stand_ins": list(stand_ins), "seed": seed}
        return self._request(aid, msg, described or target)

    def probe(self, aid: str, probe: str, params: dict, *, stand_ins: tuple[str, ...] = (),
              seed: int = 0, described: Described = "", timeout: float | None = None,
              on_event: Callable[[dict], None] | None = None) -> dict:
        msg = {"op": "probe", "probe": probe, "params": params, "stand_ins": list(stand_ins), "seed": seed}
        return self._request(aid, msg, described or probe, timeout=timeout, on_event=on_event)["report"]


Described = Union[str, Callable[[], str]]


def _render(doing: Described) -> str:
    return doing() if callable(doing) else doing


def _failure_text(doing: str, reply: dict) -> str:
    if reply.get("kind") == "not_implemented":
        return f"{doing} raised NotImplementedError: not implemented yet"
    error = str(reply.get("error", "")).strip()
    return f"{doing} raised an error:\n{error}" if error else f"{doing} failed"
