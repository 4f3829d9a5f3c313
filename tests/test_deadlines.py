"""Due dates, late penalties and extensions (autograder/term/deadlines.py), from course.yaml to every report.

No sandbox here: grading itself is replaced by a fixed result where a whole path is exercised,
since a penalty depends only on course.yaml, the collect timestamp and the earned points.
"""

from __future__ import annotations

import csv
import json
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from autograder import cli, config as course_config
from autograder.config import CourseConfigError, LatePolicy
from autograder.grading import grade
from autograder.grading.grade import SubmissionResult
from autograder.reports import feedback, report
from autograder.term import classroom as term, deadlines, gradebook

UTC = timezone.utc
A = "01_dense_to_conv"  # the assignment these tests make due
B = "02_convolutions"
PER_DAY = {"kind": "per_day", "percent_per_day": 10, "cap_percent": 30}


def _write_course(course, folder: Path, edit=None, text: str | None = None) -> Path:
    """A course directory in `folder` with the real course's released notebooks, course.yaml edited."""
    folder.mkdir(parents=True, exist_ok=True)
    if text is None:
        raw = yaml.safe_load((course.root / "course.yaml").read_text())
        if edit:
            edit(raw)
        text = yaml.safe_dump(raw, sort_keys=False)
    (folder / "course.yaml").write_text(text)
    for name in ("assignments", "solutions"):
        if not (folder / name).exists():
            (folder / name).symlink_to(course.root / name)
    return folder / "course.yaml"


def _entry(raw: dict, aid: str) -> dict:
    return next(a for a in raw["assignments"] if a["id"] == aid)


def _deadlines(due: str = "2027-03-27 23:59", policy: dict | None = None, zone: str = "Europe/Berlin", extensions=()):
    def edit(raw: dict) -> None:
        raw["timezone"] = zone
        raw["late_policy"] = policy or PER_DAY
        _entry(raw, A)["due"] = due
        if extensions:
            raw["extensions"] = list(extensions)
    return edit


@pytest.fixture
def due_course(course, tmp_path):
    return course_config.load(_write_course(course, tmp_path / "c", _deadlines()))


def _at(text: str) -> datetime:
    return course_config.parse_when(text)


# -- course.yaml ------------------------------------------------------------------------------------
def test_due_dates_zones_policies_and_extensions_load(course, tmp_path):
    def edit(raw):
        _deadlines(extensions=[{"assignment": A, "student": "alice", "days": 2},
                               {"assignment": B, "student": "bob", "until": "2027-04-02 12:00 America/New_York"}])(raw)
        _entry(raw, B)["due"] = "2027-04-01 09:00 UTC"  # its own zone wins over the course's
        _entry(raw, B)["late_policy"] = "none"
        _entry(raw, "03_padding_stride")["due"] = datetime(2027, 4, 3, 23, 59)  # YAML's own timestamp, unquoted
    c = course_config.load(_write_course(course, tmp_path, edit))
    assert c.due_at(A) == datetime(2027, 3, 27, 22, 59, tzinfo=UTC)  # Berlin, winter time
    assert c.due_at(B) == datetime(2027, 4, 1, 9, 0, tzinfo=UTC)
    assert c.due_at("03_padding_stride") == datetime(2027, 4, 3, 21, 59, tzinfo=UTC)  # Berlin, summer time
    assert c.due_at("04_channels") is None
    assert c.policy_for(A).kind == "per_day" and c.policy_for(B).kind == "none"
    assert deadlines.deadline(c, B, "bob") == (datetime(2027, 4, 2, 16, 0, tzinfo=UTC), True)
    assert deadlines.deadline(c, B, "alice") == (c.due_at(B), False)


