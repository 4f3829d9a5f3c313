"""The grader always writes a clean result, and never scores its own failures as the student's.

* Every report format (results.json, JUnit XML, Markdown, the terminal table, the CSV, the HTML
  feedback) is free of control characters, ANSI escapes and lone surrogates whatever student code
  sends, stays small whatever its size, and names none of the grader's own paths.
* A test the grader cannot run (Fashion-MNIST missing, ...) is a grader error: pending in the
  gradebook, regraded by the next run, with the visible checks it confirms; never a zero.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from autograder import config, data
from autograder.grading import grade
from autograder.reports import clean, feedback, report
from autograder.grading.grade import SubmissionResult, TestResult as Scored

ROOT = Path(__file__).resolve().parent.parent
A1 = "01_dense_to_conv"

# Every C0 control, DEL, C1 (0x9b is a one-byte CSI), lone surrogates, ANSI sequences (colour,
# clear screen, a window title via OSC, a hyperlink), bidi overrides, XML non-characters.
HOSTILE = ("".join(map(chr, range(0x20))) + "\x7f" + "".join(map(chr, range(0x80, 0xa0)))
           + "\ud800 \udfff \x1b[31mRED\x1b[0m \x1b[2J\x1b[H \x1b]0;owned\x07 \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"
           + " \u202eevil\u202c \ufffe\uffff <script>alert(1)</script> | ![x](http://t/p.png) & done")
ALLOWED_CONTROLS = {"\n", "\t"}


def _bad_chars(text: str) -> list[str]:
    return sorted({c for c in text if (ord(c) < 0x20 and c not in ALLOWED_CONTROLS) or 0x7f <= ord(c) <= 0x9f
                   or 0xd800 <= ord(c) <= 0xdfff or c in "\ufffe\uffff\u202e\u202c"})


def _hostile_result(folder: Path, extra: str = "") -> SubmissionResult:
    text = HOSTILE + extra
    tests = [
        Scored(A1, "dense_layer_params_matches_torch", ("dense_layer_params",), 0.0, 3.0, text),
        Scored(A1, "conv\x1b[1m_name" + HOSTILE[:40], ("stub\x00" + "\x1b[31m",), 1.0, 2.0, "ok " + HOSTILE),
        Scored(A1, "check_dense_layer_params", ("dense_layer_params",), 0.0, 1.0, HOSTILE, kind="check"),
    ]
    return SubmissionResult(folder, tests, notes=[f"cell 3: {HOSTILE}", "plain note"], seconds=1.0,
                            sandbox="bwrap", output=HOSTILE)


_INERT_TAGS = {"p", "strong", "em", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "td[style]", "th[style]"}


def _rendered(markdown: str) -> tuple[set[str], str]:
    """The tags and attributes a Markdown renderer that passes raw HTML through (mistune) makes of
    `markdown`, and the text a reader sees."""
    from html.parser import HTMLParser

    import mistune

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags: set[str] = set()
            self.text: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.tags.add(tag)
            self.tags.update(f"{tag}[{k}]" for k, _ in attrs if not (tag == "code" and k == "class"))

        def handle_data(self, data):
            self.text.append(data)

    c = Collect()
    c.feed(mistune.html(markdown))
    return c.tags, "".join(c.text)


def _assert_inert_markdown(markdown: str) -> None:
    tags, _ = _rendered(markdown)
    assert tags <= _INERT_TAGS, (tags - _INERT_TAGS, markdown[:500])  # no script, link, image, raw HTML


def _strings(obj) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in _strings(k) + _strings(v)]
    if isinstance(obj, (list, tuple)):
        return [s for v in obj for s in _strings(v)]
    return []


def test_clean_text_strips_every_control_but_newline_and_tab():
    out = clean.text("a\tb\nc\r\nd\re" + HOSTILE)
    assert _bad_chars(out) == []
    assert "a\tb\nc\nd\ne" in out  # CR LF and a lone CR become newlines; tab stays
    assert "\x1b" not in out and "[31m" not in out and "]0;owned" not in out and "RED" in out
    assert "\ufffd" in out  # a lone surrogate becomes the replacement character
    out.encode("utf-8")  # and the result always encodes
    assert clean.text(out) == out  # idempotent


def test_clean_text_caps_huge_texts_keeping_head_and_tail():
    huge = "HEAD" + "x" * 16_000_000 + "TAIL"
    out = clean.text(huge, clean.OUTPUT)
    assert len(out) <= clean.OUTPUT
    assert out.startswith("HEAD") and out.endswith("TAIL")
    cut = int(re.search(r"\[\.\.\. (\d+) characters cut\]", out).group(1))
    assert cut == len(huge) - len(out.replace(f"\n[... {cut} characters cut]\n", ""))
    assert clean.text(out, clean.OUTPUT) == out
    short = "y" * (clean.OUTPUT + 10)
    assert len(clean.text(short, clean.OUTPUT)) <= clean.OUTPUT and "characters cut" in clean.text(short, clean.OUTPUT)


def test_every_writer_output_is_clean_and_junit_is_well_formed(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    result = _hostile_result(tmp_path / ("sub\x1b[31m" + "\x07"))
    report.write_junit(result, tmp_path / "j.xml")
    suite = ET.parse(tmp_path / "j.xml").getroot()  # well-formed, or this raises
    assert len(suite.findall("testcase")) == 3
    xml_text = (tmp_path / "j.xml").read_text(encoding="utf-8")
    assert _bad_chars(xml_text) == [] and "\x1b" not in xml_text
    assert "alert(1)" in "".join(suite.itertext())  # kept as text, escaped by XML

    report.write_results(result, tmp_path / "r.json")
    results = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert all(_bad_chars(s) == [] for s in _strings(results))
    # Outputs are declared Markdown (Gradescope's default, simple_format, would render HTML); names plain text.
    assert results["output_format"] == results["test_output_format"] == "md" and results["test_name_format"] == "text"
    assert all(t["output_format"] == "md" for t in results["tests"])
    for text in [results["output"]] + [t["output"] for t in results["tests"]]:
        _assert_inert_markdown(text)

    rec = report.record(result)
    assert all(_bad_chars(s) == [] for s in _strings(rec))
    for text in (report.markdown(result, title="t\x1b[2J"), report.table(result)):
        assert _bad_chars(text) == [], text
    md = report.markdown(result)
    assert "<script>" not in md and "![x](" not in md and "\\!\\[x\\](" in md  # no HTML, link or image can start
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(rows) == 2 and all(row.endswith("|") for row in rows)  # a name's newline split no table row


def test_feedback_html_is_clean_from_a_dirty_record(tmp_path, course):
    """Records written before this cleaning (or edited by hand) are cleaned again when rendered."""
    raw = {"score": 1, "max_score": 6, "notes": [HOSTILE],
           "tests": [{"assignment": A1, "test": "dense_layer_params_matches_torch", "kind": "hidden",
                      "stubs": ["dense_layer_params"], "score": 0, "max_score": 3, "output": HOSTILE * 1000,
                      "grader_error": False, "files": {}}]}
    html = feedback.render(course, "stu\x1b[31mdent", raw)
    assert _bad_chars(html) == [] and "<script>" not in html and "&lt;script&gt;" in html
    assert len(html) < 3 * clean.OUTPUT + 10_000  # capped, not 1000 copies


def test_a_16_mb_message_makes_a_small_results_json(tmp_path):
    result = _hostile_result(tmp_path, extra="z" * 16 * 1024 * 1024)
    report.write_results(result, tmp_path / "r.json")
    report.write_junit(result, tmp_path / "j.xml")
    assert (tmp_path / "r.json").stat().st_size < 64 * 1024
    assert (tmp_path / "j.xml").stat().st_size < 64 * 1024
    ET.parse(tmp_path / "j.xml")
    results = json.loads((tmp_path / "r.json").read_text())
    assert "characters cut]" in results["tests"][0]["output"]


def test_many_long_notes_are_capped_together(tmp_path):
    result = SubmissionResult(tmp_path, [], notes=[f"note {i}: " + "n" * 5000 for i in range(200)])
    notes = report.record(result)["notes"]
    assert sum(map(len, notes)) <= clean.NOTES + 100 and notes[-1].endswith("more note(s) cut]")
    assert all(len(n) <= clean.NOTE for n in notes)


def test_host_paths_never_reach_a_report(tmp_path, course, monkeypatch):
    """The course root, the submission's absolute path, the sandbox's runtime folder, the temp
    folder, Python's site-packages and the user's home become neutral names in every format."""
    home = tmp_path / "home" / "prof"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    clean._table.cache_clear()
    submission = tmp_path / "submitted" / "alice"
    site = next(p for p in sys.path if p.endswith("site-packages"))
    runtime = Path(tempfile.gettempdir()) / "course-runtime-abc123"
    secret = [str(course.root), str(submission), str(runtime), site, str(home), tempfile.gettempdir()]
    message = (f"error in {submission}/02_convolutions/convolutions.ipynb, cell 3; "
               f"File \"{runtime}/child.py\", line 9; File \"{site}/torch/nn/functional.py\"; "
               f"{course.root}/solutions/02_convolutions/convolutions.ipynb; {home}/.cache/cnn-course/data; "
               f"{tempfile.gettempdir()}/scratch; and the folder {submission} itself")
    result = SubmissionResult(submission, [Scored(A1, "t", ("s",), 0.0, 1.0, message)], notes=[message])
    rec = report.record(result)
    outputs = [json.dumps(report.gradescope(result)), json.dumps(rec), report.markdown(result), report.table(result, "t"),
               feedback.render(course, "alice", rec)]
    report.write_junit(result, tmp_path / "j.xml")
    outputs.append((tmp_path / "j.xml").read_text())
    for text in outputs:
        for path in secret:
            assert path not in text.replace("&lt;", "<").replace("\\/", "/"), (path, text[:500])
    shown = rec["tests"][0]["output"]
    assert "error in 02_convolutions/convolutions.ipynb, cell 3" in shown  # relative to the submission
    assert "<grader>/child.py" in shown and "<site-packages>/torch/nn/functional.py" in shown
    assert "<course>/solutions/" in shown and "~/.cache/cnn-course/data" in shown
    assert "<tmp>/scratch" in shown and "the folder <submission> itself" in shown
    clean._table.cache_clear()


def test_csv_export_holds_no_control_characters(tmp_path, course):
    from autograder.term import demo, gradebook

    t = demo.make_course(course, tmp_path / "course")
    gradebook.sync(t.course, [A1])
    result = SubmissionResult(tmp_path, [Scored(A1, "dense_layer_params_matches_torch", ("dense_layer_params",), 3.0, 3.0, "")])
    gradebook.store(t.course, "eve\x1b[31m\r\x07", report.record(result))
    text = gradebook.export_csv(t.course, tmp_path / "g.csv").read_bytes().decode()
    assert _bad_chars(text) == [] and "\x1b" not in text
    rows = [line.split(",") for line in text.strip().split("\n")]
    assert len({len(r) for r in rows}) == 1  # the carriage return split no row
    assert any(r[3].startswith("eve") for r in rows[1:])


# ----------------------------------------------------------------------- grader errors


def test_graderunavailable_in_a_hidden_test_is_a_grader_error_not_a_zero():
    from autograder.grading import hidden

    def needs_data(student):
        raise data.DataUnavailable(data.missing_message("/nowhere"))

    test = hidden.HiddenTest(A1, "needs_data", ("x",), needs_data)
    outcome, _ = hidden.run(test, submission=None, time_limit=5)
    assert outcome.grader_error and not outcome.passed
    assert outcome.output.startswith("not graded: the grader could not run this test: Fashion-MNIST is not available under /nowhere")
    assert "COURSE_DATA_ROOT" in outcome.output and "internal grader error" not in outcome.output


def test_missing_data_stops_training_in_the_parent_before_any_child(tmp_path, course, monkeypatch):
    from autograder.grading import trained as lenet

    class NoChild:
        def dedicated_child(self, *a, **k):
            raise AssertionError("a child was started without the data")

        def probe(self, *a, **k):
            raise AssertionError("the child was asked to train without the data")

    monkeypatch.setenv(config.DATA_ROOT_ENV, str(tmp_path / "empty"))
    monkeypatch.setattr("torchvision.datasets.FashionMNIST.download", _no_network)
    with pytest.raises(config.GraderUnavailable, match=r"Fashion-MNIST is not available under .*empty.*COURSE_DATA_ROOT"):
        lenet.train_student(NoChild(), "06_lenet", course)


def _no_network(self):
    raise AssertionError("a download was attempted")


def test_visible_checks_confirmed_by_a_test_that_could_not_run_are_pending_too(course):
    aid = "06_lenet"
    points = course.assignment(aid).hidden
    hidden_results = [Scored(aid, name, ("LeNet",) if "lenet" in name else ("other",), 0.0, p, "", grader_error=True)
                      if name == "lenet_trains_on_fashion_mnist" else Scored(aid, name, ("x",), p, p, "")
                      for name, p in points.items()]
    checks = grade._confirmed_checks(course, aid, hidden_results, complete=True)
    on_lenet = [c for c in checks if "LeNet" in c.stubs]
    assert on_lenet, "some visible check calls LeNet"
    for c in on_lenet:
        assert c.grader_error and c.score == 0
        assert c.output == (f"visible check {c.name}: not confirmed: the grader could not run "
                            "lenet_trains_on_fashion_mnist (see the note at the top)")
    # A real failure of the student's still costs the check, as the student's own failure.
    failing = [Scored(aid, "lenet_output_shape", ("LeNet",), 0.0, 1.0, "wrong shape")] + hidden_results
    for c in grade._confirmed_checks(course, aid, failing, complete=True):
        if "LeNet" in c.stubs:
            assert not c.grader_error and "found a problem" in c.output


def test_reports_put_the_grader_error_at_the_top_and_not_among_failing_stubs(tmp_path):
    tests = [Scored("06_lenet", "lenet_trains_on_fashion_mnist", ("LeNet",), 0.0, 5.0,
                        "not graded: the grader could not run this test: Fashion-MNIST is not available under ~/x: set data_root",
                        grader_error=True),
             Scored("06_lenet", "check_lenet_shapes", ("LeNet",), 0.0, 1.0, "visible check ...", grader_error=True, kind="check"),
             Scored("06_lenet", "lenet_output_shape", ("LeNet",), 1.0, 1.0, "")]
    result = SubmissionResult(tmp_path, tests)
    results = report.gradescope(result)
    shown = _rendered(results["output"])[1]
    assert shown.startswith("NOT GRADED YET: the grader could not run 06_lenet/lenet_trains_on_fashion_mnist")
    assert "Fashion-MNIST is not available under ~/x" in shown
    assert [t.get("extra_data") for t in results["tests"]] == [{"grader_error": True}, {"grader_error": True}, None]
    table = report.table(result)
    assert "NOT GRADED YET" in table.splitlines()[1]
    assert re.search(r"06_lenet\s+1 / 7\s+- +\(pending, not graded: lenet_trains_on_fashion_mnist, check_lenet_shapes\)", table), table
    assert report.record(result)["pending"] == ["06_lenet/lenet_trains_on_fashion_mnist", "06_lenet/check_lenet_shapes"]
    report.write_junit(result, tmp_path / "j.xml")
    suite = ET.parse(tmp_path / "j.xml").getroot()
    assert suite.get("errors") == "2" and suite.get("failures") == "0"


def test_a_grader_error_is_pending_in_the_gradebook_and_regraded_next_run(course, tmp_path, monkeypatch, capsys):
    """No score is stored for a test the grader could not run (nbgrader's 'needs grading', not a
    zero), `course grade --all` exits 3, and the next run grades that student again and stores it."""
    from nbgrader.api import Gradebook

    from autograder import cli
    from autograder.term import classroom as term, demo, gradebook
    from corpus.build import write_submission

    t = demo.make_course(course, tmp_path / "course")
    gradebook.sync(t.course)
    for s in ("ann", "ben"):
        write_submission(term.submitted_dir(t.course) / s, t.course, A1)
    real = grade.grade
    broken = "dense_layer_params_matches_torch"

    def disk_full_for_ann(folder, *args, **kwargs):
        result = real(folder, *args, **kwargs)
        if Path(folder).name == "ann":
            for r in result.tests:
                if r.name == broken:
                    r.score, r.grader_error, r.output = 0.0, True, "not graded: the grader could not run this test: disk full"
        return result

    monkeypatch.setattr(grade, "grade", disk_full_for_ann)
    argv = ["--course", str(t.course.root / "course.yaml"), "grade", "--all", "--no-train", "-q"]
    assert cli.main(argv) == cli.EXIT_GRADER
    out, err = capsys.readouterr()
    assert "ann" in err and "pending" in err and f"{A1}/{broken}" in out
    cell = gradebook.cell_name("hidden", broken)
    with Gradebook(gradebook.url(t.course)) as gb:
        pending = gb.find_grade(cell, "dense_to_conv", A1, "ann")
        assert pending.auto_score is None and pending.needs_manual_grade
        done = gb.find_grade(cell, "dense_to_conv", A1, "ben")
        assert done.auto_score == course.assignment(A1).hidden[broken] and not done.needs_manual_grade
    assert term.load_record(t.course, "ann")["pending"] == [f"{A1}/{broken}"]

    monkeypatch.setattr(grade, "grade", real)  # fixed
    again = term.grade_class(t.course, jobs=1, train=False)
    assert again.graded == ["ann"] and again.skipped == ["ben"] and not again.pending
    with Gradebook(gradebook.url(t.course)) as gb:
        fixed = gb.find_grade(cell, "dense_to_conv", A1, "ann")
        assert fixed.auto_score == course.assignment(A1).hidden[broken] and not fixed.needs_manual_grade


def test_a_hostile_error_message_graded_end_to_end_leaves_clean_small_reports(tmp_path, course):
    """A stub raising a 16 MB message full of control characters: the child, the channel and the
    writers together still give a small results.json and a well-formed junit.xml."""
    from corpus.build import write_submission

    body = ("def dense_layer_params(height, width, hidden):\n"
            "    raise ValueError(''.join(map(chr, range(32))) + '\\x7f\\x1b[2J\\x1b]0;owned\\x07' + 'q' * 16_000_000)\n")
    write_submission(tmp_path / "sub", course, A1, replace={"dense_layer_params": body})
    result = grade.grade(tmp_path / "sub", course, only=[A1], train=False)
    report.write_results(result, tmp_path / "r.json")
    report.write_junit(result, tmp_path / "j.xml")
    ET.parse(tmp_path / "j.xml")
    assert (tmp_path / "r.json").stat().st_size < 128 * 1024
    results = json.loads((tmp_path / "r.json").read_text())
    assert all(_bad_chars(s) == [] for s in _strings(results))
    lost = [t for t in results["tests"] if "dense_layer_params" in t["tags"] and t["score"] < t["max_score"]]
    assert lost and not [t for t in results["tests"] if t.get("extra_data")]  # the student's error, not the grader's
    assert str(tmp_path) not in json.dumps(results)


def test_missing_data_makes_the_training_test_pending_for_a_correct_student(tmp_path, course, monkeypatch):
    """The review's fresh clone: a correct LeNet, Fashion-MNIST absent. The training test and the
    visible checks it confirms are grader errors, with the reason at the top; nothing of the
    student's is reported as failing, and nothing was downloaded."""
    import shutil

    aid = "06_lenet"
    shutil.copytree(ROOT / "examples" / "students" / "alice" / aid, tmp_path / "alice" / aid)
    monkeypatch.setenv(config.DATA_ROOT_ENV, str(tmp_path / "no-data"))
    monkeypatch.setattr("torchvision.datasets.FashionMNIST.download", _no_network)
    result = grade.grade(tmp_path / "alice", course, only=[aid], train=True)
    errors = {t.name: t for t in result.tests if t.grader_error}
    training = errors.pop("lenet_trains_on_fashion_mnist")
    assert training.output.startswith("not graded: the grader could not run this test: Fashion-MNIST is not available under")
    assert errors and all(t.kind == "check" and "the grader could not run lenet_trains_on_fashion_mnist" in t.output
                          for t in errors.values())
    assert all(t.passed for t in result.tests if not t.grader_error), [(t.name, t.output) for t in result.tests if not t.passed]
    results = report.gradescope(result)
    assert _rendered(results["output"])[1].startswith("NOT GRADED YET: the grader could not run 06_lenet/lenet_trains_on_fashion_mnist")
    assert "(pending, not graded: lenet_trains_on_fashion_mnist" in report.table(result)
    assert str(tmp_path) not in json.dumps(results)


