"""Hostile submissions gain nothing and harm nothing.

Each file in tests/corpus/hostile/ is one corr2d cell that attacks the grader (patched
comparisons, a lying tensor subclass, stolen frames, exits, hangs, bombs, floods, fake
results, file-system and network snooping, pickles, deletions). Every one of them is wrong
were the attack removed (it modifies its input and returns the wrong shape), so "gaining
nothing" means: all of corr2d's tests score zero. "Harming nothing" means: the grading
finishes, Conv2D and learn_kernel keep full marks (or, for a cell that acts at the top level of
the notebook, lose them by the policy, which says so), no process is left behind, nothing outside
the sandbox changes (results files, markers, the submission itself), no connection reaches
the machine, and a clean submission graded right after scores full marks. One file is an
honest, noisy corr2d: it must score full marks.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from autograder.grading import grade, hidden
from autograder.runtime import sandbox
from corpus.build import ROOT, corpus_files, write_submission
from sandbox_util import Listener, fast_course, snapshot, wait_for_no_leftovers

AID = "02_convolutions"
# The slowest first, so that two workers finish together.
SLOW = ["infinite_loop", "fork_bomb", "memory_bomb", "huge_stdout", "os_exit_at_import"]
HOSTILE = sorted(corpus_files("hostile"), key=lambda p: (SLOW.index(p.stem.split("__")[1]) if p.stem.split("__")[1] in SLOW else len(SLOW), p.name))
HONEST = {"honest_with_warnings"}
# Attacks on the file system and the network: only bubblewrap contains them (the rlimits
# fallback says loudly that it does not), so they are skipped where bwrap cannot start.
NEEDS_BWRAP = {"fake_results_json", "search_disk_for_solutions", "socket_exfiltration", "delete_files"}
# Places outside the sandbox that a hostile cell guesses for results.json.
GUESSED = [ROOT / "results.json", ROOT.parent / "results.json", Path("/tmp/results.json"), Path("/results.json"),
           Path("/autograder/results/results.json"), Path("/root/results.json")]


def attack(path: Path) -> str:
    return path.stem.split("__", 1)[1]


def test_corpus_is_large_enough():
    assert len(HOSTILE) >= 16
    assert all(p.stem.startswith("corr2d__") for p in HOSTILE)


@pytest.fixture(scope="module")
def quick(course):
    return fast_course(course)


@pytest.fixture(scope="module")
def clean(tmp_path_factory, quick):
    folder = tmp_path_factory.mktemp("clean")
    write_submission(folder, quick, AID)
    return folder


def _cell(path: Path, port: int, marker: Path, results: Path) -> str:
    """The corpus cell, pointed at this test's port and watched files."""
    source = path.read_text()
    source = re.sub(r"^PORT = \d+", f"PORT = {port}", source, flags=re.M)
    source = re.sub(r"^MARKER = .*$", f"MARKER = {str(marker)!r}", source, flags=re.M)
    source = re.sub(r"^RESULTS = .*$", f"RESULTS = {str(results)!r}", source, flags=re.M)
    return source


def test_grades_twice_in_one_process(quick, clean):
    """Grading many submissions in one process (a class) must not trip over hypothesis state
    left by the previous one, and must give the same verdict each time."""
    for _ in range(2):
        result = grade.grade(clean, quick, only=[AID])
        assert result.score == result.max_score > 0


