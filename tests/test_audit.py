"""`course audit` on an assignment it has never seen: a weak hidden test shows its survivors,
a strong one kills them, and the equivalence check does not hide a real survivor."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder import config
from autograder.grading import content
from autograder.authoring.audit import equivalence, runner, session
from autograder.authoring.audit.operators import Mutant

STUB = '''def row_sums(X, scale=1.0):
    """Each row of X summed, times scale."""
    ### BEGIN SOLUTION
    out = torch.zeros(X.shape[0], dtype=X.dtype)
    for i in range(X.shape[0]):
        out[i] = X[i].sum() * scale
    return out
    ### END SOLUTION
'''

CHECK = '''from autograder.student.visible import expect
X = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
expect(row_sums, X, expected=torch.tensor([3.0, 7.0]))
expect(row_sums, X, 0.5, expected=torch.tensor([1.5, 3.5]))
'''

# The hidden tests of the new assignment: `STRENGTH["strong"]` decides what `row_sums_values` checks.
HIDDEN = '''
import torch
from hypothesis import given
from autograder.grading import checks
from autograder.grading.hidden import hidden_test
from course_content.shared import strategies as s

STRENGTH = {"strong": False}


@hidden_test("row_sums", examples=10)
@given(X=s.tensors((3, 4)), scale=s.values)
def row_sums_values(student, X, scale):
    r = student.call("row_sums", X, scale)
    if not STRENGTH["strong"]:
        checks.shaped(r.value, (3,), r.described)  # weak: the shape only
        return
    checks.close(r.value, X.sum(1) * scale, r.described, inputs=(X,))
    checks.same_dtype(r.value, X.dtype, r.described)
    d = student.call("row_sums", X)
    checks.close(d.value, X.sum(1), d.described + " (scale defaults to 1)", inputs=(X,))
    checks.unchanged([X], r.args_after, ["X"], r.described)
'''


def _cell(source: str, role: str | None = None, grade_id: str | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if role == "stub":
        cell.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False, "grade_id": grade_id,
                                     "schema_version": 3}
    elif role == "check":
        cell.metadata["nbgrader"] = {"solution": False, "grade": True, "locked": True, "grade_id": grade_id,
                                     "points": 1, "schema_version": 3}
    return cell


@pytest.fixture(scope="module")
def toy(tmp_path_factory, root):
    """A course with one new assignment (99_toy), written the way an instructor adds one."""
    home = tmp_path_factory.mktemp("toy_course")
    raw = yaml.safe_load((root / "course.yaml").read_text())
    raw["assignments"] = [{"id": "99_toy", "title": "Row sums", "notebook": "toy_rows.ipynb",
                           "checks": {"check_row_sums": 1}, "hidden": {"row_sums_values": 2}}]
    (home / "course.yaml").write_text(yaml.safe_dump(raw))
    for folder, stub in (("solutions", STUB), ("assignments", "def row_sums(X, scale=1.0):\n    raise NotImplementedError()\n")):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell("## Task: `row_sums(X, scale=1.0)`\n\nSum each row, times `scale`."),
                    _cell("import torch"), _cell(stub, "stub", "row_sums"), _cell(CHECK, "check", "check_row_sums")]
        (home / folder / "99_toy").mkdir(parents=True)
        nbformat.write(nb, home / folder / "99_toy" / "toy_rows.ipynb")
    (home / "solutions" / "99_toy" / "hidden.py").write_text(textwrap.dedent(HIDDEN))
    shutil.copytree(root / "solutions" / "shared", home / "solutions" / "shared")  # the course's shared strategies
    return config.load(home / "course.yaml"), home / "course.yaml"


def _audit(toy, strong: bool) -> session.Audit:
    course, course_file = toy
    content.module(course, "99_toy", "hidden").STRENGTH["strong"] = strong
    return session.run(course, course_file, jobs=1)


def test_a_weak_test_shows_its_survivors_and_a_strong_one_kills_them(toy):
    weak = _audit(toy, strong=False)
    (stub,) = weak.stubs
    assert not stub.reference_failing
    assert stub.count("mutants") >= 5
    survivors = [j for j in stub.judged if not j.hidden and j.equivalent is not True]
    kinds = {j.mutant.kind for j in survivors}
    assert survivors and ("reduction_swap" in kinds or "arithmetic_swap" in kinds), kinds
    # Every survivor that changes the values is reported with a call that shows it.
    for j in survivors:
        assert j.equivalent is False and j.witness.startswith("row_sums("), (j.mutant.description, j.witness)
    # The visible checks catch value bugs the weak test misses: the report says visible ⊆ hidden is broken.
    assert stub.count("visible_only") > 0

    strong = _audit(toy, strong=True)
    (stub,) = strong.stubs
    left = [j.mutant.description for j in stub.judged if not j.hidden and j.equivalent is not True]
    assert not left, f"the strong test left survivors: {left}"
    assert strong.score("hidden") == 1.0 and weak.score("hidden") < strong.score("hidden")
    # The single worked example is the weakest judge (it kills a subset of what the visible checks kill).
    assert strong.score("example") <= strong.score("visible")


def test_equivalence_check_tells_a_rewrite_from_a_real_bug(toy):
    """A rewrite with the same behaviour is equivalent; a bug no recorded call exposes directly (it
    needs a value the hidden test never drew) is still found on the random copies, not hidden."""
    course, _ = toy
    content.module(course, "99_toy", "hidden").STRENGTH["strong"] = True
    bench = runner.Workbench(course)
    try:
        ref = bench.reference("99_toy", "row_sums")
        assert not ref.failing and ref.calls
        pool = equivalence.inputs(ref.calls)
        reference = bench.calls_on("99_toy", "row_sums", runner.reference_source(course, "99_toy", "row_sums"), pool)
        rewrite = "def row_sums(X, scale=1.0):\n    return X.sum(dim=1) * scale\n"
        assert equivalence.first_difference(reference, bench.calls_on("99_toy", "row_sums", rewrite, pool)) is None
        # Wrong only for values above 10, which the hidden strategy (quarters in [-10, 10]) never draws.
        hidden_bug = "def row_sums(X, scale=1.0):\n    return X.clamp(max=10).sum(dim=1) * scale\n"
        differs = equivalence.first_difference(reference, bench.calls_on("99_toy", "row_sums", hidden_bug, pool))
        assert differs is not None and differs >= len(ref.calls)
    finally:
        bench.close()


def test_the_command_runs_end_to_end_on_a_real_stub(tmp_path, root):
    """What CI keeps working: `course audit` on one stub of the chapter, a few mutants, JSON and HTML."""
    from autograder import cli

    out, page = tmp_path / "audit.json", tmp_path / "audit.html"
    code = cli.main(["--course", str(root / "course.yaml"), "audit", "--stub", "global_avg_pool", "--max-mutants", "3",
                     "-q", "--json", str(out), "--html", str(page)])
    assert code == 0
    data = json.loads(out.read_text())
    (stub,) = data["stubs"]
    assert stub["stub"] == "global_avg_pool" and stub["counts"]["mutants"] == 3
    assert all(m["diff"].startswith("---") for m in stub["mutants"])
    assert "global_avg_pool" in page.read_text()


def test_max_mutants_samples_every_operator_first():
    ms = [Mutant("f", op, op, i, "", f"x = {op}{i}") for op in ("a", "b", "c") for i in range(5)]
    picked = session.spread(ms, 4)
    assert [m.operator for m in picked] == ["a", "b", "c", "a"]
