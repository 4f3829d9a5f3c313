"""Bad input gets a clear message naming the file and the cell, a zero for that part only,
and nothing else lost: the rest of the submission is graded as usual."""

from __future__ import annotations

import json

import nbformat
import pytest

from autograder.grading import grade
from corpus.build import answered_notebook, write_submission

A1, A2 = "01_dense_to_conv", "02_convolutions"


def _by_assignment(result):
    scores = {}
    for t in result.tests:
        got, best = scores.get(t.assignment, (0.0, 0.0))
        scores[t.assignment] = (got + t.score, best + t.max_score)
    return scores


def _full(result, aid):
    got, best = _by_assignment(result)[aid]
    return got == best > 0


@pytest.fixture
def two(tmp_path, course):
    """A folder holding two correct assignments."""
    for aid in (A1, A2):
        write_submission(tmp_path, course, aid)
    return tmp_path


def test_one_assignment_folder_is_graded_on_its_own(tmp_path, course):
    """`course grade assignments-like/<id>/`: that assignment, out of its own points, nothing else missing."""
    write_submission(tmp_path, course, A1)
    result = grade.grade(tmp_path / A1, course)
    assert set(_by_assignment(result)) == {A1} and _full(result, A1) and result.notes == []


def test_assignments_not_submitted_are_left_out_not_zeroed(two, course):
    """A folder of assignment folders: what is there is graded; the other five were not handed in."""
    result = grade.grade(two, course, train=False)
    assert set(_by_assignment(result)) == {A1, A2} and _full(result, A1) and _full(result, A2)
    assert result.notes == []


def test_a_renamed_notebook_is_named_and_the_rest_graded(two, course):
    nb = two / A2 / "convolutions.ipynb"
    nb.rename(nb.with_name("convolutions (1).ipynb"))
    result = grade.grade(two, course, only=[A1, A2])
    assert _full(result, A1)
    assert _by_assignment(result)[A2][0] == 0
    assert any("02_convolutions/convolutions.ipynb is missing; found convolutions (1).ipynb instead" in n for n in result.notes)
    # The zeroed part is the whole assignment, checks included, so totals stay comparable.
    assert _by_assignment(result)[A2][1] == sum(course.assignment(A2).hidden.values()) + sum(course.assignment(A2).checks.values())


def test_invalid_json_is_named_with_its_line(two, course):
    path = two / A2 / "convolutions.ipynb"
    path.write_text(path.read_text()[:-200])
    result = grade.grade(two, course, only=[A1, A2])
    assert _full(result, A1) and _by_assignment(result)[A2][0] == 0
    [note] = [n for n in result.notes if "convolutions.ipynb" in n]
    assert "not valid JSON (line" in note
    assert all("could not be graded" in t.output or "not confirmed" in t.output for t in result.tests if t.assignment == A2)


def test_deleted_and_edited_check_cells_are_flagged_and_change_nothing(tmp_path, course):
    nb = answered_notebook(course, A2)
    checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")]
    edited, deleted = checks[0], checks[1]
    edited.source = "assert True  # I fixed the test"
    nb.cells.remove(deleted)
    (tmp_path / A2).mkdir()
    nbformat.write(nb, tmp_path / A2 / "convolutions.ipynb")
    result = grade.grade(tmp_path, course, only=[A2])
    assert _full(result, A2)
    gid = lambda c: c.metadata["nbgrader"]["grade_id"]  # noqa: E731
    assert any(f"check cell {gid(edited)} was edited; the released version counts" in n for n in result.notes)
    assert any(f"check cell {gid(deleted)} was deleted; the released version counts" in n for n in result.notes)