# ------------------------------------------------------------------ Gradescope's results.json in Markdown
def _with(course, *, leaderboard: bool):
    """`course` with the LeNet assignment's leaderboard switched on or off."""
    from autograder.config import Course

    data = course.model_dump()
    for a in data["assignments"]:
        if a.get("training"):
            a["training"]["leaderboard"] = leaderboard
    return Course.model_validate(data)


def _trained(accuracy: float, output: str = "", **kw) -> Scored:
    return Scored("06_lenet", "lenet_trains_on_fashion_mnist", ("LeNet",), 5.0, 5.0, output,
                  metrics={"test_accuracy": accuracy, "epochs": 10, "final_train_loss": 0.5}, **kw)


@pytest.mark.parametrize("text", ["```\n<script>alert(1)</script>\n```", "````` <img src=x onerror=alert(1)> `` ` ```",
                                  "~~~\n[link](http://evil)\n~~~\n<a href='http://x'>x</a>", "    ```\n![i](http://t/p.png)"])
def test_student_text_cannot_break_out_of_its_fence(tmp_path, text):
    result = SubmissionResult(tmp_path, [Scored(A1, "t", ("s",), 0.0, 1.0, text)], notes=[text])
    results = report.gradescope(result)
    for markdown in (results["output"], results["tests"][0]["output"]):
        tags, shown = _rendered(markdown)
        assert tags <= _INERT_TAGS and "pre" in tags, (tags, markdown)
        assert text.strip() in shown  # shown verbatim, as code