BAD = [
    # (what to change, words the error must hold: the assignment or entry, and the key)
    (lambda r: _entry(r, A).update(due="2027-02-30 23:59"), [f"assignment {A}", ".due", "day is out of range"]),
    (lambda r: _entry(r, A).update(due="next friday"), [f"assignment {A}", ".due", "not a date and time"]),
    (lambda r: _entry(r, A).update(due=date(2027, 3, 1)), [f"assignment {A}", ".due", "no time of day"]),
    (lambda r: _entry(r, A).update(due="2027-03-01 23:59 Mars/Olympus"), [f"assignment {A}", ".due", "unknown time zone 'Mars/Olympus'"]),
    (lambda r: r.update(timezone="Europe/Atlantis"), ["timezone", "Europe/Atlantis"]),
    (lambda r: r.update(late_policy={"kind": "per_day", "percent_per_day": -10}), ["late_policy.percent_per_day", "greater than or equal to 0"]),
    (lambda r: _entry(r, A).update(late_policy={"kind": "per_day", "percent_per_day": -5}),
     [f"assignment {A}", ".late_policy.percent_per_day", "greater than or equal to 0"]),
    (lambda r: r.update(late_policy={"kind": "per_day", "percent_per_day": 10, "cap_percent": 130}), ["late_policy.cap_percent"]),
    (lambda r: r.update(late_policy={"kind": "per_day"}), ["late_policy", "percent_per_day above 0"]),
    (lambda r: r.update(late_policy={"kind": "zero_after_grace", "grace_hours": -1}), ["late_policy.grace_hours"]),
    (lambda r: r.update(late_policy={"kind": "half_off"}), ["late_policy.kind"]),
    # 02:30 on the night Berlin moves its clocks forward does not exist.
    (lambda r: _entry(r, A).update(due="2027-03-28 02:30"), [f"assignment {A}", ".due", "does not exist in Europe/Berlin"]),
    (lambda r: r.update(extensions=[{"assignment": "99_nope", "student": "al", "days": 1}]), ["extensions[0]", "99_nope"]),
    (lambda r: r.update(extensions=[{"assignment": B, "student": "al", "days": 1}]), ["extensions[0]", f"assignment {B} has no due date"]),
    (lambda r: r.update(extensions=[{"assignment": A, "student": "al", "days": 1, "until": "2027-04-01 10:00"}]), ["al on " + A, "exactly one"]),
    (lambda r: r.update(extensions=[{"assignment": A, "student": "al", "days": -1}]), ["extensions.0.days"]),
    (lambda r: r.update(extensions=[{"assignment": A, "student": "al", "until": "soon"}]), ["extensions.0", "not a date and time"]),
    (lambda r: r.update(extensions=[{"assignment": A, "student": "al", "days": 1}, {"assignment": A, "student": "al", "days": 2}]),
     ["extensions[1]", "second extension"]),
]


@pytest.mark.parametrize("change,words", BAD, ids=[w[0] + ":" + w[-1][:20] for _, w in BAD])
def test_bad_deadline_settings_are_named_at_load_time(course, tmp_path, change, words):
    def edit(raw):
        _deadlines()(raw)
        change(raw)
    with pytest.raises(CourseConfigError) as err:
        course_config.load(_write_course(course, tmp_path, edit))
    for w in words:
        assert w in str(err.value)


# -- the policy ---------------------------------------------------------------------------------------
def _late(c, submitted: str, student: str | None = None) -> deadlines.Lateness:
    lateness = deadlines.assess(c, A, student, _at(submitted))
    assert lateness is not None
    return lateness


def test_on_time_late_and_capped(due_course):
    # Due 2027-03-27 23:59 Berlin = 22:59 UTC; 10% per day or part of one, at most 30%.
    on_time = _late(due_course, "2027-03-27 22:59 UTC")
    assert (on_time.late, on_time.percent, on_time.describe()) == (False, 0.0, "submitted on time")
    assert _late(due_course, "2027-03-27 22:59:01 UTC").percent == 10  # a second late is a day started
    day_3h = _late(due_course, "2027-03-29 01:59 UTC")
    assert day_3h.describe() == "submitted 1 day 3 h late: −20%" and day_3h.seconds_late == 27 * 3600
    assert _late(due_course, "2027-03-28 22:59 UTC").percent == 10  # exactly one day
    capped = _late(due_course, "2027-04-05 12:00 UTC")
    assert capped.percent == 30 and capped.describe().endswith("late: −30%")
    assert capped.points(20) == 6.0 and day_3h.points(7) == 1.4


def test_zero_after_grace_and_grace_forgiveness():
    zero = LatePolicy(kind="zero_after_grace", grace_hours=2)
    assert deadlines.percent_late(zero, 2 * 3600) == 0 and deadlines.percent_late(zero, 2 * 3600 + 1) == 100
    graced = LatePolicy(kind="per_day", percent_per_day=5, grace_hours=0.25)
    assert deadlines.percent_late(graced, 600) == 0 and deadlines.percent_late(graced, 3600) == 5
    assert deadlines.percent_late(LatePolicy(), 10 * 86400) == 0  # none


