"""The grader's credibility: many correct styles score full marks, one-bug mutants lose
points on their own stub's tests and nowhere else."""

from __future__ import annotations

import pytest

from autograder import grade
from corpus.build import corpus_files, stub_assignment, target_of, write_submission

CORRECT = corpus_files("correct")
MUTANTS = corpus_files("mutants")


def _grade_one(tmp_path, course, path):
    stub = target_of(path)
    aid = stub_assignment(stub, course)
    write_submission(tmp_path, course, aid, {stub: path.read_text()})
    return stub, grade.grade(tmp_path, course, only=[aid], train=False)  # training: test_lenet_training.py


def test_corpus_is_large_enough():
    assert len(CORRECT) >= 15, f"only {len(CORRECT)} correct implementations"
    assert len(MUTANTS) >= 40, f"only {len(MUTANTS)} mutants"


@pytest.mark.parametrize("path", CORRECT, ids=[p.stem for p in CORRECT])
def test_correct_style_scores_full_marks(tmp_path, course, path):
    stub, result = _grade_one(tmp_path, course, path)
    lost = [(t.name, t.output) for t in result.tests if not t.passed]
    assert not lost, f"a correct {stub} lost points: {lost}"
    assert result.tests and result.score == result.max_score


@pytest.mark.parametrize("path", MUTANTS, ids=[p.stem for p in MUTANTS])
def test_mutant_loses_points_on_its_stub_only(tmp_path, course, path):
    stub, result = _grade_one(tmp_path, course, path)
    own = [t for t in result.tests if stub in t.stubs]
    others = [t for t in result.tests if stub not in t.stubs]
    assert own, f"no hidden test grades {stub}"
    assert any(not t.passed for t in own), f"mutant {path.stem} kept every point on {stub}"
    collateral = [(t.name, t.output) for t in others if not t.passed]
    assert not collateral, f"mutant {path.stem} of {stub} cost points elsewhere: {collateral}"
    for t in own:
        if not t.passed:
            assert t.output.strip(), f"{t.name} failed without feedback"
            assert "internal grader error" not in t.output
