"""`course grade` and `course demo` check their prerequisites before grading anyone, and stop
with one message saying what to do (exit status 2). Nothing here downloads: torchvision's
download is replaced by one that fails as an offline machine does."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.error import URLError

import pytest

from autograder import cli, config, data
from autograder.grading import preflight
from autograder.runtime import sandbox

ROOT = Path(__file__).resolve().parent.parent


def _offline(self):
    raise URLError("[Errno -3] Temporary failure in name resolution")


@pytest.fixture
def no_data(tmp_path, monkeypatch):
    """A fresh machine: an empty data root, and no network."""
    empty = tmp_path / "empty-data"
    empty.mkdir()
    monkeypatch.setenv(config.DATA_ROOT_ENV, str(empty))
    monkeypatch.setattr("torchvision.datasets.FashionMNIST.download", _offline)
    return empty


def test_demo_offline_on_a_fresh_machine_stops_with_one_clear_message(no_data, monkeypatch, capsys):
    """The README's first command, offline, without the data: exit 2, say what to do, grade no one."""
    from autograder.term import classroom as term, demo

    def never(*a, **k):
        raise AssertionError("the demo went on without its data")

    monkeypatch.setattr(demo, "make_course", never)
    monkeypatch.setattr(term, "grade_class", never)
    code = cli.main(["demo"])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_USAGE
    assert f"course demo: Fashion-MNIST is not under {no_data} ($COURSE_DATA_ROOT)" in err
    assert "downloading it failed" in err and "Temporary failure in name resolution" in err
    assert "Run `course data --download` while online, or set COURSE_DATA_ROOT" in err
    assert "lost points" not in out and "throwaway course" not in out
    assert not any(no_data.rglob("*-ubyte"))


def test_demo_without_training_needs_no_data(no_data):
    """--no-train leaves the LeNet training test out, and with it the need for Fashion-MNIST."""
    preflight.check(config.load(ROOT / "course.yaml"), train=False)


def test_grade_all_without_data_grades_no_one(no_data, tmp_path, course, capsys):
    from autograder.term import classroom as term, demo, gradebook
    from corpus.build import write_submission

    t = demo.make_course(course, tmp_path / "course")
    gradebook.sync(t.course)
    write_submission(term.submitted_dir(t.course) / "ann", t.course, "06_lenet")
    code = cli.main(["--course", str(t.course.root / "course.yaml"), "grade", "--all", "-q"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert "Fashion-MNIST is not under" in err and "course data --download" in err
    assert term.load_record(t.course, "ann") is None and not (t.course.root / "autograded").exists()


def test_grade_one_folder_needs_the_data_only_for_a_training_assignment(no_data, tmp_path, course, capsys):
    from corpus.build import write_submission

    write_submission(tmp_path / "sub", course, "06_lenet")
    write_submission(tmp_path / "sub", course, "03_padding_stride")
    assert preflight.assignments_in(tmp_path / "sub", course) == ["03_padding_stride", "06_lenet"]
    assert preflight.assignments_in(tmp_path / "sub" / "03_padding_stride", course) == ["03_padding_stride"]
    assert cli.main(["grade", str(tmp_path / "sub"), "-q"]) == cli.EXIT_USAGE
    assert "Fashion-MNIST is not under" in capsys.readouterr().err
    # No training test among these: the data is not needed (and not looked for).
    preflight.check(course, train=True, assignments=["03_padding_stride"])
    preflight.check(course, train=False, assignments=["06_lenet"])


def test_course_data_reports_where_the_data_is_and_downloads_only_when_asked(no_data, capsys, course):
    assert cli.main(["data"]) == cli.EXIT_USAGE
    assert f"Fashion-MNIST: {no_data} ($COURSE_DATA_ROOT): missing" in capsys.readouterr().err
    assert cli.main(["data", "--download"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "the download failed" in err and "Temporary failure in name resolution" in err


def test_course_data_finds_the_shared_copy(course, capsys):
    root = course.data_path()
    if not data.present(root):
        pytest.skip(f"Fashion-MNIST not present under {root}")
    assert cli.main(["data"]) == cli.EXIT_OK
    assert f"Fashion-MNIST: {root}" in capsys.readouterr().out


def test_an_unusable_sandbox_stops_grading_unless_the_fallback_is_accepted(monkeypatch, course):
    monkeypatch.setattr(sandbox, "_bwrap_works", lambda: (False, "no user namespaces"))
    monkeypatch.delenv(sandbox.SANDBOX_ENV, raising=False)
    with pytest.raises(preflight.NotReady, match=r"bubblewrap sandbox cannot start here \(no user namespaces\).*COURSE_SANDBOX=rlimits"):
        preflight.check(course, train=False)
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "rlimits")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    report = preflight.check(course, train=False)
    assert report.warnings and "resource limits only" in report.warnings[0]
    # As root, student code could lift any limit: not enforceable without bubblewrap.
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    with pytest.raises(preflight.NotReady, match="runs as root without bubblewrap"):
        preflight.check(course, train=False)
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "sometimes")
    with pytest.raises(preflight.NotReady, match="not one of auto, bwrap, rlimits"):
        preflight.check(course, train=False)


def test_limits_that_do_not_hold_stop_grading(monkeypatch, course):
    assert preflight.limits_problem() is None  # this machine: they hold
    monkeypatch.setattr(preflight, "_LIMITS_PROBE", "print(1, 2, 3, 4)")  # a child that reports other limits
    with pytest.raises(preflight.NotReady, match="resource limits do not hold here"):
        preflight.check(course, train=False)


def test_a_full_disk_stops_grading(monkeypatch, course, tmp_path):
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 5 * 1024**2, 5 * 1024**2))
    with pytest.raises(preflight.NotReady, match=r"only 5 MB free under .*free some space"):
        preflight.check(course, train=False, outputs=[tmp_path])


def test_several_problems_are_one_message(no_data, monkeypatch, course):
    monkeypatch.setattr(sandbox, "_bwrap_works", lambda: (False, "no user namespaces"))
    monkeypatch.delenv(sandbox.SANDBOX_ENV, raising=False)
    with pytest.raises(preflight.NotReady) as info:
        preflight.check(course, train=True)
    text = str(info.value)
    assert text.startswith("the grader cannot grade here yet:\n  - Fashion-MNIST is not under")
    assert "\n  - the bubblewrap sandbox cannot start here" in text
