"""Every clause of every task's text is kept by a hidden test, or says why none can keep it."""

from __future__ import annotations

import pytest

from autograder import notebook
from autograder.grading import hidden, promises


def _assignments():
    from autograder import config
    from conftest import ROOT

    return [a.id for a in config.load(ROOT / "course.yaml").assignments]


@pytest.mark.parametrize("aid", _assignments())
def test_every_task_clause_has_a_hidden_test(course, aid):
    a = course.assignment(aid)
    cells = notebook.load_cells(course.solutions_dir / aid / a.notebook)
    tests = {t.name: t.stubs for t in hidden.tests_for(course, aid)}
    problems = promises.audit(aid, promises.task_texts(cells), tests)
    assert not problems, "\n".join(problems)


def test_the_audit_finds_what_is_wrong(monkeypatch):
    """A misquoted clause, an unknown test, a test of another stub and a missing kind are each named."""
    monkeypatch.setattr(promises, "_TABLE", {})
    promises.promise("x", "f", "values", "returns the sum", "f_sums")
    promises.promise("x", "f", "errors", "raise a `ValueError`", "g_rejects")
    promises.promise("x", "f", "types", "an int", "nowhere")
    for kind in promises.KINDS[3:]:
        promises.no_promise("x", "f", kind, "the text says nothing")
    problems = promises.audit("x", {"f": "It returns   the **sum**. Anything else: raise an error."},
                              {"f_sums": ("f",), "g_rejects": ("g",)})
    text = "\n".join(problems)
    assert "does not say 'raise a `ValueError`'" in text
    assert "no hidden test named nowhere" in text
    assert "g_rejects does not grade f" in text
    assert len(problems) == 4, problems  # 'returns the sum' matches across spacing and emphasis
    with pytest.raises(ValueError):
        promises.promise("x", "f", "colour", "red", "f_sums")
    with pytest.raises(ValueError):
        promises.promise("x", "f", "values", "sums", ())
