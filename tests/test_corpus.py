"""The grader's credibility: many correct styles score full marks, one-bug mutants lose
points on their own stub's tests and nowhere else."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import grade
from corpus.build import corpus_files, stub_assignment, target_of, write_submission

CORRECT = corpus_files("correct")
MUTANTS = corpus_files("mutants")


def _secret_lines(course) -> set[str]:
    """Distinctive lines of the hidden tests and of the reference answers: feedback must quote none."""
    from autograder import notebook

    root = Path(__file__).resolve().parent.parent
    sources = [p.read_text() for p in (root / "autograder" / "hidden").glob("*.py")]
    for a in course.assignments:
        sources += [c.source for c in notebook.load_cells(course.solutions_dir / a.id / a.notebook) if c.role == "stub"]
    lines = {line.strip() for text in sources for line in text.splitlines()}
    # Layer lists (`nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),`) are the chapter's published
    # architecture, and the feedback names the net a test used in the same words: not a secret.
    return {line for line in lines if len(line) >= 30 and not line.startswith(("#", '"', "'", "def ", "class ", "nn."))}


_SECRETS: set[str] = set()


def _secrets(course) -> set[str]:
    if not _SECRETS:
        _SECRETS.update(_secret_lines(course))
    return _SECRETS


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
            leaked = [line for line in _secrets(course) if line in t.output]
            assert not leaked, f"{t.name}'s feedback quotes the hidden test or the reference: {leaked}"


WRONG_TYPE = [p for p in MUTANTS if "__returns_numpy" in p.stem or "__returns_nested_list" in p.stem]


@pytest.mark.parametrize("path", WRONG_TYPE, ids=[p.stem for p in WRONG_TYPE])
def test_wrong_return_type_scores_zero_and_says_so(tmp_path, course, path):
    """Right values in the wrong container (numpy, lists) earn nothing, and every failing
    test tells the student what came back and that a torch.Tensor was expected."""
    stub, result = _grade_one(tmp_path, course, path)
    own = [t for t in result.tests if stub in t.stubs and t.kind == "hidden"]
    assert own and all(t.score == 0 for t in own), [(t.name, t.score) for t in own]
    kind = "returned a numpy" if "numpy" in path.stem else "returned list"
    for t in own:
        if not t.passed:
            assert kind in t.output and "must return a torch.Tensor" in t.output, (t.name, t.output)


def _placeholder(stub: str, style: str) -> str:
    """A stub that does nothing useful: answers None, or hands back its first input."""
    if stub[0].isupper():
        body = "return None" if style == "none" else "return x"
        return (f"class {stub}(nn.Module):\n    def __init__(self, *args, **kwargs):\n        super().__init__()\n\n"
                f"    def forward(self, x=None, *args, **kwargs):\n        {body}\n")
    body = "return None" if style == "none" else "return first"
    return f"def {stub}(first=None, *args, **kwargs):\n    {body}\n"


@pytest.mark.parametrize("style", ["none", "identity"])
@pytest.mark.parametrize("aid", ["01_dense_to_conv", "02_convolutions", "03_padding_stride", "04_channels",
                                 "05_pooling", "06_lenet", "07_modern_blocks"])
def test_stubs_that_do_nothing_earn_nothing(tmp_path, course, aid, style):
    """Properties that a do-nothing stub satisfies trivially (inputs left alone, linearity of the
    identity, an SE block's shape) must not pay out on their own."""
    from autograder import notebook

    a = course.assignment(aid)
    stubs = [c.grade_id for c in notebook.load_cells(course.solutions_dir / aid / a.notebook) if c.role == "stub"]
    write_submission(tmp_path, course, aid, {stub: _placeholder(stub, style) for stub in stubs})
    result = grade.grade(tmp_path, course, only=[aid], train=False)
    assert result.tests and result.score == 0, [(t.name, t.score) for t in result.tests if t.score]
