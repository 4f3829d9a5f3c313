"""PrairieLearn: the results.json format, its size cap, grader errors as `gradable: false`, and the
starter question's run script run for real in a folder laid out like /grade."""

from __future__ import annotations

import base64
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from autograder.reports import prairielearn

ROOT = Path(__file__).resolve().parent.parent
AID, NB = "01_dense_to_conv", "dense_to_conv.ipynb"


def _png(path: Path, size: int = 4) -> Path:
    """A real (tiny, grey) PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x80" * size for _ in range(size))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def _record(tests: list[dict], notes: list[str] | None = None) -> dict:
    return {"score": sum(t["score"] for t in tests), "max_score": sum(t["max_score"] for t in tests),
            "notes": notes or [], "tests": tests}


def _t(name: str, score: float, best: float, output: str = "", **extra) -> dict:
    return {"assignment": "06_lenet", "test": name, "kind": "hidden", "stubs": ["LeNet"], "score": score,
            "max_score": best, "output": output, "grader_error": False, "files": {}, **extra}


def test_results_have_prairielearns_fields_and_the_training_curve(tmp_path):
    curve = _png(tmp_path / "lenet_curve.png")
    rec = _record([_t("lenet_trains", 6, 6, "test accuracy 0.80", files={"training curve": str(curve)}),
                   _t("lenet_shapes", 0, 4, "LeNet()(X) returned shape (1, 9)\nexpected (1, 10)")])
    out = prairielearn.results(rec, images_from=tmp_path)
    assert out["gradable"] is True and out["score"] == pytest.approx(0.6)
    trains, shapes = out["tests"]
    assert trains["name"] == "06_lenet: lenet_trains" and trains["points"] == 6 and trains["max_points"] == 6
    assert trains["message"] == "passed" and trains["output"] == "test accuracy 0.80"
    assert shapes["message"] == "LeNet()(X) returned shape (1, 9)" and shapes["points"] == 0
    image = trains["images"][0]
    assert image["label"] == "training curve" and image["url"].startswith("data:image/png;base64,")
    assert base64.b64decode(image["url"].split(",", 1)[1]) == curve.read_bytes()


def test_a_grader_error_is_not_gradable_and_never_a_zero(tmp_path):
    rec = _record([_t("lenet_trains", 0, 6, "not graded: the grader could not run this test: Fashion-MNIST is missing",
                      grader_error=True), _t("lenet_shapes", 4, 4)])
    out = prairielearn.results(rec)
    assert out["gradable"] is False and "score" not in out
    assert "NOT GRADED YET" in out["message"] and out["format_errors"]
    assert out["tests"][0]["message"].startswith("not graded")
    # Nothing to grade at all (no notebook of the assignment uploaded): not gradable either.
    empty = prairielearn.results(_record([]))
    assert empty["gradable"] is False and "Nothing to grade" in empty["message"]


def test_hostile_outputs_stay_small_clean_and_images_stay_inside(tmp_path):
    outside = _png(tmp_path / "elsewhere.png")
    home = tmp_path / "results"
    home.mkdir()
    (home / "link.png").symlink_to(outside)
    (home / "fake.png").write_bytes(b"<script>alert(1)</script>")
    huge = "<img src=x onerror=alert(1)>\x1b[31m" + "A" * 16_000_000
    rec = _record([_t(f"t{i}", 0, 1, huge, files={"a": str(outside), "b": str(home / "link.png"),
                                                   "c": str(home / "fake.png"), "d": "/etc/passwd"})
                   for i in range(3)], notes=["\x07" + "n" * 50_000])
    out = prairielearn.results(rec, images_from=home)
    text = json.dumps(out)
    assert len(text.encode()) < 100_000 and "\x1b" not in text and "\x07" not in text
    assert all("images" not in t for t in out["tests"])
    assert all(len(t["output"]) <= 4000 and "characters cut" in t["output"] for t in out["tests"])


def test_many_images_are_dropped_before_the_file_passes_one_megabyte(tmp_path):
    big = tmp_path / "big.png"
    # A PNG just under the per-image cap: noise does not compress.
    _png(big)
    big.write_bytes(big.read_bytes() + os.urandom(prairielearn.IMAGE_BYTES - 200))
    tests = [_t(f"t{i}", 1, 1, "x" * 3900, files={"curve": str(big)}) for i in range(8)]
    out = prairielearn.results(_record(tests), images_from=tmp_path)
    assert len(json.dumps(out).encode()) <= prairielearn.LIMIT
    assert "left out" in out["output"] and out["score"] == 1.0


def test_the_starter_question_has_prairielearns_settings(tmp_path, course):
    out = prairielearn.build(course, tmp_path / "pl", AID, image="me/grader")
    info = json.loads((out / "questions" / AID / "info.json").read_text())
    assert info["gradingMethod"] == "External" and info["type"] == "v3"
    opts = info["externalGradingOptions"]
    assert opts["enabled"] is True and opts["image"] == "me/grader" and opts["serverFilesCourse"] == ["cnn_grader/"]
    assert opts["entrypoint"] == "/grade/serverFilesCourse/cnn_grader/run.sh" and 0 < opts["timeout"] <= 600
    assert info["uuid"] == json.loads(prairielearn.build(course, tmp_path / "again", AID).joinpath(
        "questions", AID, "info.json").read_text())["uuid"]  # stable: rebuilding does not make a new question
    html = (out / "questions" / AID / "question.html").read_text()
    assert f'<pl-file-upload file-names="{NB}">' in html and "<pl-external-grader-results>" in html
    run = out / "serverFilesCourse" / "cnn_grader" / "run.sh"
    assert os.access(run, os.X_OK) and f"--assignment {AID}" in run.read_text()
    assert (out / "image" / "Dockerfile").is_file() and (out / "image" / "source" / "autograder" / "grading" / "grade.py").is_file()
    assert not list((out / "image" / "source").rglob("__pycache__"))


def _grade_job(tmp_path: Path, course, notebook: Path, **env: str) -> dict:
    """Lay out a folder as PrairieLearn's /grade, put the upload in student/, run run.sh."""
    out = prairielearn.build(course, tmp_path / "pl", AID)
    grade = tmp_path / "grade"
    shutil.copytree(out / "serverFilesCourse", grade / "serverFilesCourse")
    (grade / "student").mkdir(parents=True)
    shutil.copy(notebook, grade / "student" / NB)
    variables = {**os.environ, "PL_GRADE_ROOT": str(grade), "PL_COURSE_FILE": str(ROOT / "course.yaml"),
                 "COURSE_DATA_ROOT": str(course.data_path()), "COURSE_BIN": str(Path(sys.executable).parent / "course"), **env}
    proc = subprocess.run([str(grade / "serverFilesCourse" / "cnn_grader" / "run.sh")], env=variables,
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads((grade / "results" / "results.json").read_text())


def test_run_script_grades_a_real_upload(tmp_path, course):
    out = _grade_job(tmp_path, course, ROOT / "examples" / "students" / "alice" / AID / NB)
    assert out["gradable"] is True and out["score"] == 1.0
    assert out["tests"] and all(t["points"] == t["max_points"] for t in out["tests"])
    assert {t["name"].split(": ")[0] for t in out["tests"]} == {AID}


def test_run_script_reports_a_broken_grader_as_not_gradable(tmp_path, course):
    out = _grade_job(tmp_path, course, ROOT / "examples" / "students" / "alice" / AID / NB, COURSE_BIN="/bin/false")
    assert out["gradable"] is False and "autograder failed" in out["message"] and "score" not in out


def test_a_late_penalty_in_the_record_lowers_the_score():
    rec = _record([_t("lenet_trains", 6, 6), _t("lenet_shapes", 4, 4)])
    rec["late"] = {"06_lenet": {"penalty": 1.0, "text": "submitted 3 h late: −10%"},
                   "08_modern_architectures": {"penalty": 5.0, "text": "not this assignment"}}
    out = prairielearn.results(rec)
    assert out["score"] == pytest.approx(0.9)
    assert "late penalty of 1" in out["message"] and "3 h late" in out["output"] and "not this" not in out["output"]
