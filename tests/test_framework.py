"""The engine is a framework: it names no stub of this chapter, `course check` finds an instructor's
mistakes by file and key, and `course new` scaffolds an assignment that checks out and grades at once."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder import cli, config, notebook
from autograder.authoring import course_check
from autograder.grading import content, grade, hidden
from test_selfcheck import run_pytest

def _course_names(course) -> set[str]:
    """Every stub, notebook file and assignment id of the course (what the engine must never name).
    A notebook's bare stem is often an English word ("pooling"), so its file name is what is searched."""
    names: set[str] = set()
    for a in course.assignments:
        names.add(a.notebook)
        names.update(c.grade_id for c in notebook.load_cells(course.solutions_dir / a.id / a.notebook) if c.role == "stub")
        names.add(a.id)
    return names


def test_the_engine_names_no_stub_notebook_or_assignment_of_the_course(course, root):
    names = _course_names(course)
    pattern = re.compile(r"(?<![\w.])(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")(?![\w])")
    hits = []
    for path in sorted((root / "autograder").rglob("*.py")):
        for i, line in enumerate(path.read_text().splitlines(), 1):
            for m in pattern.finditer(line):
                hits.append(f"{path.relative_to(root)}:{i}: {m.group(1)}: {line.strip()[:100]}")
    assert not hits, "the engine names the course's content:\n" + "\n".join(hits)


def test_the_real_course_checks_out(course):
    assert course_check.check(course) == []


@pytest.fixture
def copy(tmp_path, root):
    """A copy of the course an instructor is editing (notebooks, content, released folders)."""
    for part in ("course.yaml", "solutions", "assignments"):
        src = root / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / part)
    for junk in tmp_path.rglob("__pycache__"):
        shutil.rmtree(junk)
    yield tmp_path
    content._unload()  # the next test gets the real course's registries back, loaded afresh


