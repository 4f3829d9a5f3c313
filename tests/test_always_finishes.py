"""Whatever a submission holds, grading finishes within its budget, writes valid results, and the
grader's own memory stays bounded: misbehaving children (forged events and replies, floods, hangs,
a process that stops reading) and unreadable notebooks cost the submission, never the grader.

The child's misbehaviour is real: the cells below reach the child's own protocol functions, as a
hostile student can (the policy zeros them for it as well; here the point is that the grader copes).
"""

from __future__ import annotations

import json
import os
import signal
import time
import xml.etree.ElementTree as ET

import nbformat
import pytest
import torch

from autograder.grading import grade
from autograder.reports import report
from autograder.runtime import sandbox
from corpus.build import write_submission
from sandbox_util import wait_for_no_leftovers

AID = "01_dense_to_conv"
STUB = "dense_layer_params"
RIGHT = "def dense_layer_params(height, width, hidden):\n    return int(height * width * hidden + hidden)\n"
PROTOCOL = "import sys\n_send = sys.modules['__main__']._send\n"


def _quick(course):
    limits = course.time_limits.model_copy(update={"call_seconds": 4, "cell_seconds": 6, "test_seconds": 20})
    return course.model_copy(update={"time_limits": limits})


def _rss() -> int:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _graded(tmp_path, course, replace=None, extra=None):
    """Grade one submission and check what must hold whatever it holds: it finished within the
    assignment's budget (plus the sandbox's start), its reports are valid and small, nothing is left."""
    folder = tmp_path / "sub"
    write_submission(folder, course, AID, replace or {}, extra=extra)
    before, start = _rss(), time.monotonic()
    result = grade.grade(folder, course, only=[AID], train=False)
    elapsed = time.monotonic() - start
    assert elapsed < course.time_limits.assignment_budget + 30, elapsed
    assert _rss() - before < 300 * 1024**2, "the grader's memory grew with what the child sent"
    results = json.dumps(report.gradescope(result))
    assert len(results) < 256 * 1024, len(results)
    report.write_junit(result, tmp_path / "junit.xml")
    ET.parse(tmp_path / "junit.xml")  # well-formed whatever the messages hold
    assert not result.grader_errors, [(t.name, t.output) for t in result.tests if t.grader_error]
    assert wait_for_no_leftovers([str(folder)]) == []
    return result


def _own(result):
    return [t for t in result.tests if t.kind == "hidden" and STUB in t.stubs]


def test_a_forged_cell_event_stops_the_notebook_not_the_grader(tmp_path, course):
    forged = PROTOCOL + "_send({'event': 'cell', 'index': 10**6, 'status': 'error', 'error': 'x'})\n"
    result = _graded(tmp_path, _quick(course), extra={STUB: [forged]})
    assert result.tests and result.score == 0
    assert any("never asked for" in n for n in result.notes), result.notes


def test_a_forged_reply_without_its_fields_is_the_students_failure(tmp_path, course):
    cell = PROTOCOL + RIGHT.replace("    return", "    _send({'ok': True})\n    return")
    result = _graded(tmp_path, _quick(course), {STUB: cell})
    own = _own(result)
    assert own and all(t.score == 0 for t in own), [(t.name, t.score) for t in own]
    # The notebook's own example cells call the stub while it loads (then the load stops), or a test
    # does (then the call fails): either way the forged reply is named and earns nothing.
    said = [t.output for t in own] + result.notes
    assert any("did not ask" in text or "never asked for" in text for text in said), said


def test_cell_events_cannot_extend_a_cells_deadline(tmp_path, course):
    """A cell that never returns but says "started" again and again."""
    chatty = PROTOCOL + ("import time\nwhile True:\n    for _i in range(200):\n"
                         "        _send({'event': 'cell', 'index': _i, 'status': 'start'})\n    time.sleep(0.2)\n")
    quick = _quick(course)
    start = time.monotonic()
    result = _graded(tmp_path, quick, extra={STUB: [chatty]})
    assert time.monotonic() - start < 3 * quick.time_limits.cell_seconds + 30
    assert result.score == 0 and result.notes