def test_training_summary_and_leaderboard_come_from_the_graders_measurement(tmp_path, course):
    # The student's output claims 0.99; the parent measured 0.8123: only the measurement counts.
    lying = "test accuracy 0.9900 | leaderboard: 0.99 <img src=x>"
    result = SubmissionResult(tmp_path, [_trained(0.8123, lying, files={"training curve": "/x/lenet_curve.png"})])
    results = report.gradescope(result, _with(course, leaderboard=True))
    assert results["leaderboard"] == [{"name": "06_lenet test accuracy", "value": 0.8123, "order": "desc"}]
    out = results["tests"][0]["output"]
    assert "10 epoch(s), test accuracy **0.8123** (measured by the grader), final train loss 0.5000" in out
    assert "feedback page" in out
    _assert_inert_markdown(out)
    assert "leaderboard" not in report.gradescope(result, _with(course, leaderboard=False))
    assert "leaderboard" not in report.gradescope(result)  # no course: no leaderboard
    # A training test the grader could not run, or one without a measurement, posts nothing.
    pending = SubmissionResult(tmp_path, [_trained(0.8, grader_error=True),
                                          Scored("06_lenet", "lenet_output_shape", ("LeNet",), 1.0, 1.0, "")])
    assert "leaderboard" not in report.gradescope(pending, _with(course, leaderboard=True))