def _yaml(folder: Path, edit) -> None:
    raw = yaml.safe_load((folder / "course.yaml").read_text())
    edit(raw)
    (folder / "course.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))


def _problems(folder: Path) -> list[str]:
    return course_check.check(config.load(folder / "course.yaml"))


def _edit_notebook(path: Path, edit) -> None:
    nb = nbformat.read(path, as_version=4)
    edit(nb)
    nbformat.write(nb, path)


def _by_id(nb, gid: str):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def _a(raw, aid: str) -> dict:
    return next(a for a in raw["assignments"] if a["id"] == aid)


# Each seeded mistake, and the words (file and key) the report must name.
MISTAKES = {
    "hidden key with no test": (
        lambda f: _yaml(f, lambda r: _a(r, "02_convolutions")["hidden"].update({"corr2d_matches_torhc": 2})),
        ["course.yaml", "02_convolutions", "corr2d_matches_torhc", "did you mean corr2d_matches_torch"]),
    "test with no points": (
        lambda f: _yaml(f, lambda r: _a(r, "05_pooling")["hidden"].pop("pool2d_keeps_dtype")),
        ["solutions/05_pooling/hidden.py", "pool2d_keeps_dtype", "no points"]),
    "check cell without points": (
        lambda f: _yaml(f, lambda r: _a(r, "03_padding_stride")["checks"].pop("check_corr2d_strided")),
        ["padding_stride.ipynb", "check_corr2d_strided", "no points"]),
    "checks key without a cell": (
        lambda f: _yaml(f, lambda r: _a(r, "01_dense_to_conv")["checks"].update({"check_gone": 1})),
        ["course.yaml", "01_dense_to_conv", "check_gone"]),
    "stub cell defining another name": (
        lambda f: _edit_notebook(f / "solutions/07_modern_blocks/modern_blocks.ipynb",
                                 lambda nb: _by_id(nb, "receptive_field").metadata["nbgrader"].update(grade_id="receptive_feild")),
        ["modern_blocks.ipynb", "receptive_feild"]),
    "duplicate grade id": (
        lambda f: _edit_notebook(f / "solutions/04_channels/channels.ipynb",
                                 lambda nb: _by_id(nb, "check_corr2d_multi_in_out").metadata["nbgrader"].update(
                                     grade_id="check_corr2d_multi_in")),
        ["channels.ipynb", "check_corr2d_multi_in", "2 cells"]),
    "unknown stand-in": (
        lambda f: (f / "solutions/02_convolutions/hidden.py").write_text(
            (f / "solutions/02_convolutions/hidden.py").read_text().replace('stand_ins=("corr2d",)', 'stand_ins=("corr2d", "corr3d")', 1)),
        ["solutions/02_convolutions/hidden.py", "corr3d"]),
    "stand-in for no stub": (
        lambda f: (f / "solutions/04_channels/stand_ins.py").write_text(
            (f / "solutions/04_channels/stand_ins.py").read_text().replace('@stand_in("corr2d_multi_in")', '@stand_in("corr2d_multi_inn")')),
        ["solutions/04_channels/stand_ins.py", "corr2d_multi_inn", "no stub"]),
    "must_implement names no stub": (
        lambda f: _yaml(f, lambda r: _a(r, "05_pooling").update(must_implement=["pool2d", "pool3d"])),
        ["course.yaml", "05_pooling", "must_implement", "pool3d"]),
    "training target names no stub": (
        lambda f: _yaml(f, lambda r: _a(r, "06_lenet")["training"].update(target="LeNet5")),
        ["course.yaml", "06_lenet", "LeNet5"]),
    "probe importing the grader": (
        lambda f: (f / "solutions/07_modern_blocks/probes.py").write_text(
            "from autograder import oracles\n\n\ndef probe_peek(ns, p):\n    return {}\n"),
        ["solutions/07_modern_blocks/probes.py", "autograder"]),
    "probe kind that exists nowhere": (
        lambda f: (f / "solutions/01_dense_to_conv/hidden.py").write_text(
            (f / "solutions/01_dense_to_conv/hidden.py").read_text()
            + '\n\ndef _unused(student):\n    return student.probe("telepathy", "x")\n'),
        ["solutions/01_dense_to_conv/hidden.py", "telepathy"]),
    "hidden module that does not import": (
        lambda f: (f / "solutions/03_padding_stride/hidden.py").write_text("import torch\nfrom . import missing_helper\n"),
        ["solutions/03_padding_stride/hidden.py", "could not be imported"]),
    "code in a released folder": (
        lambda f: shutil.copy(f / "solutions/01_dense_to_conv/hidden.py", f / "assignments/01_dense_to_conv/hidden.py"),
        ["assignments/01_dense_to_conv/hidden.py"]),
    "assignment not released yet": (
        lambda f: shutil.rmtree(f / "assignments/05_pooling"),
        ["assignments/05_pooling/", "not generated yet"]),
    "notebook missing": (
        lambda f: (f / "solutions/03_padding_stride/padding_stride.ipynb").unlink(),
        ["course.yaml", "03_padding_stride", "padding_stride.ipynb"]),
    "promise quoting words the task does not say": (
        lambda f: (f / "solutions/01_dense_to_conv/hidden.py").write_text(
            (f / "solutions/01_dense_to_conv/hidden.py").read_text()
            + '\npromises.promise(A, "dense_layer_params", "values", "words nobody wrote", "dense_layer_params_matches_torch")\n'),
        ["01_dense_to_conv/dense_layer_params", "words nobody wrote"]),
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_course_check_names_each_seeded_mistake(copy, mistake):
    seed, words = MISTAKES[mistake]
    assert _problems(copy) == []  # the copy is sound before the mistake
    content._unload()
    seed(copy)
    problems = _problems(copy)
    assert any(all(w in p for w in words) for p in problems), (mistake, problems)
    code = cli.main(["--course", str(copy / "course.yaml"), "check"])
    assert code == cli.EXIT_USAGE


def test_a_points_mismatch_stops_the_grader_before_it_grades_anyone(copy):
    _yaml(copy, lambda r: _a(r, "01_dense_to_conv")["hidden"].update({"no_such_test": 1}))
    with pytest.raises(config.CourseConfigError, match=r"no_such_test"):
        hidden.tests_for(config.load(copy / "course.yaml"), "05_pooling")  # any assignment: the course is checked whole


def test_release_refuses_a_course_that_does_not_check_out(copy, capsys):
    _yaml(copy, lambda r: _a(r, "02_convolutions")["hidden"].update({"ghost": 1}))
    assert cli.main(["--course", str(copy / "course.yaml"), "release", "--no-exchange"]) == cli.EXIT_USAGE
    assert "ghost" in capsys.readouterr().err


def test_course_new_scaffolds_an_assignment_that_checks_grades_and_self_checks(copy, tmp_path):
    code = cli.main(["--course", str(copy / "course.yaml"), "new", "09_demo", "--notebook", "demo",
                     "--stub", "double", "--stub", "Halve"])
    assert code == cli.EXIT_OK
    course = config.load(copy / "course.yaml")
    assert course.assignments[-1].id == "09_demo"
    assert course_check.check(course) == []
    # The self-check passes on the instructor's notebook and fails, not-implemented, on the released one.
    solved = run_pytest(copy / "solutions" / "09_demo", copy, tmp_path)
    released = run_pytest(copy / "assignments" / "09_demo", copy, tmp_path)
    assert len(solved) == 2 and all(outcome == "passed" for outcome, _ in solved.values()), solved
    assert len(released) == 2 and all(outcome == "failure" for outcome, _ in released.values()), released
    # The grader gives the reference every point, and an untouched copy none.
    for source, full in ((copy / "solutions" / "09_demo" / "demo.ipynb", True),
                         (copy / "assignments" / "09_demo" / "demo.ipynb", False)):
        sub = tmp_path / ("ref" if full else "blank") / "09_demo"
        sub.mkdir(parents=True)
        nb = nbformat.read(source, as_version=4)
        for cell in nb.cells:
            cell.source = notebook.strip_solution_markers(cell.source)
        nbformat.write(nb, sub / "demo.ipynb")
        result = grade.grade(sub.parent, course, only=["09_demo"])
        scores = {t.name: t.score for t in result.tests if t.kind == "hidden"}
        assert set(scores) == {"double_example", "Halve_example"}
        assert all(s == (1.0 if full else 0.0) for s in scores.values()), (full, scores)


PROBE = '''import torch


def probe_sums(ns, p):
    """Call the target on each input; report the results' sums (plain numbers only)."""
    fn = ns[p["target"]]
    return {"sums": [float(torch.as_tensor(fn(x)).sum()) for x in p["inputs"]]}
'''

PROBE_TEST = '''

@hidden_test("double", examples=1)
def double_through_a_course_probe(student: Student):
    xs = [torch.arange(4.0), torch.ones(2, 3)]
    rep = student.probe("sums", "double(X) for two tensors", target="double", inputs=xs)
    checks.close(torch.tensor(rep["sums"], dtype=torch.float64), torch.tensor([float(x.sum()) for x in xs],
                 dtype=torch.float64), "double(X) for two tensors")
'''


def test_a_course_probe_is_shipped_into_the_sandbox_and_answers_a_hidden_test(copy, tmp_path):
    """The extension point for probes: a probes.py in the assignment's folder, no engine change."""
    assert cli.main(["--course", str(copy / "course.yaml"), "new", "09_demo", "--notebook", "demo", "--stub", "double"]) == 0
    folder = copy / "solutions" / "09_demo"
    (folder / "probes.py").write_text(PROBE)
    (folder / "hidden.py").write_text((folder / "hidden.py").read_text().replace(
        "from autograder.grading import checks", "import torch\n\nfrom autograder.grading import checks").replace(
        "\n# ------------------------------------------------------------------ promises", PROBE_TEST +
        "\n# ------------------------------------------------------------------ promises"))
    text = (copy / "course.yaml").read_text()
    (copy / "course.yaml").write_text(text.replace("      double_example: 1\n",
                                                   "      double_example: 1\n      double_through_a_course_probe: 1\n"))
    content._unload()
    course = config.load(copy / "course.yaml")
    assert course_check.check(course) == []
    sub = tmp_path / "ref" / "09_demo"
    sub.mkdir(parents=True)
    nb = nbformat.read(folder / "demo.ipynb", as_version=4)
    for cell in nb.cells:
        cell.source = notebook.strip_solution_markers(cell.source)
    nbformat.write(nb, sub / "demo.ipynb")
    result = grade.grade(sub.parent, course, only=["09_demo"])
    probe = next(t for t in result.tests if t.name == "double_through_a_course_probe")
    assert probe.score == 1.0 and not probe.grader_error, probe.output
    # A probe that reaches for the grader is refused by `course check`, before it could run anywhere.
    (folder / "probes.py").write_text("from autograder.grading import oracles\n" + PROBE)
    content._unload()
    assert any("probes.py" in p and "autograder" in p for p in course_check.check(course))
