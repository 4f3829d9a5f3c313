"""A whole term, end to end, with real nbgrader and a real exchange in a temporary folder.

The instructor releases; alice (correct), bob (partly wrong) and mallory (hostile) fetch
and submit through the exchange; the instructor collects, grades everyone into the
gradebook, writes feedback and exports CSV. Then: grading again changes nothing, and a
grading run killed midway and re-run loses nothing. LeNet training is left out here
(test_lenet_training.py covers it) to keep the suite's time reasonable.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.reports import feedback
from autograder.term import classroom as term, demo, gradebook
from sandbox_util import wait_for_no_leftovers

ROOT = Path(__file__).resolve().parent.parent


def _submitted_term(course, folder: Path) -> demo.Term:
    t = demo.make_course(course, folder)
    term.release_to_exchange(t.course, None, t.exchange)
    for s in demo.STUDENTS:
        demo.student_does_the_work(t, s, ROOT / "examples" / "students" / s)
    # One uid plays every student here, so nbgrader's owner check would cry wolf.
    assert term.collect(t.course, None, t.exchange, check_owner=False) == sorted(demo.STUDENTS)
    return t


def _csv(t: demo.Term, name: str = "grades.csv") -> dict[tuple[str, str], tuple[float, float]]:
    path = gradebook.export_csv(t.course, t.course.root / name)
    return {(r["student_id"], r["assignment"]): (float(r["score"]), float(r["max_score"])) for r in csv.DictReader(path.open())}


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    t = _submitted_term(course, tmp_path_factory.mktemp("term") / "course")
    run = term.grade_class(t.course, jobs=2, train=False)
    return t, run


def test_the_csv_holds_the_expected_totals(graded):
    t, run = graded
    rows = _csv(t)
    assert {s for s, _ in rows} == set(demo.STUDENTS)
    for a in t.course.assignments:
        automatic = sum(a.checks.values()) + sum(p for n, p in a.hidden.items() if n != "lenet_trains_on_fashion_mnist")
        manual = sum(a.manual.values())
        # max_score is nbgrader's: every grade cell, written answers and the training test included.
        for s in demo.STUDENTS:
            assert rows[(s, a.id)][1] == pytest.approx(automatic + manual + a.hidden.get("lenet_trains_on_fashion_mnist", 0))
            mine = sum(x["score"] for x in run.records[s]["tests"] if x["assignment"] == a.id)
            assert rows[(s, a.id)][0] == pytest.approx(mine), (s, a.id)
        assert rows[("alice", a.id)][0] == pytest.approx(automatic), a.id
    totals = {s: sum(v[0] for (who, _), v in rows.items() if who == s) for s in demo.STUDENTS}
    assert totals["alice"] > totals["bob"] > 0 and totals["alice"] > totals["mallory"] > 0


def test_each_student_loses_points_where_they_erred_and_nowhere_else(graded):
    _, run = graded
    lost = {s: sorted({st for x in run.records[s]["tests"] if x["score"] < x["max_score"] for st in x["stubs"]})
            for s in demo.STUDENTS}
    assert lost["alice"] == []
    assert lost["bob"] == ["Bottleneck", "Conv2D", "SEBlock", "conv_output_shape", "evaluate_accuracy", "pool2d_strided"]
    # mallory's attacks gain nothing: her comparison patch (02) and her self-killing cell (04) run at
    # the top level of their notebooks, before any stub, so every stub of those two notebooks scores
    # zero; the rest of her (honest) work is graded as usual.
    from autograder import notebook

    c = graded[0].course
    hit = sorted(cell.grade_id for aid in ("02_convolutions", "04_channels")
                 for cell in notebook.load_cells(c.assignments_dir / aid / c.assignment(aid).notebook) if cell.role == "stub")
    assert lost["mallory"] == hit
    corr2d = [x for x in run.records["mallory"]["tests"] if "corr2d" in x["stubs"]]
    assert corr2d and all(x["score"] == 0 for x in corr2d)
    assert not any(x["grader_error"] for s in demo.STUDENTS for x in run.records[s]["tests"])


def test_feedback_shows_points_and_counterexamples(graded):
    t, run = graded
    html = feedback.write(t.course, "bob", run.records["bob"], t.course.root / "feedback").read_text()
    assert "conv_output_shape(" in html and "returned" in html and "expected" in html
    assert "SEBlock" in html and "not implemented yet" in html
    assert f"{run.records['bob']['score']:g} / {run.records['bob']['max_score']:g}" in html
    assert "<script" not in html  # outputs are escaped


def test_grading_again_changes_nothing(graded):
    t, run = graded
    before = _csv(t, "before.csv")
    again = term.grade_class(t.course, jobs=1, train=False)
    assert again.graded == [] and sorted(again.skipped) == sorted(demo.STUDENTS)
    assert _csv(t, "after.csv") == before
    forced = term.grade_class(t.course, jobs=1, train=False, force=True, only=["bob"])
    assert forced.graded == ["bob"]
    assert [(x["test"], x["score"], x["output"]) for x in forced.records["bob"]["tests"]] == \
        [(x["test"], x["score"], x["output"]) for x in run.records["bob"]["tests"]]
    assert _csv(t, "forced.csv") == before


def test_a_killed_grading_run_loses_nothing(graded, course, tmp_path):
    reference, _ = graded
    t = _submitted_term(course, tmp_path / "course")
    argv = [sys.executable, "-m", "autograder.cli", "--course", str(t.course.root / "course.yaml"),
            "grade", "--all", "--no-train", "-q"]
    proc = subprocess.Popen(argv, cwd=t.course.root, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = term.autograded_dir(t.course, demo.STUDENTS[0]) / "record.json"
    deadline = time.monotonic() + 300
    while not first.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert first.exists(), "the first student was never graded"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # Below the killed grader or marked with this course's path; not this test process's own helpers.
    assert wait_for_no_leftovers([str(t.course.root)], root=proc.pid) == []
    done = [s for s in demo.STUDENTS if (term.autograded_dir(t.course, s) / "record.json").exists()]
    assert 1 <= len(done) < len(demo.STUDENTS), done

    resumed = term.grade_class(t.course, jobs=1, train=False)
    assert sorted(resumed.skipped) == done and sorted(resumed.graded) == sorted(set(demo.STUDENTS) - set(done))
    assert _csv(t) == _csv(reference, "reference.csv")


def test_shards_split_the_class_without_overlap():
    people = [f"s{i:02d}" for i in range(10)]
    parts = [term.shard(people, f"{i}/3") for i in (1, 2, 3)]
    assert sorted(sum(parts, [])) == people and all(parts)
    with pytest.raises(ValueError, match="i/N"):
        term.shard(people, "3")
    with pytest.raises(ValueError, match="1 <= i <= N"):
        term.shard(people, "4/3")


def test_a_student_the_grader_chokes_on_costs_nobody_else(course, tmp_path, monkeypatch, capsys):
    """A grader failure on one submission is named, the rest of the class is graded and stored,
    the exit status says the grader failed, and the next run retries only that student."""
    from corpus.build import write_submission

    from autograder import cli
    from autograder.grading import grade

    t = demo.make_course(course, tmp_path / "course")
    aid = "01_dense_to_conv"
    gradebook.sync(t.course)
    for s in ("ann", "ben", "cat"):
        write_submission(term.submitted_dir(t.course) / s, t.course, aid)
    real = grade.grade

    def choke_on_ben(folder, *args, **kwargs):
        if Path(folder).name == "ben":
            raise RuntimeError("simulated grader bug")
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(grade, "grade", choke_on_ben)
    code = cli.main(["--course", str(t.course.root / "course.yaml"), "grade", "--all", "--no-train", "-q"])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_GRADER
    assert "ben" in err and "simulated grader bug" in out
    graded = {r["student_id"] for r in csv.DictReader(gradebook.export_csv(t.course, tmp_path / "g.csv").open())
              if float(r["score"]) > 0}
    assert graded == {"ann", "cat"}

    monkeypatch.setattr(grade, "grade", real)
    again = term.grade_class(t.course, jobs=1, train=False)
    assert again.graded == ["ben"] and sorted(again.skipped) == ["ann", "cat"] and not again.failed


def test_the_term_produces_every_lms_and_platform_format(graded, capsys):
    """What `course demo` ends with, on this term: Canvas and Moodle CSVs through a roster (dana
    enrolled, never submitting), PrairieLearn's results, Gradescope's Markdown results.json per
    student, and the collect log that bounds each claimed submission time."""
    import json

    from autograder import cli
    from autograder.term import witness

    t, run = graded
    cli._demo_lms(t, run)
    out = capsys.readouterr().out
    canvas = list(csv.reader((t.course.root / "canvas.csv").open(encoding="utf-8")))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[1][0].strip() == "Points Possible" and len(canvas) == 2 + 4
    dana = next(r for r in canvas if r[2] == "S1004")
    assert dana[5:] == [""] * len(t.course.assignments) and "dana" in out
    moodle = list(csv.reader((t.course.root / "moodle.csv").open(encoding="utf-8")))
    assert moodle[0][0] == "Email address" and {r[0] for r in moodle[1:]} >= {"alice@example.edu", "bob@example.edu"}
    pl = json.loads((t.course.root / "prairielearn" / "alice" / "results.json").read_text())
    assert pl["gradable"] is True and 0 <= pl["score"] <= 1 and pl["tests"]
    for s in demo.STUDENTS:
        gs = json.loads((term.autograded_dir(t.course, s) / "results.json").read_text())
        assert gs["output_format"] == "md" and all(x["output_format"] == "md" for x in gs["tests"])
    log = [json.loads(line) for line in witness.log_path(t.course).read_text().splitlines()]
    assert {e["assignment"] for e in log} == {a.id for a in t.course.assignments}
    assert all(set(e["seen"]) == set(demo.STUDENTS) and all(e["seen"].values()) for e in log)


def test_one_students_feedback_failing_stops_no_other(graded, monkeypatch, capsys):
    """`course feedback` writes every page it can; one it cannot is named and the exit status says so."""
    from autograder import cli

    t, _ = graded
    real = feedback.write

    def write(course, student, record, out):
        if student == "bob":
            raise ValueError("a record the page cannot show")
        return real(course, student, record, out)

    monkeypatch.setattr(feedback, "write", write)
    out = t.course.root / "feedback"
    for page in out.glob("*/feedback.html"):
        page.unlink()
    assert cli.main(["--course", str(t.course.root / "course.yaml"), "feedback"]) == cli.EXIT_GRADER
    assert sorted(p.parent.name for p in out.glob("*/feedback.html")) == ["alice", "mallory"]
    err = capsys.readouterr().err
    assert "could not write the report of bob" in err
