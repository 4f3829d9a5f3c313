"""One audit: mutants generated, spread over worker processes, judged, survivors examined.

Three phases, each a list of independent tasks for a pool of `jobs` worker processes (each
with its own sandboxed reference notebook, loaded once and reused):

1. the reference of every stub against its own judges, recording the calls its hidden tests make;
2. the mutants, in small chunks per stub, so that workers stay busy;
3. for each stub with survivors, the differential test that tells equivalent mutants apart.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from autograder import config
from autograder.grading import hidden
from autograder.authoring.audit import equivalence, explained, runner
from autograder.authoring.audit.operators import Mutant, generate

CHUNK = 6


@dataclass
class StubReport:
    aid: str
    stub: str
    reference_failing: list[str] = field(default_factory=list)
    judged: list[runner.Judged] = field(default_factory=list)
    checked_inputs: int = 0  # inputs of the equivalence check (0: not checked)
    stale: list[str] = field(default_factory=list)  # explained equivalents no generated mutant matches

    def count(self, what: str) -> int:
        j = self.judged
        return {
            "mutants": len(j),
            "hidden": sum(bool(m.hidden) for m in j),
            "visible": sum(bool(m.visible) for m in j),
            "example": sum(m.example for m in j),
            "equivalent": sum(m.equivalent is True for m in j),
            "survivors": sum(not m.hidden and m.equivalent is not True for m in j),
            "visible_only": sum(bool(m.visible) and not m.hidden for m in j),
        }[what]

    def score(self, judge: str) -> float | None:
        """Killed by `judge` over the mutants that are not equivalent."""
        n = self.count("mutants") - self.count("equivalent")
        if n <= 0:
            return None
        killed = sum(bool(getattr(m, judge)) for m in self.judged if m.equivalent is not True)
        return killed / n


@dataclass
class Audit:
    stubs: list[StubReport]
    seconds: float = 0.0
    jobs: int = 1

    def total(self, what: str) -> int:
        return sum(s.count(what) for s in self.stubs)

    def score(self, judge: str) -> float | None:
        n = self.total("mutants") - self.total("equivalent")
        if n <= 0:
            return None
        killed = sum(bool(getattr(m, judge)) for s in self.stubs for m in s.judged if m.equivalent is not True)
        return killed / n


# ------------------------------------------------------------------------- worker side
_BENCH: dict[str, runner.Workbench] = {}


def _bench(course_file: str) -> runner.Workbench:
    if course_file not in _BENCH:
        _BENCH[course_file] = runner.Workbench(config.load(Path(course_file)))
    return _BENCH[course_file]


def _reference(course_file: str, aid: str, stub: str) -> runner.Reference:
    return _bench(course_file).reference(aid, stub)


def _judge(course_file: str, aid: str, mutants: list[Mutant]) -> list[runner.Judged]:
    bench = _bench(course_file)
    return [bench.judge(aid, m) for m in mutants]


def _equivalence(course_file: str, aid: str, stub: str, calls: list[tuple[list, dict]],
                 survivors: list[Mutant]) -> tuple[int, list[tuple[bool, str]]]:
    bench = _bench(course_file)
    pool = equivalence.inputs(calls)
    reference = bench.calls_on(aid, stub, bench.reference_cell(aid, stub), pool)
    out = []
    for m in survivors:
        differs = equivalence.first_difference(reference, bench.calls_on(aid, stub, m.source, pool))
        out.append((differs is None, "" if differs is None else equivalence.describe(stub, pool[differs])))
    return len(pool), out


def _close_benches() -> None:
    for bench in _BENCH.values():
        bench.close()
    _BENCH.clear()


# ------------------------------------------------------------------------- parent side
def plan(course: config.Course, assignments: list[str] | None = None, stubs: list[str] | None = None,
         max_mutants: int | None = None) -> list[tuple[str, str, list[Mutant]]]:
    """(assignment, stub, mutants) for every stub asked for; `max_mutants` per stub, spread over operators."""
    out = []
    for a in course.assignments:
        if assignments and a.id not in assignments:
            continue
        hidden.tests_for(course, a.id)  # the hidden module: its tests and its explained equivalents
        for stub in runner.stubs_of(course, a.id):
            if stubs and stub not in stubs:
                continue
            mutants = generate(runner.reference_source(course, a.id, stub), stub)
            out.append((a.id, stub, spread(mutants, max_mutants)))
    if stubs:
        unknown = set(stubs) - {s for _, s, _ in out}
        if unknown:
            raise KeyError(f"no stub named {', '.join(sorted(unknown))} in the assignments audited")
    return out


def spread(mutants: list[Mutant], most: int | None) -> list[Mutant]:
    """At most `most` mutants, taken round-robin across operators so every fault kind is sampled."""
    if most is None or len(mutants) <= most:
        return mutants
    by_op: dict[str, list[Mutant]] = {}
    for m in mutants:
        by_op.setdefault(m.operator, []).append(m)
    out: list[Mutant] = []
    while len(out) < most:
        for group in by_op.values():
            if group and len(out) < most:
                out.append(group.pop(0))
    return out


class _Inline:
    """The pool's interface in this process, for jobs=1 (no worker start-up, easy to debug)."""

    def submit(self, fn: Callable, *args: Any):
        class Done:
            def __init__(self, value: Any) -> None:
                self.value = value

            def result(self) -> Any:
                return self.value

        return Done(fn(*args))

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        _close_benches()


