"""What each task's text promises, and which hidden test keeps each promise.

A notebook's task text is a contract: types accepted, errors raised, defaults, initial values,
dtypes, shapes, inputs left alone. A promise the hidden suite does not test is a promise the
grader pays for without checking (a student sees a failing visible check and a full score).
So every hidden-test module keeps a table, one `promise(...)` per clause, quoting the task's own
words, and `audit` checks the table against the notebook and the suite:

* every quoted clause is in the stub's task text (the table follows the notebook as it changes);
* every test it names exists and grades that stub;
* every stub addresses every KIND: with a promise, or with `no_promise(...)` saying why the text
  makes none of that kind (or why it cannot be tested).

The registry is engine: it names no stub. The tables live beside the tests that keep them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The kinds of clause a task's text makes; every stub addresses each one.
KINDS = ("values", "types", "errors", "defaults", "initial values", "dtype", "shapes", "inputs unchanged")


@dataclass(frozen=True)
class Promise:
    assignment: str
    stub: str
    kind: str
    text: str  # the task's own words; "" for a kind the text does not promise
    tests: tuple[str, ...] = ()
    why: str = ""  # for no_promise, or a promise no test can keep: the reason


_TABLE: dict[str, list[Promise]] = {}


def _add(p: Promise) -> None:
    if p.kind not in KINDS:
        raise ValueError(f"promise for {p.assignment}/{p.stub}: kind {p.kind!r} is not one of {KINDS}")
    if not p.tests and not p.why.strip():
        raise ValueError(f"promise for {p.assignment}/{p.stub} ({p.kind}): name the tests that keep it, or say why none can")
    _TABLE.setdefault(p.assignment, []).append(p)


def promise(assignment: str, stub: str, kind: str, text: str, tests: tuple[str, ...] | str = (), *,
            untestable: str = "") -> None:
    """One clause of `stub`'s task text (quoted in `text`), kept by `tests`, or `untestable` and why."""
    tests = (tests,) if isinstance(tests, str) else tuple(tests)
    if not text.strip():
        raise ValueError(f"promise for {assignment}/{stub} ({kind}): quote the task's words")
    _add(Promise(assignment, stub, kind, text, tests, untestable))


def no_promise(assignment: str, stub: str, kind: str, why: str) -> None:
    """The task's text makes no promise of this kind for `stub` (or none that can be tested): say why."""
    _add(Promise(assignment, stub, kind, "", (), why))


def forget() -> None:
    """Drop every table (a new course's content is being loaded)."""
    _TABLE.clear()


def here(module_name: str) -> str:
    """The assignment of the content module calling it (`A = promises.here(__name__)`): never typed."""
    from autograder.grading.content import assignment_of

    return assignment_of(module_name)


def table(assignment: str) -> list[Promise]:
    return list(_TABLE.get(assignment, []))


def normalize(text: str) -> str:
    """Markdown as a reader sees it: whitespace runs are one space, emphasis marks dropped."""
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def audit(assignment: str, stubs: dict[str, str], tests: dict[str, tuple[str, ...]]) -> list[str]:
    """Problems with one assignment's table. `stubs` maps each stub to its task text (the markdown
    before its cell); `tests` maps each hidden test to the stubs it grades."""
    problems = []
    rows = table(assignment)
    for p in rows:
        where = f"{assignment}/{p.stub} ({p.kind})"
        if p.stub not in stubs:
            problems.append(f"{where}: no stub of that name in the notebook")
            continue
        if p.text and normalize(p.text) not in normalize(stubs[p.stub]):
            problems.append(f"{where}: the task text does not say {p.text!r}")
        for t in p.tests:
            if t not in tests:
                problems.append(f"{where}: no hidden test named {t}")
            elif p.stub not in tests[t]:
                problems.append(f"{where}: hidden test {t} does not grade {p.stub} (it grades {', '.join(tests[t])})")
    for stub in stubs:
        missing = [k for k in KINDS if not any(p.stub == stub and p.kind == k for p in rows)]
        if missing:
            problems.append(f"{assignment}/{stub}: no promise or no_promise for {', '.join(missing)}")
    return problems


def task_texts(cells) -> dict[str, str]:
    """Each stub's task text: the markdown between the previous stub cell and its own.

    `cells` are a notebook's cells (autograder.notebook.Cell); the first stub also gets the
    notebook's introduction, which states promises that hold for every stub."""
    texts: dict[str, str] = {}
    pending: list[str] = []
    for c in cells:
        if c.cell_type == "markdown":
            pending.append(c.source)
        elif c.role == "stub" and c.grade_id:
            texts[c.grade_id] = "\n\n".join(pending)
            pending = []
    return texts