def test_a_penalty_never_takes_more_than_was_earned(due_course):
    gone = deadlines.Lateness(A, None, None, 99 * 86400, 100.0)
    assert gone.points(12.5) == 12.5 and gone.points(0) == 0 and gone.points(-3) == 0
    result = SubmissionResult(Path("x"), tests=[grade.TestResult(A, "t", ("s",), 0.0, 5.0, "")], lateness={A: gone})
    assert result.score == 0 and result.penalty() == 0


def test_extensions_until_and_days(course, tmp_path):
    c = course_config.load(_write_course(course, tmp_path, _deadlines(extensions=[
        {"assignment": A, "student": "alice", "days": 2}, {"assignment": A, "student": "bob", "until": "2027-03-28 12:00"}])))
    late_for_others = _late(c, "2027-03-28 10:00 UTC", "carol")
    assert late_for_others.percent == 10 and not late_for_others.extended
    bob = _late(c, "2027-03-28 10:00 UTC", "bob")  # 12:00 Berlin (summer time from the 28th) = 10:00 UTC
    assert (bob.late, bob.extended, bob.describe()) == (False, True, "submitted on time (extended deadline)")
    assert _late(c, "2027-03-28 10:01 UTC", "bob").describe() == "submitted 1 min late (extended deadline): −10%"


def test_days_count_on_the_wall_clock_across_the_spring_change(course, tmp_path):
    """Due Friday 23:59 Berlin (UTC+1), two days more: Sunday 23:59 Berlin, which is UTC+2 by then,
    so the extension ends at 21:59 UTC, not 48 hours later at 22:59 UTC."""
    c = course_config.load(_write_course(course, tmp_path, _deadlines(due="2027-03-26 23:59",
                                                                       extensions=[{"assignment": A, "student": "al", "days": 2}])))
    assert deadlines.deadline(c, A, "al")[0].astimezone(UTC) == datetime(2027, 3, 28, 21, 59, tzinfo=UTC)
    assert _late(c, "2027-03-28 21:59 UTC", "al").late is False
    assert _late(c, "2027-03-28 22:30 UTC", "al").seconds_late == 31 * 60


def test_lateness_is_measured_in_real_time_across_both_dst_changes(course, tmp_path):
    """Python subtracts two times of one zone on the wall clock; lateness must be real elapsed time."""
    spring = course_config.load(_write_course(course, tmp_path / "s", _deadlines(
        due="2027-03-27 23:59", policy={"kind": "zero_after_grace", "grace_hours": 23})))
    # Sunday 23:30 Berlin is 22 h 31 min after Saturday 23:59 (the night lost an hour): within the grace.
    assert _late(spring, "2027-03-28 23:30 Europe/Berlin").percent == 0
    assert _late(spring, "2027-03-28 23:30 Europe/Berlin").seconds_late == (22 * 60 + 31) * 60
    autumn = course_config.load(_write_course(course, tmp_path / "a", _deadlines(due="2027-10-30 23:59")))
    # Sunday 23:30 Berlin is 24 h 31 min after Saturday 23:59 (the night gained an hour): a second day.
    assert _late(autumn, "2027-10-31 23:30 Europe/Berlin").percent == 20


def test_nbgraders_plugin_computes_the_same_penalty():
    """CoursePenalty is nbgrader's LateSubmissionPlugin: `nbgrader autograde` with it agrees with us."""
    from nbgrader.plugins import LateSubmissionPlugin

    policy = LatePolicy(**PER_DAY)
    plugin = deadlines.CoursePenalty.for_policy(policy)
    assert isinstance(plugin, LateSubmissionPlugin)
    for seconds in (0, 1, 27 * 3600, 9 * 86400):
        share = deadlines.percent_late(policy, seconds)
        assert plugin.late_submission_penalty("s", 20.0, seconds) == (round(20.0 * share / 100, 4) if share else None)


# -- the collect timestamp ---------------------------------------------------------------------------
def _timestamp(folder: Path, aid: str, text: str) -> Path:
    (folder / aid).mkdir(parents=True, exist_ok=True)
    path = folder / aid / deadlines.TIMESTAMP
    path.write_text(text)
    return path


def test_the_timestamp_nbgrader_wrote_is_read(tmp_path):
    _timestamp(tmp_path / "ann", A, "2027-03-29 01:59:00.123456 UTC\n")
    assert deadlines.collected_at(tmp_path / "ann", A) == (datetime(2027, 3, 29, 1, 59, 0, 123456, tzinfo=UTC), "")
    _timestamp(tmp_path / "ben", A, "2027-03-29 03:59:00.000000 +0200")
    assert deadlines.collected_at(tmp_path / "ben", A)[0] == datetime(2027, 3, 29, 1, 59, tzinfo=UTC)