def test_course_yaml_validates_the_leaderboard_switch(course):
    from pydantic import ValidationError

    from autograder.config import Course

    data = course.model_dump()
    lenet = next(a for a in data["assignments"] if a.get("training"))
    lenet["training"]["leaderboard"] = ["yes"]
    with pytest.raises(ValidationError, match="leaderboard"):
        Course.model_validate(data)


def test_a_flood_of_huge_outputs_keeps_results_json_within_its_cap(tmp_path, course):
    from autograder.reports import gradescope_md

    tests = [Scored(A1, f"test_{i}", ("stub",), 0.0, 1.0, f"{i} " + "`" * 50 + "x" * 1_000_000) for i in range(400)]
    result = SubmissionResult(tmp_path, tests + [_trained(0.8)], notes=["n" * 5000] * 50, seconds=3.0)
    report.write_results(result, tmp_path / "r.json", _with(course, leaderboard=True))
    assert (tmp_path / "r.json").stat().st_size <= gradescope_md.MAX_BYTES
    results = json.loads((tmp_path / "r.json").read_text())
    assert len(results["tests"]) == 401 and results["score"] == 5.0  # every score survives, only text shrinks
    assert results["leaderboard"][0]["value"] == 0.8
    assert "characters cut]" in results["tests"][0]["output"] or "left out" in results["tests"][0]["output"]
    # A normal result is not shortened at all.
    small = report.gradescope(SubmissionResult(tmp_path, [Scored(A1, "t", ("s",), 0.0, 1.0, "y" * 3000)]))
    assert "y" * 3000 in small["tests"][0]["output"]


