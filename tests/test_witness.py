"""The time in timestamp.txt is the student's claim: the grader's own collects bound it.

`nbgrader submit` writes timestamp.txt in the student's account, and the exchange's inbound folder
is theirs to write, so a late student can claim any time. What each `course collect` found, and
when, is the grader's (term/witness.py); the claim is held between those bounds.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from autograder import config as course_config
from autograder.term import classroom as term, deadlines, witness
from test_deadlines import A, _deadlines, _timestamp, _write_course

UTC = timezone.utc
DUE = datetime(2027, 3, 27, 22, 59, tzinfo=UTC)  # _deadlines(): 2027-03-27 23:59 Europe/Berlin (UTC+1)


@pytest.fixture
def c(course, tmp_path):
    return course_config.load(_write_course(course, tmp_path / "c", _deadlines()))


def _submit(c, student: str, work: str, claim: datetime) -> None:
    folder = c.root / "submitted" / student
    _timestamp(folder, A, claim.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    (folder / A / "dense_to_conv.ipynb").write_text(work)


def _collect(c, when: datetime) -> None:
    witness.record(c, [A], term.students(c), now=when)


def _late(c, student: str) -> deadlines.Lateness:
    return deadlines.for_student(c, c.root / "submitted" / student, student, [A])[A]


def test_a_backdated_claim_counts_from_the_collect_that_did_not_find_the_work(c):
    """ann's first version was collected at the deadline; her second, submitted two days late, claims
    to be from before it: it is late by at least the time since that collect."""
    _submit(c, "ann", "first", DUE - timedelta(hours=2))
    _collect(c, DUE + timedelta(minutes=1))
    _submit(c, "ann", "second, late", DUE - timedelta(hours=1))
    _collect(c, DUE + timedelta(days=2))
    late = _late(c, "ann")
    assert late.submitted == DUE + timedelta(minutes=1) and late.late and late.percent == 10
    assert "timestamp.txt says 2027-03-27 21:59" in late.describe() and "did not find this work" in late.describe()


def test_work_absent_from_a_collect_cannot_claim_to_predate_it(c):
    _collect(c, DUE + timedelta(hours=1))  # ben had submitted nothing yet
    _submit(c, "ben", "work", DUE - timedelta(days=3))
    _collect(c, DUE + timedelta(days=1))
    late = _late(c, "ben")
    assert late.submitted == DUE + timedelta(hours=1) and late.percent == 10


def test_an_honest_claim_between_the_bounds_stands(c):
    _submit(c, "cat", "work", DUE - timedelta(hours=5))
    _collect(c, DUE + timedelta(hours=1))
    late = _late(c, "cat")
    assert late.submitted == DUE - timedelta(hours=5) and not late.late and late.note == ""
    _collect(c, DUE + timedelta(days=3))  # collected again, unchanged: still the first sighting's bounds
    assert _late(c, "cat") == late


def test_a_claim_later_than_the_collect_that_found_the_work_counts_from_that_collect(c):
    _submit(c, "dan", "work", DUE + timedelta(days=5))
    _collect(c, DUE - timedelta(hours=1))
    late = _late(c, "dan")
    assert late.submitted == DUE - timedelta(hours=1) and not late.late


def test_without_a_log_the_claim_stands_as_in_nbgrader(c):
    _submit(c, "eve", "work", DUE + timedelta(hours=3))
    late = _late(c, "eve")
    assert late.submitted == DUE + timedelta(hours=3) and late.percent == 10 and late.note == ""


def test_the_timestamp_is_not_part_of_the_work_and_a_torn_log_line_is_ignored(c):
    _submit(c, "fay", "work", DUE - timedelta(hours=1))
    before = witness.digest(c.root / "submitted" / "fay", A)
    _submit(c, "fay", "work", DUE - timedelta(hours=2))  # only the claim changed
    assert witness.digest(c.root / "submitted" / "fay", A) == before
    _collect(c, DUE)
    with open(witness.log_path(c), "a") as f:
        f.write('{"at": "2027-03-30T00:00:00+00:00", "assignment": ')  # a collect killed mid-write
    assert witness.bounds(c, "fay", A) == witness.Bounds(None, DUE)


def test_a_missing_timestamp_with_an_earlier_collect_counts_from_that_collect(c):
    _collect(c, DUE + timedelta(hours=6))
    (c.root / "submitted" / "gus" / A).mkdir(parents=True)
    (c.root / "submitted" / "gus" / A / "dense_to_conv.ipynb").write_text("work")
    _collect(c, DUE + timedelta(days=1))
    late = _late(c, "gus")
    assert late.submitted == DUE + timedelta(hours=6) and late.late
    assert "timestamp.txt is missing" in late.describe() and "did not find this work" in late.describe()


def test_a_folder_that_is_a_link_to_a_classmates_is_no_work(c):
    """Digests read nothing through links: hal's folder leads to ann's, and that is not hal's work."""
    _submit(c, "ann", "ann's work", DUE - timedelta(hours=1))
    (c.root / "submitted" / "hal").symlink_to(c.root / "submitted" / "ann")
    assert witness.digest(c.root / "submitted" / "hal", A) is None
    assert witness.digest(c.root / "submitted" / "ann", A) is not None
    _collect(c, DUE)
    assert witness.bounds(c, "hal", A) == witness.Bounds()
