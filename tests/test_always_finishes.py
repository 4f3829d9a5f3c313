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


def test_a_notebook_of_too_many_cells_is_refused_before_anything_runs(tmp_path, course):
    """More cells than a notebook may have (notebook.MAX_CELLS) would not even fit in one message to
    the child: refused unread, the student's zero with the count named, never a crash."""
    from autograder import notebook

    flood = ["x = 1\n"] * (notebook.MAX_CELLS + 10)
    result = _graded(tmp_path, _quick(course), extra={STUB: flood})
    assert result.tests and result.score == 0
    assert any(f"more than the {notebook.MAX_CELLS} a notebook may have" in n for n in result.notes), result.notes


def test_a_grader_bug_in_one_assignment_costs_that_assignment_only(tmp_path, course, monkeypatch, caplog):
    """A surprise in the grader's own code: that assignment's tests are grader errors (pending, not
    zeros), the other assignment is graded in full, and the reports are still written."""
    other = "03_padding_stride"
    folder = tmp_path / "sub"
    for aid in (AID, other):
        write_submission(folder, course, aid)
    real_policy = grade._policy

    def buggy(course, aid, *args, **kwargs):
        if aid == AID:
            raise KeyError("a bug in the grader")
        return real_policy(course, aid, *args, **kwargs)

    monkeypatch.setattr(grade, "_policy", buggy)
    result = grade.grade(folder, _quick(course), only=[AID, other], train=False)
    mine = [t for t in result.tests if t.assignment == AID]
    theirs = [t for t in result.tests if t.assignment == other]
    assert mine and all(t.grader_error and t.score == 0 for t in mine), [(t.name, t.output) for t in mine]
    assert all("internal grader error while grading" in t.output for t in mine if t.kind == "hidden")
    assert theirs and all(t.passed and not t.grader_error for t in theirs), [(t.name, t.output) for t in theirs]
    assert any("internal grader error" in n and AID in n for n in result.notes), result.notes
    assert "a bug in the grader" in caplog.text  # the traceback reached the instructor's log
    results = report.gradescope(result)
    assert results["score"] == sum(t.max_score for t in theirs)
    report.write_junit(result, tmp_path / "junit.xml")
    ET.parse(tmp_path / "junit.xml")
    assert wait_for_no_leftovers([str(folder)]) == []


def test_a_grader_bug_outside_any_assignment_still_gives_a_result(tmp_path, course, monkeypatch):
    """Even where the grader fails before any assignment (here: reading the folder), grade returns a
    result with every wanted assignment pending, so results.json is written and the run says so."""
    folder = tmp_path / "sub"
    write_submission(folder, course, AID)

    def broken(*args, **kwargs):
        raise OSError("a bug in the grader's folder walk")

    monkeypatch.setattr(grade.Submission, "__init__", broken)
    result = grade.grade(folder, _quick(course), only=[AID], train=False)
    hidden_tests = [t for t in result.tests if t.kind == "hidden"]
    assert hidden_tests and all(t.grader_error for t in hidden_tests)
    assert result.grader_errors == len(result.tests)
    assert report.gradescope(result)["score"] == 0 and report.pending(result.tests)


def test_a_folder_nested_thousands_deep_is_read_only_so_far(tmp_path, course):
    """Folders nested 3,000 deep blew Python's recursion limit in every walk over a submission
    (collect's copy, the fingerprint, the collect log's digest). Now they stop at intake.MAX_DEPTH,
    the deep folder is refused by name, and the notebook beside it is graded as usual."""
    from autograder.grading import intake
    from autograder.term import classroom, witness

    student = tmp_path / "student"
    write_submission(student, course, AID)
    _nest(student / AID, 3000)
    try:
        refused = intake.copy_tree(student, tmp_path / "copy")
        assert [r for r in refused if intake.DEEP in str(r)], refused
        assert classroom.fingerprint(course, student, False) == classroom.fingerprint(course, student, False)
        assert witness.digest(student, AID)
        result = grade.grade(student, _quick(course), only=[AID], train=False)
        assert result.tests and all(t.passed for t in result.tests), [(t.name, t.output) for t in result.tests if not t.passed]
    finally:
        _nest(student / AID, 3000, remove=True)  # pytest's own clean-up would recurse as deep


def _nest(top, depth: int, remove: bool = False) -> None:
    """Make (or remove) top/d/d/.../d, `depth` folders, one level at a time (no recursion, no long path)."""
    here = os.getcwd()
    try:
        os.chdir(top)
        for _ in range(depth):
            if not remove:
                os.mkdir("d")
            os.chdir("d")
        for _ in range(depth if remove else 0):
            os.chdir("..")
            os.rmdir("d")
    finally:
        os.chdir(here)


def test_a_folder_of_too_many_files_is_read_only_so_far(tmp_path):
    """A submission of more than intake.MAX_ENTRIES files: a walk reads that many, refuses the next
    by name and stops, so collecting or fingerprinting it costs bounded time and memory."""
    from autograder.grading import intake

    root = tmp_path / "student"
    (root / "many").mkdir(parents=True)
    for i in range(intake.MAX_ENTRIES + 50):
        (root / "many" / f"f{i:06d}").touch()
    entries = list(intake.walk(root, follow_root=False))
    assert len(entries) == intake.MAX_ENTRIES + 1
    assert entries[-1].kind == "refused" and intake.CROWDED in str(entries[-1].refused)
    again = list(intake.walk(root, follow_root=False))  # the same entries each time: fingerprints hold
    assert [(e.rel, e.kind) for e in entries] == [(e.rel, e.kind) for e in again]
    refused = intake.copy_tree(root, tmp_path / "copy")
    assert len(refused) == 1 and intake.CROWDED in str(refused[0])
    assert len(intake.names(root, "many")) == intake.MAX_ENTRIES + 1


def test_file_names_that_are_not_text_are_handled_everywhere(tmp_path, course):
    """Linux names are bytes: one that is not UTF-8 crashed the fingerprint and the collect log.
    Now every walk hashes a name's own bytes, and a report that shows a name shows it cleaned."""
    from autograder.grading import intake
    from autograder.term import classroom, witness

    student = tmp_path / "student"
    path = write_submission(student, course, AID)
    folder = os.fsencode(path.parent)
    with open(folder + b"/\xff\xfe.txt", "wb") as f:
        f.write(b"x")
    os.mkdir(folder + b"/dir\xff\x1b[2J")
    first = classroom.fingerprint(course, student, False)
    assert first == classroom.fingerprint(course, student, False) and witness.digest(student, AID)
    assert intake.copy_tree(student, tmp_path / "copy") == []
    assert os.path.exists(os.fsencode(tmp_path / "copy" / AID) + b"/\xff\xfe.txt")
    os.rename(path, folder + b"/" + os.fsencode(path.stem) + b"\xff\x1b[31m.ipynb")  # the notebook, renamed
    assert classroom.fingerprint(course, student, False) != first
    result = grade.grade(student, _quick(course), only=[AID], train=False)
    assert result.score == 0 and not result.grader_errors
    shown = report.cleaned(result)
    [note] = [n for n in shown.notes if "found" in n]
    assert "\x1b" not in note and "\udcff" not in note and "\ufffd" in note, note
    json.dumps(report.gradescope(result), ensure_ascii=False).encode()  # no lone surrogate left
    report.write_junit(result, tmp_path / "junit.xml")
    ET.parse(tmp_path / "junit.xml")