def _curve(folder) -> str:
    from autograder.grading import trained

    return str(trained.plot_curve(trained.Trained(accuracy=0.81, loss=[2.3, 1.2, 0.8], train_accuracy=[0.1, 0.5, 0.7],
                                                  seconds=3.0), folder / "lenet_curve.png", title="LeNet"))


def test_the_training_curve_is_inlined_as_html_and_every_text_in_it_escaped(tmp_path):
    import base64
    import html as htmlmod

    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> [l](http://evil)"
    curve = _curve(tmp_path)
    result = SubmissionResult(tmp_path, [_trained(0.81, hostile, files={"training curve": curve}),
                                         Scored(A1, "t", ("s",), 0.0, 1.0, hostile)])
    lenet, other = report.gradescope(result)["tests"]
    assert lenet["output_format"] == "html" and other["output_format"] == "md"
    src = lenet["output"].split('src="data:image/png;base64,', 1)[1].split('"', 1)[0]
    assert base64.b64decode(src) == Path(curve).read_bytes()
    assert "<script>" not in lenet["output"] and "onerror=alert(2)>" not in lenet["output"]
    assert htmlmod.escape(hostile) in lenet["output"] and "<strong>0.8100</strong>" in lenet["output"]
    # What is not a PNG the grader wrote is never inlined: a fake one, or a link to one.
    (tmp_path / "fake.png").write_text("<svg onload=alert(1)>")
    (tmp_path / "linked.png").symlink_to(curve)
    for path in (tmp_path / "fake.png", tmp_path / "linked.png", tmp_path / "missing.png"):
        t = report.gradescope(SubmissionResult(tmp_path, [_trained(0.81, "", files={"training curve": str(path)})]))["tests"][0]
        assert t["output_format"] == "md" and "data:image" not in t["output"], path


def test_the_curve_is_the_first_thing_dropped_when_results_json_must_shrink(tmp_path, course):
    from autograder.reports import gradescope_md

    curve = _curve(tmp_path)
    tests = [Scored(A1, f"test_{i}", ("stub",), 0.0, 1.0, "x" * 1_000_000) for i in range(200)]
    result = SubmissionResult(tmp_path, tests + [_trained(0.8, "", files={"training curve": curve})])
    report.write_results(result, tmp_path / "r.json", course)
    assert (tmp_path / "r.json").stat().st_size <= gradescope_md.MAX_BYTES
    lenet = json.loads((tmp_path / "r.json").read_text())["tests"][-1]
    assert lenet["output_format"] == "md" and "test accuracy **0.8000**" in lenet["output"]
