"""Neighbours are safe: a greedy student graded beside a correct one (two sandboxes at once, as
`course grade --all --jobs 2` runs them) changes nothing in the correct one's results, and costs
it little time. The timing goal (at most 1.5x alone) is measured by benchmarks/neighbours.py; the
bound here is looser because the test suite shares this machine with its other workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.runtime import sandbox
from corpus.build import CORPUS, write_submission

AID = "02_convolutions"
GREEDY = CORPUS / "neighbours" / "corr2d__greedy_neighbour.py"


def _grade(folder: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "COURSE_DATA_ROOT": os.environ.get("COURSE_DATA_ROOT", "")}
    return subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", str(folder), "--results", str(out),
                             "--no-train", "-q"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _scores(path: Path) -> list[tuple[str, float, str]]:
    return [(t["name"], t["score"], t.get("output", "")) for t in json.loads(path.read_text())["tests"]]


def test_a_greedy_neighbour_changes_nothing_for_a_correct_student(tmp_path, course):
    if sandbox.mode() != "bwrap":
        pytest.skip("neighbours share /tmp and the host without bubblewrap")
    good, bad = tmp_path / "good", tmp_path / "bad"
    write_submission(good, course, AID)
    write_submission(bad, course, AID, {"corr2d": GREEDY.read_text()})

    start = time.monotonic()
    assert _grade(good, tmp_path / "alone.json").wait() == 0
    alone = time.monotonic() - start

    start = time.monotonic()
    greedy = _grade(bad, tmp_path / "greedy.json")
    try:
        time.sleep(2)  # let the neighbour get going first
        assert _grade(good, tmp_path / "beside.json").wait() == 0
        beside = time.monotonic() - start - 2
        assert greedy.poll() is None, "the greedy neighbour was not running the whole time"
    finally:
        greedy.kill()  # its sandbox dies with it (bubblewrap's --die-with-parent); its own grade is tested elsewhere
        greedy.wait()

    assert _scores(tmp_path / "beside.json") == _scores(tmp_path / "alone.json")
    assert _scores(tmp_path / "alone.json") and all(score > 0 for _, score, _ in _scores(tmp_path / "alone.json"))
    assert beside < 2.5 * alone, (alone, beside)
