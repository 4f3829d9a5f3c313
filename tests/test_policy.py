"""The policy, read from the notebook's text in the parent: every cell that runs, each stub charged
with what its own code (its dependency closure) does, top-level effects charged to every stub.

Fast: no sandbox. The end-to-end versions (graded submissions) live in test_trust_boundary.py.
"""

from __future__ import annotations

import nbformat
import pytest

from autograder import notebook
from autograder.grading import hidden, policy
from corpus.build import answered_notebook, corpus_files, stub_assignment, target_of


def _review(course, tmp_path, aid: str, replace: dict | None = None, extra: list[str] | None = None) -> policy.Review:
    a = course.assignment(aid)
    nb = answered_notebook(course, aid, replace)
    for i, source in enumerate(extra or []):
        nb.cells.insert(3 + i, nbformat.v4.new_code_cell(source))
    path = tmp_path / a.notebook
    nbformat.write(nb, path)
    cells = [c for c in notebook.load_cells(path) if c.role in ("stub", "code")]
    released = [c for c in notebook.load_cells(course.assignments_dir / aid / a.notebook) if c.role in ("stub", "code")]
    helped = hidden.helped_by(hidden.tests_for(course, aid))
    stubs = {c.grade_id for c in released if c.role == "stub"} | set(helped)
    return policy.review(cells, {c.source.strip() for c in released}, stubs, helped, a.notebook, a.must_implement, a.forbidden)


def test_reference_solutions_break_no_rule(course, tmp_path):
    for a in course.assignments:
        review = _review(course, tmp_path, a.id)
        assert review.charged == {} and review.notes == [], (a.id, review.charged)


@pytest.mark.parametrize("path", corpus_files("correct") + corpus_files("mutants"), ids=lambda p: p.stem)
def test_correct_styles_and_mutants_break_no_rule(course, tmp_path, path):
    stub = target_of(path)
    review = _review(course, tmp_path, stub_assignment(stub, course), {stub: path.read_text()})
    assert review.charged == {}, review.charged


CORR2D = "def corr2d(X, K):\n    return {body}\n"
DELEGATING = {
    "alias_in_another_cell": (["import torch.nn.functional as G"], CORR2D.format(body="G.conv2d(X[None, None], K[None, None])[0, 0]")),
    "helper_in_another_cell": (["def slide(X, K):\n    return F.conv2d(X[None, None], K[None, None])[0, 0]"],
                               CORR2D.format(body="slide(X, K)")),
    "from_import_alias": (["from torch.nn.functional import conv2d as c"], CORR2D.format(body="c(X[None, None], K[None, None])[0, 0]")),
    "aliased_module_object": (["fn = torch.nn.functional"], CORR2D.format(body="fn.conv2d(X[None, None], K[None, None])[0, 0]")),
    "constant_getattr": ([], CORR2D.format(body="getattr(F, 'conv2d')(X[None, None], K[None, None])[0, 0]")),
    "aten_op": ([], CORR2D.format(body="torch.ops.aten.convolution(X[None, None], K[None, None], None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)[0, 0]")),
    "unfold_through_alias": (["import torch.nn.functional as G"],
                             "def corr2d(X, K):\n    cols = G.unfold(X[None, None], K.shape)\n    return (K.reshape(1, -1) @ cols[0]).reshape(X.shape[0] - K.shape[0] + 1, -1)\n"),
}


@pytest.mark.parametrize("case", sorted(DELEGATING))
def test_delegation_is_charged_to_its_stub_only(course, tmp_path, case):
    extra, cell = DELEGATING[case]
    review = _review(course, tmp_path, "02_convolutions", {"corr2d": cell}, extra)
    assert set(review.charged) == {"corr2d"}, review.charged
    assert "sliding windows itself" in review.verdict("corr2d")


HOSTILE_IN_STUB = {
    "thread": ("import threading", "def corr2d(X, K):\n    out = []\n    t = threading.Thread(target=lambda: out.append(X))\n"
               "    t.start(); t.join()\n    return out[0]\n", "threading"),
    "dispatch_off": ("from torch.utils._python_dispatch import _disable_current_modes",
                     "def corr2d(X, K):\n    with _disable_current_modes():\n        return X\n", "_python_dispatch"),
    "runtime_modules": ("import sys", "def corr2d(X, K):\n    return sys.modules['__main__'].NAMESPACES\n", "sys.modules"),
    "computed_getattr": ("NAME = 'con' + 'v2d'", "def corr2d(X, K):\n    return getattr(F, NAME)(X[None, None], K[None, None])[0, 0]\n",
                         "computed name"),
    "exec_string": ("", "def corr2d(X, K):\n    scope = {}\n    exec('r = 1', scope)\n    return X\n", "exec()"),
    "frames": ("import sys", "def corr2d(X, K):\n    return sys._getframe(1).f_locals['expected']\n", "_getframe"),
    "grader_module": ("import child", "def corr2d(X, K):\n    return child.NAMESPACES\n", "import child"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_IN_STUB))
def test_reaching_around_the_grader_in_a_stub_zeros_that_stub(course, tmp_path, case):
    extra, cell, construct = HOSTILE_IN_STUB[case]
    review = _review(course, tmp_path, "02_convolutions", {"corr2d": cell}, [extra] if extra else [])
    assert set(review.charged) == {"corr2d"}, review.charged
    assert any(construct in n and "corr2d" in n for n in review.notes), review.notes


