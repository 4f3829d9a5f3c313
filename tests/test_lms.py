"""`course export --format canvas|moodle|csv`: the roster, the columns each platform documents,
blank versus zero, pending grader errors, late penalties, and formula injection."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from autograder import cli
from autograder.reports import lms
from autograder.term import demo, gradebook

HOSTILE = "=HYPERLINK(\"http://evil\",\"x\")"


def _results(course, aid: str, *, pending: str | None = None, zero: str | None = None) -> list[dict]:
    a = course.assignment(aid)
    tests = [{"assignment": aid, "test": n, "kind": "hidden", "score": 0.0 if n == zero else p,
              "grader_error": n == pending} for n, p in a.hidden.items()]
    tests += [{"assignment": aid, "test": n, "kind": "check", "score": p, "grader_error": False} for n, p in a.checks.items()]
    return tests


@pytest.fixture(scope="module")
def term(course, tmp_path_factory):
    """A course copy whose gradebook holds four graded students, without running the grader."""
    from nbgrader.api import Gradebook

    t = demo.make_course(course, tmp_path_factory.mktemp("lms") / "course")
    c = t.course
    gradebook.sync(c)
    ids = [a.id for a in c.assignments]
    two = c.assignment("02_convolutions")
    lost, broken = list(two.hidden)[:2]
    gradebook.store(c, "alice", {"tests": [x for aid in ids for x in _results(c, aid)]})
    bob = [x for aid in ids if aid != "03_padding_stride" for x in _results(c, aid)
           if aid != "02_convolutions"] + _results(c, "02_convolutions", pending=broken, zero=lost)
    gradebook.store(c, "bob", {"tests": bob})
    gradebook.store(c, "eve", {"tests": _results(c, "01_dense_to_conv")})       # not on the roster
    gradebook.store(c, HOSTILE, {"tests": _results(c, "01_dense_to_conv")})     # a hostile folder name, not on it either
    with Gradebook(gradebook.url(c)) as gb:  # a late penalty of 2 points on bob's 01 (nbgrader's own field)
        gb.find_submission_notebook("dense_to_conv", "01_dense_to_conv", "bob").late_submission_penalty = 2.0
        gb.db.commit()
    return t


def _roster(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


ROSTER = ("student_id,name,canvas_id,sis_user_id,sis_login_id,section,email\n"
          "alice,\"Liddell, Alice\",101,S1,alice@uni,A,alice@uni.example\n"
          "bob,-2+3,102,,bob@uni,@SUM(A1),bob@uni.example\n"
          "dana,Dana,103,,dana@uni,A,dana@uni.example\n")


def _points(a) -> float:
    """What a fully correct student has before the written answers are graded by hand."""
    return sum(a.checks.values()) + sum(a.hidden.values())


def _read(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_canvas_export_has_canvas_columns_and_a_parsed_row(term, tmp_path):
    c = term.course
    first = c.assignments[0]
    course = c.model_copy(update={"assignments": [first.model_copy(update={"canvas_id": 4567}), *c.assignments[1:]]})
    done = lms.export(course, _roster(tmp_path, ROSTER), tmp_path / "canvas.csv", "canvas")
    rows = _read(done.path)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       f"{first.title} (4567)", *(a.title for a in c.assignments[1:])]
    assert rows[1][0].strip() == "Points Possible" and rows[1][1:5] == ["", "", "", ""]
    assert [float(x) for x in rows[1][5:]] == [lms.max_points(a) for a in c.assignments]
    alice = rows[2]
    assert alice[:5] == ["Liddell, Alice", "101", "S1", "alice@uni", "A"]
    assert [float(x) for x in alice[5:]] == [_points(a) for a in c.assignments]
    assert len(rows) == 5 and done.written == 3


def test_blank_means_ungraded_and_pending_is_never_zero(term, tmp_path):
    c = term.course
    done = lms.export(c, _roster(tmp_path, ROSTER), tmp_path / "canvas.csv", "canvas")
    rows = {r[2] or r[1]: r for r in _read(done.path)[2:]}
    col = {a.id: 5 + i for i, a in enumerate(c.assignments)}
    bob, dana = rows["102"], rows["103"]
    assert bob[col["02_convolutions"]] == ""            # a grader error: pending, blank, never 0
    assert bob[col["03_padding_stride"]] == ""          # no submission: blank (Canvas: ungraded)
    assert float(bob[col["01_dense_to_conv"]]) == _points(c.assignment("01_dense_to_conv")) - 2  # after the late penalty
    assert all(v == "" for v in dana[5:])                # on the roster, never submitted
    assert "bob: 02_convolutions" in done.pending
    assert "bob: 03_padding_stride" in done.no_submission and "dana: 01_dense_to_conv" in done.no_submission
    assert done.not_in_roster == sorted(["eve", lms.clean.name(HOSTILE)])
    text = "\n".join(lms.summary(done))
    assert "eve" in text and "not in the roster" in text and "pending" in text and "blank" in text
    zero = lms.export(c, _roster(tmp_path, ROSTER), tmp_path / "z.csv", "canvas", missing_as_zero=True)
    dana = [r for r in _read(zero.path) if r[1] == "103"][0]
    bob = [r for r in _read(zero.path) if r[1] == "102"][0]
    assert all(v == "0" for v in dana[5:]) and bob[col["02_convolutions"]] == ""  # pending stays blank


def test_formula_cells_are_defused(term, tmp_path):
    for bad in ("=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", " =1", "\uff1d1+1"):
        out = lms.cell(bad)
        assert out.startswith("'"), (bad, out)
    assert lms.cell("Liddell, Alice") == "Liddell, Alice" and lms.cell("alice@uni") == "alice@uni"
    done = lms.export(term.course, _roster(tmp_path, ROSTER), tmp_path / "canvas.csv", "canvas")
    for row in _read(done.path):
        assert not [v for v in row if v[:1] in set("=+-@\t\r")], row
    bob = [r for r in _read(done.path) if r[1] == "102"][0]
    assert bob[0] == "'-2+3" and bob[4] == "'@SUM(A1)"
    # The hostile folder name reaches the report cleaned and without a formula's start unquoted.
    assert all("\n" not in s for s in done.not_in_roster)


def test_moodle_export_is_keyed_by_email(term, tmp_path):
    c = term.course
    done = lms.export(c, _roster(tmp_path, ROSTER), tmp_path / "moodle.csv", "moodle")
    rows = _read(done.path)
    assert rows[0] == ["Email address", *(a.title for a in c.assignments)]
    assert rows[1][0] == "alice@uni.example" and [float(x) for x in rows[1][1:]] == [_points(a) for a in c.assignments]
    with pytest.raises(lms.RosterError, match="moodle"):
        lms.export(c, _roster(tmp_path, ROSTER), tmp_path / "m.csv", "moodle", key="name")


def test_generic_csv_is_keyed_by_any_roster_column(term, tmp_path):
    c = term.course
    done = lms.export(c, _roster(tmp_path, ROSTER), tmp_path / "g.csv", "csv", key="sis_login_id")
    rows = _read(done.path)
    assert rows[0] == ["sis_login_id", *(a.id for a in c.assignments)]
    assert rows[1][0] == "alice@uni"
    with pytest.raises(lms.RosterError, match="needs a nope column"):
        lms.export(c, _roster(tmp_path, ROSTER), tmp_path / "g.csv", "csv", key="nope")


@pytest.mark.parametrize("text, where, what", [
    ("name,canvas_id\nalice,1\n", "line 1", "no student_id column"),
    ("student_id,canvas_id\nalice,1\nalice,2\n", "line 3", "listed twice"),
    ("student_id,canvas_id\nalice,1\n,2\n", "line 3", "empty student_id"),
    ("student_id,canvas_id\nalice,12x\n", "line 2", "not a number"),
    ("student_id,canvas_id\nalice,1,extra\n", "line 2", "3 fields"),
    ("student_id,name\nalice,Alice\n", "line 2", "neither canvas_id nor sis_user_id"),
    ("student_id,canvas_id,canvas_id\nalice,1,1\n", "line 1", "appears twice"),
])
def test_roster_errors_name_the_file_and_line(tmp_path, text, where, what):
    path = _roster(tmp_path, text)
    with pytest.raises(lms.RosterError) as err:
        lms.read_roster(path, "canvas")
    assert str(path) in str(err.value) and where in str(err.value) and what in str(err.value)


def test_command_line_reports_and_keeps_the_nbgrader_default(term, tmp_path, capsys):
    yaml = str(term.course.root / "course.yaml")
    roster = _roster(tmp_path, ROSTER)
    assert cli.main(["--course", yaml, "export", "--format", "canvas", "--roster", str(roster), "--to", str(tmp_path / "c.csv")]) == 0
    out = capsys.readouterr()
    assert "exported 3 student(s) for canvas" in out.out and "eve" in out.err and "pending" in out.err
    assert cli.main(["--course", yaml, "export", "--format", "canvas", "--to", str(tmp_path / "c.csv")]) == 2
    bad = _roster(tmp_path, "student_id,canvas_id\nalice,x\n")
    assert cli.main(["--course", yaml, "export", "--format", "canvas", "--roster", str(bad), "--to", str(tmp_path / "c.csv")]) == 2
    assert "line 2" in capsys.readouterr().err
    assert cli.main(["--course", yaml, "export", "--to", str(tmp_path / "n.csv")]) == 0
    assert _read(tmp_path / "n.csv")[0][:4] == ["assignment", "duedate", "timestamp", "student_id"]


def test_the_record_says_what_is_pending_not_a_test_never_run(term, tmp_path):
    """A test never run (`--no-train` leaves out training) is unscored in the gradebook just like a
    grader error; the student's record tells them apart."""
    import json

    c = term.course
    lenet = c.assignment("06_lenet")
    skipped = next(n for n in lenet.hidden if "train" in n)
    gradebook.store(c, "carol", {"tests": [x for x in _results(c, "06_lenet") if x["test"] != skipped]})
    roster = _roster(tmp_path, "student_id,canvas_id\ncarol,7\n")
    col = 5 + [a.id for a in c.assignments].index("06_lenet")

    def lenet_cell() -> str:
        return _read(lms.export(c, roster, tmp_path / "c.csv", "canvas").path)[2][col]

    assert lenet_cell() == ""  # no record: the unscored cell may be a grader error, so pending
    home = c.root / "autograded" / "carol"
    home.mkdir(parents=True, exist_ok=True)
    (home / "record.json").write_text(json.dumps({"pending": [], "tests": []}))
    assert float(lenet_cell()) == _points(lenet) - lenet.hidden[skipped]  # not run, not pending: as nbgrader counts it
    (home / "record.json").write_text(json.dumps({"pending": [f"06_lenet/{skipped}"], "tests": []}))
    assert lenet_cell() == ""