def test_a_slow_cell_and_stubs_that_kill_their_process_stay_within_the_budget(tmp_path, course):
    """Each test of a stub that kills its process reloads the notebook; a slow cell makes every
    reload slow. The assignment's budget bounds the sum."""
    quick = _quick(course)
    slow = f"import time\ntime.sleep({quick.time_limits.cell_seconds - 1})\n"
    killer = "import os\n\ndef dense_layer_params(height, width, hidden):\n    os._exit(3)\n"
    killer2 = killer.replace("dense_layer_params(height, width, hidden)",
                             "conv_layer_params(kernel_size, in_channels=1, out_channels=1)")
    start = time.monotonic()
    result = _graded(tmp_path, quick, {STUB: killer, "conv_layer_params": killer2}, extra={STUB: [slow]})
    assert time.monotonic() - start < quick.time_limits.assignment_budget + 30
    assert result.score == 0


def test_a_flood_of_bytes_is_refused_before_it_is_read(tmp_path, course):
    big = "import torch\n\ndef dense_layer_params(height, width, hidden):\n    return torch.zeros(6_000_000)\n"
    result = _graded(tmp_path, _quick(course), {STUB: big})
    own = _own(result)
    assert own and all(t.score == 0 for t in own)
    assert any("more than the" in t.output for t in own), [t.output[:300] for t in own]


def test_a_child_that_stops_reading_cannot_block_the_grader(tmp_path):
    """The child stops itself (SIGSTOP) before a large request arrives: the write has a deadline."""
    (tmp_path / "sub").mkdir()
    child = sandbox.Child(tmp_path / "sub").start()
    try:
        stopper = "import os, signal, threading\nthreading.Timer(0.3, os.kill, (os.getpid(), signal.SIGSTOP)).start()\n"
        child.send({"op": "load", "ns": "x", "cells": [[0, stopper]]})
        while child.events(20, "loading").get("event") != "loaded":
            pass
        time.sleep(1.0)
        start = time.monotonic()
        with pytest.raises(sandbox.ChildTimeout):
            child.send({"op": "call", "ns": "x", "target": "f", "args": [torch.zeros(16_000_000)], "kwargs": {}}, timeout=3)
        assert time.monotonic() - start < 10
    finally:
        child.cleanup()
    assert wait_for_no_leftovers([str(tmp_path / "sub")]) == []


def test_a_cell_nested_too_deep_for_the_parser_is_graded_as_unreadable(tmp_path, course):
    deep = "x = " + "1 + " * 100_000 + "1\n"  # ast.parse: RecursionError
    result = _graded(tmp_path, _quick(course), extra={STUB: [deep]})
    assert result.tests and result.score == 0
    assert any("could not be read" in n for n in result.notes), result.notes


def test_a_notebook_nested_too_deep_is_refused_with_a_note(tmp_path, course):
    folder = tmp_path / "sub"
    path = write_submission(folder, course, AID)
    nb = nbformat.read(path, as_version=4)
    text = nbformat.writes(nb)
    path.write_text(text[:-2] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    result = grade.grade(folder, _quick(course), only=[AID], train=False)
    assert result.tests and result.score == 0 and not result.grader_errors
    assert any("nested too deep" in n for n in result.notes), result.notes
    report.write_junit(result, tmp_path / "junit.xml")
    ET.parse(tmp_path / "junit.xml")


def test_a_stopped_child_is_still_cleaned_up(tmp_path):
    (tmp_path / "sub").mkdir()
    child = sandbox.Child(tmp_path / "sub").start()
    pid = child.proc.pid
    os.killpg(pid, signal.SIGSTOP)
    child.cleanup()
    assert child.proc is None
    assert wait_for_no_leftovers([str(tmp_path / "sub")]) == []