@pytest.mark.parametrize("make,words", [
    (lambda d: (d / A).mkdir(parents=True), ["timestamp.txt is missing"]),
    (lambda d: _timestamp(d, A, "yesterday-ish"), ["holds no readable time"]),
    (lambda d: _timestamp(d, A, "2027-03-01 10:00:00 Mars/Olympus"), ["holds no readable time"]),
    (lambda d: _timestamp(d, A, ""), ["holds no readable time"]),
    (lambda d: _timestamp(d, A, "\xff\xfe").write_bytes(b"\xff\xfe"), ["holds no readable time"]),
])
def test_an_unusable_timestamp_counts_as_on_time_with_a_note(due_course, tmp_path, make, words):
    make(tmp_path / "ann")
    late = deadlines.for_student(due_course, tmp_path / "ann", "ann", [A])[A]
    assert late.percent == 0 and late.submitted is None
    for w in words + [f"{A}/timestamp.txt", "counted as on time"]:
        assert w in late.describe()
    # Visible wherever the score is: not silent.
    result = SubmissionResult(tmp_path / "ann", tests=[grade.TestResult(A, "t", ("s",), 3.0, 5.0, "")], lateness={A: late})
    assert result.score == 3.0
    assert any(f"{A}/timestamp.txt" in line for line in report.late_lines(result))
    assert f"{A}/timestamp.txt" in report.table(result)


def test_a_linked_timestamp_is_not_trusted(due_course, tmp_path):
    """A student who links timestamp.txt to a file of their choosing gets no time from it."""
    early = _timestamp(tmp_path / "elsewhere", A, "2027-03-01 10:00:00.000000 UTC")
    (tmp_path / "ann" / A).mkdir(parents=True)
    (tmp_path / "ann" / A / deadlines.TIMESTAMP).symlink_to(early)
    submitted, note = deadlines.collected_at(tmp_path / "ann", A)
    assert submitted is None and "symbolic link" in note and "not trusted" in note
    (tmp_path / "ben" / A).mkdir(parents=True)
    os.link(early, tmp_path / "ben" / A / deadlines.TIMESTAMP)
    assert deadlines.collected_at(tmp_path / "ben", A)[0] is None
    (tmp_path / "cat").symlink_to(tmp_path / "elsewhere")  # the student's whole folder is a link
    assert deadlines.collected_at(tmp_path / "cat", A)[0] is None


# -- reports -----------------------------------------------------------------------------------------
def _result(folder: Path, lateness: dict) -> SubmissionResult:
    return SubmissionResult(folder, tests=[grade.TestResult(A, "t1", ("s",), 6.0, 6.0, ""), grade.TestResult(A, "t2", ("s",), 4.0, 6.0, "wrong"),
                                           grade.TestResult(B, "t3", ("u",), 5.0, 5.0, "")], lateness=lateness)


def test_the_penalty_reaches_every_report(due_course, tmp_path):
    late = _late(due_course, "2027-03-29 01:59 UTC")  # 1 day 3 h: -20% of A's 10 points
    result = _result(tmp_path, {A: late})
    assert (result.raw_score, result.penalty(A), result.penalty(B), result.score) == (15.0, 2.0, 0, 13.0)
    rec = report.record(result)
    assert rec["score"] == 13.0 and rec["raw_score"] == 15.0
    assert rec["late"][A]["penalty"] == 2.0 and rec["late"][A]["text"] == "submitted 1 day 3 h late: −20%"
    assert rec["late"][A]["due"] == "2027-03-27T23:59:00+01:00" and rec["late"][A]["submitted"].startswith("2027-03-29T01:59:00")
    assert deadlines.Lateness.from_dict(A, rec["late"][A]) == late.__class__(A, late.due, late.submitted, late.seconds_late,
                                                                              late.percent, late.extended, late.note)
    results = report.gradescope(result)
    assert results["score"] == 13.0
    assert f"{A}: submitted 1 day 3 h late: −20% (−2 points)" in results["output"].replace("\\", "")
    table = report.table(result)
    line = next(x for x in table.splitlines() if x.strip().startswith(A))
    assert "8 / 12" in line and "1 day 3 h late: −20%" in line
    assert "13 / 17" in table.splitlines()[-1]
    assert "−20%" in report.markdown(result)
    html = feedback.render(due_course, "ann", rec)
    assert "submitted 1 day 3 h late: −20% (−2 points" in html


