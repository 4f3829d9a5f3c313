"""`pytest assignments/` and `pytest solutions/`: one item per visible check, readable failures."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest

from corpus.build import answered_notebook


def run_pytest(target: Path | str, cwd: Path, tmp_path: Path) -> dict[str, tuple[str, str]]:
    """Run pytest in a fresh process; return {test name: (outcome, message)}."""
    xml = tmp_path / f"report-{abs(hash(str(target)))}.xml"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(target), "-q", "-p", "no:cacheprovider", f"--junitxml={xml}"],
        cwd=cwd, capture_output=True, text=True, timeout=600,
    )
    assert xml.exists(), f"pytest produced no report:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    results = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                outcome, message = tag, (node.get("message") or "") + "\n" + (node.text or "")
        results[name] = outcome, message
    return results


def total_checks(course) -> int:
    return sum(len(a.checks) for a in course.assignments)


def test_every_visible_check_passes_on_the_solutions(course, root, tmp_path):
    results = run_pytest("solutions/", root, tmp_path)
    assert len(results) == total_checks(course)
    bad = {k: v for k, v in results.items() if v[0] != "passed"}
    assert not bad, bad


def test_released_stubs_fail_every_check_with_not_implemented_yet(course, root, tmp_path):
    results = run_pytest("assignments/", root, tmp_path)
    assert len(results) == total_checks(course), "each check cell must be one item, with no collection errors"
    for name, (outcome, message) in results.items():
        assert outcome == "failure", f"{name}: {outcome}"
        assert "not implemented yet" in message, f"{name}: {message[:300]}"
        assert "Traceback" not in message


def test_runs_inside_a_students_copy_of_one_assignment(course, root, tmp_path):
    copy = tmp_path / "my-work" / "02_convolutions"
    shutil.copytree(root / "assignments" / "02_convolutions", copy)
    results = run_pytest(".", copy, tmp_path)
    assert len(results) == len(course.assignment("02_convolutions").checks)
    assert all(outcome == "failure" for outcome, _ in results.values())


def test_wrong_answer_says_what_was_called_returned_and_expected(course, tmp_path):
    flipped = "def corr2d(X, K):\n    K = K.flip(0).flip(1)\n    h, w = K.shape\n    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))\n" \
              "    for i in range(Y.shape[0]):\n        for j in range(Y.shape[1]):\n            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()\n    return Y\n"
    folder = tmp_path / "02_convolutions"
    folder.mkdir()
    nbformat.write(answered_notebook(course, "02_convolutions", {"corr2d": flipped}), folder / "convolutions.ipynb")
    results = run_pytest(".", folder, tmp_path)
    outcome, message = next(v for k, v in results.items() if k.endswith("check_corr2d_example"))
    assert outcome == "failure"
    assert "corr2d(X=tensor(" in message and "returned" in message and "expected" in message
    assert results[next(k for k in results if k.endswith("check_conv2d_module"))][0] == "passed"


def test_unreadable_notebook_is_one_failing_item_not_a_collection_error(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "convolutions.ipynb").write_text('{"cells": [ this is not json')
    results = run_pytest(".", folder, tmp_path)
    assert len(results) == 1
    (outcome, message), = results.values()
    assert outcome == "failure" and "not valid JSON" in message and "convolutions.ipynb" in message