@pytest.mark.parametrize("path", HOSTILE, ids=[attack(p) for p in HOSTILE])
def test_hostile_submission_gains_nothing_and_harms_nothing(path, tmp_path, quick, clean, monkeypatch):
    name = attack(path)
    if name in NEEDS_BWRAP and sandbox.mode() != "bwrap":
        pytest.skip(f"{name} is contained only by bubblewrap, which cannot start here: {sandbox._bwrap_works()[1]}")
    outside = tmp_path / "outside"
    outside.mkdir()
    marker, results = outside / "unpickled-marker", outside / "results.json"
    results.write_text('{"score": 0}')
    monkeypatch.setenv("GRADESCOPE_RESULTS", str(results))  # a path the child might look up in its environment
    folder = tmp_path / "submission"
    listener = Listener()
    try:
        write_submission(folder, quick, AID, {"corr2d": _cell(path, listener.port, marker, results)})
        watched = [outside, folder, *GUESSED]
        before = {p: snapshot(p) for p in watched}

        result = grade.grade(folder, quick, only=[AID])
    finally:
        listener.close()

    # Gains nothing: every corr2d test scores zero (the honest one: full marks), with feedback.
    own = [t for t in result.tests if "corr2d" in t.stubs]
    others = [t for t in result.tests if "corr2d" not in t.stubs]
    hidden_counts = [len([t for t in group if t.kind == "hidden"]) for group in (own, others)]
    registered = hidden.tests_for(quick, AID)
    expected = [sum("corr2d" in t.stubs for t in registered), sum("corr2d" not in t.stubs for t in registered)]
    assert hidden_counts == expected and any(t.kind == "check" for t in own), [(t.name, t.kind) for t in result.tests]
    assert not [t.name for t in result.tests if t.grader_error], [(t.name, t.output) for t in result.tests]
    if name in HONEST:
        assert [(t.name, t.output) for t in own if not t.passed] == []
    else:
        assert [(t.name, t.score) for t in own if t.score] == [], f"{name} gained points"
        assert all(t.output.strip() for t in own), "a failed test without feedback"
    # Harms nothing: the other stubs keep every point, unless the cell acts at the top level of the
    # notebook (it runs before any stub): then the policy zeros every stub of it, and says so.
    everywhere = any("every stub of this notebook scores zero" in n for n in result.notes)
    if everywhere:
        assert [(t.name, t.score) for t in others if t.score] == [], f"{name} acts at the top level"
    else:
        assert [(t.name, t.output) for t in others if not t.passed] == []
    assert result.sandbox == sandbox.mode()

    # Nothing is left running, nothing outside changed, nothing reached the network.
    assert wait_for_no_leftovers([str(folder)]) == []
    assert {p: snapshot(p) for p in watched} == before
    assert not marker.exists()
    assert listener.seen == []

    _attack_specific(name, result)

    # The next submission is graded as if nothing had happened.
    again = grade.grade(clean, quick, only=[AID])
    assert [(t.name, t.output) for t in again.tests if not t.passed] == []
    assert again.score == again.max_score > 0
    assert wait_for_no_leftovers([str(clean)]) == []


def _attack_specific(name: str, result: grade.SubmissionResult) -> None:
    """The attack really ran, and was contained the way we expect."""
    out = result.output
    if name == "honest_with_warnings":
        assert "debug: corr2d called" in out and "consider vectorising" in out
    elif name == "huge_stdout":
        assert len(out) < sandbox.Limits().output_bytes + 200
        assert "bytes of output cut" in out
    elif name == "os_exit_at_import":
        assert any("stopped the grader's process" in n for n in result.notes), result.notes
    elif name == "infinite_loop":
        assert any("did not finish" in t.output for t in result.tests if "corr2d" in t.stubs)
    elif name == "fork_bomb":
        # Forking a torch-sized process ~127 times takes seconds: on a busy machine the cell may
        # overrun cell_seconds and be skipped instead. Either way the process limit held.
        counts = [int(n) for n in re.findall(r"forked (\d+) processes", out)]
        assert counts or any("did not finish" in n for n in result.notes), (result.notes, out[-3000:])
        assert max(counts, default=0) <= sandbox.Limits().processes, counts
    elif name == "search_disk_for_solutions":
        assert "LEAKED" not in out
    elif name == "socket_exfiltration":
        # Inside, only the sandbox's own loopback exists: a UDP datagram to it "succeeds" (nobody
        # there), every TCP/unix connection fails; the listener above proves nothing left.
        reached = re.search(r"reached: (\[.*?\])\n", out)
        assert reached, out[:3000]
        assert all(kind == "udp" and addr[0] == "127.0.0.1" for kind, addr in ast.literal_eval(reached.group(1))), reached.group(1)
    elif name == "fake_results_json":
        written = re.search(r"fake results.json written to: (\[.*?\])", out)
        assert written, out[:2000]
        # Only the sandbox's own private /tmp took the fake (and it vanished with the sandbox).
        assert all(p.startswith("/tmp/") for p in ast.literal_eval(written.group(1))), written.group(1)