def test_on_time_submissions_change_no_report(due_course, tmp_path):
    result = _result(tmp_path, {A: _late(due_course, "2027-03-27 12:00 UTC")})
    assert result.score == result.raw_score == 15.0 and report.late_lines(result) == []
    assert "late" not in report.table(result) and "late" not in feedback.render(due_course, "ann", report.record(result)).split("<body")[1]


# -- a term: collect timestamps, records, the gradebook, nbgrader's export, `course extend` ---------
def test_a_term_applies_deadlines_and_an_extension_needs_no_regrading(course, tmp_path, monkeypatch, capsys):
    course_file = _write_course(course, tmp_path / "c", _deadlines())
    c = course_config.load(course_file)
    gradebook.sync(c, [A])
    points = c.assignment(A).hidden
    graded: list[str] = []

    def fake_grade(folder, course, **kwargs):  # what the sandbox would decide: every hidden test passed
        graded.append(Path(folder).name)
        return SubmissionResult(Path(folder), tests=[grade.TestResult(A, n, ("s",), p, p, "") for n, p in points.items()])

    monkeypatch.setattr(grade, "grade", fake_grade)
    sub = term.submitted_dir(c)
    _timestamp(sub / "ann", A, "2027-03-29 01:59:00.000000 UTC")  # 1 day 3 h late: -20%
    _timestamp(sub / "ben", A, "2027-03-27 20:00:00.000000 UTC")  # on time
    (sub / "cat" / A).mkdir(parents=True)  # no timestamp: on time, with a note
    run = term.grade_class(c, jobs=1, train=False)
    earned = sum(points.values())
    assert run.records["ann"]["score"] == pytest.approx(earned * 0.8) and run.records["ben"]["score"] == earned
    assert "timestamp.txt is missing" in run.records["cat"]["late"][A]["text"] and run.records["cat"]["score"] == earned
    stored = json.loads((term.autograded_dir(c, "ann") / "results.json").read_text())
    assert stored["score"] == pytest.approx(earned * 0.8)

    rows = {r["student_id"]: r for r in csv.DictReader(gradebook.export_csv(c, tmp_path / "g.csv").open())
            if r["assignment"] == A}
    assert rows["ann"]["duedate"] == "2027-03-27 22:59:00" and rows["ann"]["timestamp"] == "2027-03-29 01:59:00"
    assert float(rows["ann"]["late_submission_penalty"]) == pytest.approx(earned * 0.2)
    assert float(rows["ann"]["score"]) == pytest.approx(earned * 0.8) and float(rows["ann"]["raw_score"]) == earned
    assert float(rows["ben"]["late_submission_penalty"]) == 0 and float(rows["ben"]["score"]) == earned

    assert cli.main(["--course", str(course_file), "extend", A, "ann", "--days", "2"]) == cli.EXIT_OK
    assert "- {assignment: 01_dense_to_conv, student: ann, days: 2}" in capsys.readouterr().out
    c = course_config.load(course_file)
    again = term.grade_class(c, jobs=1, train=False)
    assert sorted(again.skipped) == ["ann", "ben", "cat"] and graded.count("ann") == 1  # restamped, not regraded
    # Graded (or restamped) again, later: the same record; the time of grading plays no part (these dates are ahead of it).
    assert {s: again.records[s] for s in ("ben", "cat")} == {s: run.records[s] for s in ("ben", "cat")}
    assert again.records["ann"]["score"] == earned and again.records["ann"]["late"][A]["extended"]
    assert json.loads((term.autograded_dir(c, "ann") / "record.json").read_text())["score"] == earned
    restored = json.loads((term.autograded_dir(c, "ann") / "results.json").read_text())
    assert restored["score"] == earned and "late" not in restored["output"]  # results.json restamped too
    assert stored["tests"] == restored["tests"]
    rows = {r["student_id"]: r for r in csv.DictReader(gradebook.export_csv(c, tmp_path / "g2.csv").open())
            if r["assignment"] == A}
    assert float(rows["ann"]["late_submission_penalty"]) == 0 and float(rows["ann"]["score"]) == earned
    from nbgrader.api import Gradebook

    with Gradebook(gradebook.url(c)) as gb:  # nbgrader's own view agrees: due date + extension, not late
        s = gb.find_submission(A, "ann")
        # Two days on Berlin's wall clock across the spring change: 47 hours of nbgrader's (absolute) extension.
        assert s.duedate == datetime(2027, 3, 29, 21, 59) and s.extension == timedelta(hours=47)
        assert s.total_seconds_late == 0