def test_duplicate_grade_ids_are_flagged_and_the_last_definition_counts(tmp_path, course):
    nb = answered_notebook(course, A1)
    stub = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "dense_layer_params")
    wrong = nbformat.from_dict(json.loads(json.dumps(stub)))
    wrong.source = "def dense_layer_params(height, width, hidden):\n    return height * width * hidden  # forgot the biases\n"
    wrong.pop("id", None)
    nb.cells.insert(nb.cells.index(stub), wrong)  # the wrong attempt first, the right one after
    (tmp_path / A1).mkdir()
    nbformat.write(nb, tmp_path / A1 / "dense_to_conv.ipynb")
    result = grade.grade(tmp_path, course, only=[A1])
    assert _full(result, A1)
    assert any("grade_id dense_layer_params is on 2 cells" in n for n in result.notes)

    # And the other way round costs the points, on that stub only.
    nb.cells.remove(wrong)
    nb.cells.insert(nb.cells.index(stub) + 1, wrong)
    nbformat.write(nb, tmp_path / A1 / "dense_to_conv.ipynb")
    result = grade.grade(tmp_path, course, only=[A1])
    lost = {s for t in result.tests if not t.passed for s in t.stubs}
    assert lost == {"dense_layer_params"}


def test_notebooks_saved_by_other_editors_grade_the_same(tmp_path, course):
    """Colab and VS Code drop nbgrader metadata or cell ids, store sources as one string, add their
    own metadata, and may write nbformat 4.4; none of that may cost a point."""
    nb = answered_notebook(course, A2)
    raw = json.loads(nbformat.writes(nb))
    raw["nbformat_minor"] = 4
    raw["metadata"] = {"colab": {"provenance": []}, "kernelspec": {"name": "python3", "display_name": "Python 3"}}
    for cell in raw["cells"]:
        cell.pop("id", None)
        cell["source"] = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        cell["metadata"].pop("nbgrader", None)  # Colab strips unknown metadata
        cell["metadata"]["vscode"] = {"languageId": "python"}
    (tmp_path / A2).mkdir()
    (tmp_path / A2 / "convolutions.ipynb").write_text(json.dumps(raw, indent=1))
    result = grade.grade(tmp_path, course, only=[A2])
    assert [(t.name, t.output) for t in result.tests if not t.passed] == []
    assert _full(result, A2)


@pytest.mark.parametrize("mangle", [
    lambda meta: meta.update(nbgrader="solution"),  # not a mapping
    lambda meta: meta.update(tags=7),  # not a list
    lambda meta: meta.setdefault("nbgrader", {}).update(grade_id={"x": 1}, points="lots", grade="yes"),
], ids=["nbgrader-not-a-mapping", "tags-not-a-list", "fields-of-the-wrong-type"])
def test_metadata_of_the_wrong_types_is_ignored_not_a_crash(tmp_path, course, mangle):
    """Hand-edited JSON: nbgrader metadata of types nbgrader never writes is ignored (the cell is
    plain code and still runs), so nothing is lost and nothing crashes."""
    raw = json.loads(nbformat.writes(answered_notebook(course, A1)))
    for cell in raw["cells"]:
        mangle(cell["metadata"])
    (tmp_path / A1).mkdir()
    (tmp_path / A1 / "dense_to_conv.ipynb").write_text(json.dumps(raw))
    result = grade.grade(tmp_path, course, only=[A1])
    assert not result.grader_errors, [(t.name, t.output) for t in result.tests if t.grader_error]
    assert _full(result, A1), [(t.name, t.output) for t in result.tests if not t.passed]


def test_a_cell_whose_source_is_not_text_is_named(two, course):
    path = two / A2 / "convolutions.ipynb"
    raw = json.loads(path.read_text())
    index = next(i for i, c in enumerate(raw["cells"]) if c["cell_type"] == "code")
    raw["cells"][index]["source"] = 42
    path.write_text(json.dumps(raw))
    result = grade.grade(two, course, only=[A1, A2])
    assert _full(result, A1) and _by_assignment(result)[A2][0] == 0 and not result.grader_errors
    [note] = [n for n in result.notes if "convolutions.ipynb" in n]
    assert f"cell {index + 1}: its source is not text" in note and str(two) not in note


def test_a_cell_without_a_type_is_not_run_and_nothing_crashes(tmp_path, course):
    raw = json.loads(nbformat.writes(answered_notebook(course, A1)))
    markdown = next(c for c in raw["cells"] if c["cell_type"] == "markdown")
    del markdown["cell_type"]
    (tmp_path / A1).mkdir()
    (tmp_path / A1 / "dense_to_conv.ipynb").write_text(json.dumps(raw))
    result = grade.grade(tmp_path, course, only=[A1])
    assert not result.grader_errors and _full(result, A1), [(t.name, t.output) for t in result.tests if not t.passed]
