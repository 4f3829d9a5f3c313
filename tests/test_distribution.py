"""What leaves the instructor's hands: the Gradescope autograder zip and the students' starter repo."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.authoring import template
from autograder.reports import gradescope

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = ROOT / "examples" / "students"
AID, NB = "02_convolutions", "convolutions.ipynb"


def _autograder(tmp_path: Path, course, submission: Path, **env: str) -> dict:
    """Unpack the zip as Gradescope does, put the upload in submission/, run run_autograder."""
    zip_path = gradescope.build(course, tmp_path / "autograder.zip", AID)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(root / "source")
    (root / "submission").mkdir()
    shutil.copy(submission, root / "submission" / NB)  # Gradescope uploads are flat
    run = root / "source" / "run_autograder"
    os.chmod(run, 0o755)
    variables = {**os.environ, "AUTOGRADER_ROOT": str(root), "COURSE_DATA_ROOT": str(course.data_path()),
                 "COURSE_BIN": str(Path(sys.executable).parent / "course"), **env}
    proc = subprocess.run([str(run)], env=variables, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text())


def test_the_zip_holds_what_gradescope_runs_and_is_executable(tmp_path, course):
    with zipfile.ZipFile(gradescope.build(course, tmp_path / "a.zip")) as z:
        names = set(z.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
    assert {"setup.sh", "run_autograder", "course.yaml", "autograder/grading/grade.py", f"solutions/{AID}/{NB}"} <= names
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert not [n for n in names if "__pycache__" in n or ".hypothesis" in n]


def test_run_autograder_scores_a_correct_upload(tmp_path, course):
    results = _autograder(tmp_path, course, STUDENTS / "alice" / AID / NB)
    assert results["tests"] and results["score"] == sum(t["max_score"] for t in results["tests"])
    assert all(t["tags"] and t["status"] == "passed" for t in results["tests"])
    assert {t["name"].split(": ")[0] for t in results["tests"]} == {AID}


def test_run_autograder_gives_a_hostile_upload_nothing_for_its_attack(tmp_path, course):
    results = _autograder(tmp_path, course, STUDENTS / "mallory" / AID / NB)
    corr2d = [t for t in results["tests"] if "corr2d" in t["tags"]]
    assert corr2d and all(t["score"] == 0 and t["output"] for t in corr2d)
    # Her comparison patch runs at the top level of the notebook, before any stub: every stub of it
    # scores zero, and the output says why.
    assert results["tests"] and all(t["score"] == 0 for t in results["tests"]), results["tests"]
    assert "patches a library" in json.dumps(results)


def test_run_autograder_reports_a_broken_grader_instead_of_nothing(tmp_path, course):
    results = _autograder(tmp_path, course, STUDENTS / "alice" / AID / NB, COURSE_BIN="/bin/false")
    assert results["score"] == 0 and "autograder failed" in results["output"]


def test_the_template_holds_no_solutions_and_no_hidden_tests(tmp_path, course):
    out = template.build(course, tmp_path / "starter")
    assert template.leaks(course, out) == [] and template.unexpected_files(course, out) == []
    assert {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} == template.shipped(course)
    assert (out / ".github" / "workflows" / "selfcheck.yml").is_file()
    assert not (out / "solutions").exists() and not (out / "autograder" / "grading").exists()
    assert "hidden" not in (out / "course.yaml").read_text()


def test_the_leak_check_catches_a_solution_and_a_hidden_test(tmp_path, course):
    out = template.build(course, tmp_path / "starter")
    shutil.copy(ROOT / "solutions" / AID / NB, out / "assignments" / AID / NB)
    (out / "notes.py").write_text("# see autograder/grading/hidden: corr2d_matches_torch\n")
    problems = template.leaks(course, out)
    assert any(p.startswith(f"assignments/{AID}/{NB}: solution line") for p in problems)
    assert any("names hidden test corr2d_matches_torch" in p for p in problems)
    # Nothing but what the template ships: grader modules, course content and stray files are named.
    (out / "autograder" / "grading").mkdir()
    shutil.copy(ROOT / "autograder" / "grading" / "grade.py", out / "autograder" / "grading" / "grade.py")
    shutil.copy(ROOT / "solutions" / AID / "hidden.py", out / "assignments" / AID / "hidden.py")
    extra = template.unexpected_files(course, out)
    assert {p.split(":")[0] for p in extra} == {"notes.py", "autograder/grading/grade.py", f"assignments/{AID}/hidden.py"}


def test_the_template_self_checks_a_students_work(tmp_path, course):
    """pytest in the starter repo, with its own copy of the plugin: done work passes, stubs fail plainly."""
    out = template.build(course, tmp_path / "starter")
    shutil.copy(STUDENTS / "alice" / AID / NB, out / "assignments" / AID / NB)
    env = {**os.environ, "PYTHONPATH": str(out)}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "assignments/", "--junitxml=s.xml"],
                          cwd=out, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout[-2000:]
    summary = subprocess.run([sys.executable, "-m", "autograder.student.selfcheck_summary", "s.xml"], cwd=out, env=env,
                             capture_output=True, text=True, check=True).stdout
    released = [c for c in course.assignment(AID).checks]
    for check in released:
        assert f"| {check} | pass |" in summary
    assert "not implemented yet" in summary and "| check_corr2d_example | pass |" in summary
    # The package it imports is the template's own, not the grader's.
    walk = ("import autograder, os; r = os.path.dirname(autograder.__file__); "
            "print('\\n'.join(os.path.relpath(os.path.join(d, f), r) for d, _, fs in os.walk(r) for f in fs if f.endswith('.py')))")
    where = subprocess.run([sys.executable, "-c", walk], cwd=out, env=env, capture_output=True, text=True, check=True).stdout
    assert set(where.split()) == {*template.MODULES, "student/selfcheck_summary.py"}, where


@pytest.mark.parametrize("spec", ["0/2", "3/2", "x"])
def test_bad_shard_is_a_usage_error(spec):
    from autograder import cli

    assert cli.main(["grade", "--all", "--shard", spec]) == cli.EXIT_USAGE


def test_ci_outputs_results_junit_and_a_job_summary(tmp_path, course, monkeypatch):
    from xml.etree import ElementTree as ET

    from autograder import cli

    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    folder = tmp_path / "bob"
    shutil.copytree(STUDENTS / "bob" / "03_padding_stride", folder / "03_padding_stride")
    code = cli.main(["grade", str(folder), "--no-train", "-q", "--results", str(tmp_path / "r.json"), "--junit", str(tmp_path / "j.xml")])
    assert code == cli.EXIT_OK
    results = json.loads((tmp_path / "r.json").read_text())
    suite = ET.parse(tmp_path / "j.xml").getroot()
    cases = suite.findall("testcase")
    assert len(cases) == len(results["tests"]) and int(suite.get("failures")) == sum(t["status"] == "failed" for t in results["tests"]) > 0
    failed = [c for c in cases if c.find("failure") is not None]
    assert all("points" in c.find("failure").get("message") for c in failed)
    text = summary.read_text()
    assert f"{results['score']:g} / " in text and "| 03_padding_stride |" in text and "conv_output_shape" in text