# -- `course extend` and `course grade --submitted-at` ---------------------------------------------------
def test_course_extend_writes_one_line_and_keeps_the_file(course, tmp_path, capsys):
    text = (course.root / "course.yaml").read_text()
    # The real file, comments and all, plus a due date for A.
    text = text.replace(f"  - id: {A}\n", f"  - id: {A}\n    due: 2027-03-27 23:59\n", 1) + "timezone: Europe/Berlin\n"
    path = _write_course(course, tmp_path, text=text)
    argv = ["--course", str(path), "extend", A]
    assert cli.main(argv + ["ann", "--days", "2"]) == cli.EXIT_OK
    assert "ann's deadline for 01_dense_to_conv: 2027-03-29 23:59 Europe/Berlin" in capsys.readouterr().out
    assert cli.main(argv + ["ben", "--until", "2027-04-01 12:00"]) == cli.EXIT_OK
    assert cli.main(argv + ["ann", "--days", "1.5"]) == cli.EXIT_OK  # replaces ann's line
    after = path.read_text()
    # Every line of the file as it was (comments too), then one line per extension; ann's replaced.
    assert after == text + (
        "\n# Extensions, one line each (`course extend ASSIGNMENT STUDENT --days N` writes them).\nextensions:\n"
        "  - {assignment: 01_dense_to_conv, student: ann, days: 1.5}\n"
        "  - {assignment: 01_dense_to_conv, student: ben, until: '2027-04-01 12:00'}\n")
    c = course_config.load(path)
    assert deadlines.deadline(c, A, "ann")[0] == datetime(2027, 3, 29, 9, 59, tzinfo=UTC)  # 11:59 Berlin, summer time
    # Refused without a trace: a bad time, an assignment without a due date.
    assert cli.main(argv + ["cat", "--until", "2027-13-01 10:00"]) == cli.EXIT_USAGE
    assert cli.main(["--course", str(path), "extend", B, "cat", "--days", "1"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "extensions[2]" in err and f"assignment {B} has no due date" in err and "was not changed" in err
    assert path.read_text() == after and not list(tmp_path.glob(".course.yaml*"))


def test_course_grade_submitted_at(due_course, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_preflight", lambda *a, **k: True)
    monkeypatch.setattr(grade, "grade", lambda folder, course, **k: _result(Path(folder), {}))
    (tmp_path / "sub").mkdir()
    argv = ["--course", str(due_course.root / "course.yaml"), "grade", str(tmp_path / "sub"), "--results", str(tmp_path / "r.json"), "-q"]
    assert cli.main(argv) == cli.EXIT_OK  # no time given: on time
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 15
    assert cli.main(argv + ["--submitted-at", "2027-03-29T03:59:00+02:00"]) == cli.EXIT_OK
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 13
    assert "1 day 3 h late: −20%" in capsys.readouterr().out
    assert cli.main(argv + ["--submitted-at", "last tuesday"]) == cli.EXIT_USAGE
    assert "--submitted-at" in capsys.readouterr().err


def test_the_demo_term_has_a_late_assignment_and_an_extension(course, tmp_path):
    from autograder.term import demo

    t = demo.make_course(course, tmp_path / "course")
    now = datetime(2027, 3, 29, 12, 0, tzinfo=UTC)
    lines = demo.set_deadlines(t, now)
    last = t.course.assignments[-1].id
    assert t.course.due_at(last) == now - timedelta(hours=3)
    assert _late_for(t.course, last, "bob", now).describe() == "submitted 3 h late: −10%"
    assert _late_for(t.course, last, demo.STUDENTS[0], now).describe() == "submitted on time (extended deadline)"
    assert any("course extend" in line for line in lines)


def _late_for(c, aid, student, when):
    lateness = deadlines.assess(c, aid, student, when)
    assert lateness is not None
    return lateness


def test_the_students_template_keeps_due_dates_and_drops_extensions(course, tmp_path):
    """Students see when work is due; who was given more time is not shipped to the class."""
    from autograder.authoring import template

    c = course_config.load(_write_course(course, tmp_path / "c", _deadlines(extensions=[{"assignment": A, "student": "zoe_q", "days": 2}])))
    out = template.build(c, tmp_path / "starter")
    shipped = course_config.load(out / "course.yaml")
    assert shipped.extensions == [] and shipped.due_at(A) == c.due_at(A)
    assert "zoe_q" not in (out / "course.yaml").read_text()