def run(course: config.Course, course_file: Path, *, assignments: list[str] | None = None,
        stubs: list[str] | None = None, max_mutants: int | None = None, jobs: int = 1,
        progress: Callable[[int, int], None] | None = None) -> Audit:
    """Audit the hidden tests of the stubs asked for. `progress(done, total)` after each chunk."""
    import time

    start = time.monotonic()
    work = plan(course, assignments, stubs, max_mutants)
    reports = {(aid, stub): StubReport(aid, stub) for aid, stub, _ in work}
    total = sum(len(m) for _, _, m in work)
    done = 0
    cf = str(Path(course_file).resolve())
    pool = (ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker)
            if jobs > 1 else _Inline())
    with pool as ex:
        refs = {(aid, stub): ex.submit(_reference, cf, aid, stub) for aid, stub, _ in work}
        references = {k: f.result() for k, f in refs.items()}
        futures = []
        for aid, stub, mutants in work:
            reports[(aid, stub)].reference_failing = references[(aid, stub)].failing
            if references[(aid, stub)].failing:
                continue  # the reference fails its own judges: mutants would mean nothing
            for i in range(0, len(mutants), CHUNK):
                futures.append(((aid, stub), ex.submit(_judge, cf, aid, mutants[i:i + CHUNK])))
        for key, f in futures:
            judged = f.result()
            reports[key].judged += judged
            done += len(judged)
            if progress:
                progress(done, total)
        eq = {}
        for key, report in reports.items():
            survivors = [j.mutant for j in report.judged if not j.hidden]
            calls = references[key].calls
            if survivors and calls:
                eq[key] = ex.submit(_equivalence, cf, key[0], key[1], calls, survivors)
        for key, f in eq.items():
            n, verdicts = f.result()
            reports[key].checked_inputs = n
            survivors = [j for j in reports[key].judged if not j.hidden]
            for j, (equal, witness) in zip(survivors, verdicts):
                j.equivalent, j.witness = equal, witness
    for (aid, stub), report in reports.items():
        for j in report.judged:
            why = explained.why(aid, stub, j.mutant.description)
            if why and not j.hidden:  # the instructor's word; a difference found stays shown (the witness)
                j.equivalent, j.explained = True, why
        generated = {m.description for a, s, ms in work if (a, s) == (aid, stub) for m in ms}
        report.stale = [d for s, d, _ in explained.entries(aid) if s == stub and d not in generated
                        and max_mutants is None]
    return Audit(list(reports.values()), time.monotonic() - start, jobs)


def _init_worker() -> None:
    import atexit

    atexit.register(_close_benches)