TOP_LEVEL = {
    "patch_equal": "torch.equal = lambda *a, **k: True",
    "patch_alias": "T = torch.Tensor\nT.__eq__ = lambda self, other: True",
    "patch_setattr": "setattr(torch, 'allclose', lambda *a, **k: True)",
    "patch_module_class": "nn.Module.train = lambda self, mode=True: self",
    "start_thread": "import threading\nthreading.Thread(target=print).start()",
}


@pytest.mark.parametrize("case", sorted(TOP_LEVEL))
def test_top_level_effects_zero_every_stub_of_the_notebook(course, tmp_path, case):
    review = _review(course, tmp_path, "06_lenet", extra=[TOP_LEVEL[case]])
    stubs = {c.grade_id for c in notebook.load_cells(course.assignments_dir / "06_lenet" / "lenet.ipynb") if c.role == "stub"}
    assert set(review.charged) == stubs, review.charged
    assert any("every stub" in n for n in review.notes), review.notes


def test_scratch_work_with_torch_outside_any_stub_is_allowed(course, tmp_path):
    """Comparing with F.conv2d in a cell of one's own is what the notebook suggests; so is a local
    variable that happens to share a name with a top-level one."""
    extra = ["x = F.conv2d(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 2, 2))\nprint(x)",
             "torch.backends.cudnn.deterministic = True"]
    cell = ("def corr2d(X, K):\n    x = torch.zeros(X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1)\n"
            "    for i in range(x.shape[0]):\n        for j in range(x.shape[1]):\n"
            "            x[i, j] = (X[i:i + K.shape[0], j:j + K.shape[1]] * K).sum()\n    return x\n")
    review = _review(course, tmp_path, "02_convolutions", {"corr2d": cell}, extra)
    assert review.charged == {}, review.charged


def test_help_names_stop_the_closure(course, tmp_path):
    """Conv2D calls corr2d, which is graded on its own (and replaced by the grader's help while
    Conv2D is graded): a delegating corr2d costs corr2d, not Conv2D."""
    review = _review(course, tmp_path, "02_convolutions", {"corr2d": DELEGATING["constant_getattr"][1]})
    assert set(review.charged) == {"corr2d"}, review.charged


def test_unreadable_cell_zeros_the_notebook(course, tmp_path):
    deep = "x = " + "1 + " * 100000 + "1"  # ast.parse: RecursionError
    review = _review(course, tmp_path, "05_pooling", extra=[deep])
    assert review.charged and all("could not be read" in v[0] for v in review.charged.values())


# course.yaml's `forbidden` (08: torchvision.models): a stub may not take its answer from there,
# under any spelling; what the check cells import to compare is not the stub's code.
FORBIDDEN_AID = "08_modern_architectures"
FORBIDDEN_CASES = {
    "subclass_of_from_import": ("Bottleneck", [],
        "from torchvision.models.resnet import Bottleneck as _TV\n\n\nclass Bottleneck(_TV):\n"
        "    def __init__(self, in_channels, mid_channels, stride=1):\n        super().__init__(in_channels, mid_channels, stride)\n"),
    "package_alias_in_another_cell": ("ModernCNN", ["import torchvision as tv"],
        "class ModernCNN(nn.Module):\n    def __init__(self, num_classes=1000, input_channels=3):\n        super().__init__()\n"
        "        self.net = tv.models.resnet50(num_classes=num_classes)\n\n    def forward(self, X):\n        return self.net(X)\n"),
    "module_object_alias": ("Inception", ["from torchvision import models as zoo"],
        "class Inception(nn.Module):\n    def __init__(self, in_channels, c1, c2, c3, c4):\n        super().__init__()\n"
        "        self.block = zoo.googlenet.Inception(in_channels, c1, c2[0], c2[1], c3[0], c3[1], c4)\n\n"
        "    def forward(self, X):\n        return self.block(X)\n"),
}


@pytest.mark.parametrize("case", sorted(FORBIDDEN_CASES))
def test_a_forbidden_module_is_charged_to_the_stub_that_reaches_it(course, tmp_path, case):
    stub, extra, cell = FORBIDDEN_CASES[case]
    assert "torchvision.models" in course.assignment(FORBIDDEN_AID).forbidden
    review = _review(course, tmp_path, FORBIDDEN_AID, {stub: cell}, extra)
    assert set(review.charged) == {stub}, review.charged
    assert all("torchvision.models" in why for why in review.charged[stub]), review.charged


def test_a_forbidden_module_zeros_its_stub_when_graded_and_nothing_else(course, tmp_path):
    from autograder.grading import grade
    from corpus.build import write_submission

    stub, _, cell = FORBIDDEN_CASES["subclass_of_from_import"]
    write_submission(tmp_path, course, FORBIDDEN_AID, {stub: cell})
    result = grade.grade(tmp_path, course, only=[FORBIDDEN_AID], train=False)
    mine = [t for t in result.tests if stub in t.stubs]
    others = [t for t in result.tests if stub not in t.stubs]
    assert mine and all(t.score == 0 for t in mine), [(t.name, t.score) for t in mine]
    assert all("uses torchvision.models.resnet.Bottleneck" in t.output for t in mine if t.kind == "hidden"), mine
    assert others and all(t.passed for t in others), [(t.name, t.output[:200]) for t in others if not t.passed]
