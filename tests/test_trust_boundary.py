"""The trust boundary: the sandboxed child only computes and returns plain data; the parent
judges everything, serves the grader's stand-ins only to requests that declare them, decides
the LeNet training test itself, and tells the instructor what it refused and why.

tests/corpus/hostile_trust/ holds attacks on that boundary, one file each, written as a student
would write them. Each file's first line names its class:

  helpers         reusing the grader's own runtime inside the sandbox: its stand-ins through
                  sys.modules['__main__'], the garbage collector, stack frames, `import child`,
                  or the source of child.py exec'd;
  torch_patch     patching torch so that a check computed in the child would lie (torch.equal,
                  nn.Module.state_dict, torch.is_grad_enabled, forward pre-hooks, Tensor.clone),
                  around a stub that is wrong;
  policy_evasion  "implemented, not delegated" dodged: torch's conv/pool in a thread, with the
                  dispatch modes switched off, from a helper in another cell, under an alias,
                  through names built at run time, torch.ops.aten, exec of a string;
  lenet_fake      a LeNet that would score without being trained by the grader: a no-op
                  training loop, a lookup table of the public test labels, an eval mode unlike
                  its training mode, carried pretrained weights (pre-hook, frozen buffers).

Header lines of a file: `constructs:` (names, any of which the report must mention), `scope:`
(`stub`: the construct sits in the code the stub depends on, so that stub scores zero and
nothing else does; `notebook`: a top-level statement run for its side effect, so every stub of
the notebook scores zero) and `reported:` (`notes`, the default: the instructor notes name the
notebook, the construct and the stub; `notes or output` for plain delegation, reported in the
stub's own tests as before). A file may carry extra cells (corpus/build.py: `# %% extra cell`).

Every case is graded once, together with a clean 01_dense_to_conv, and must:
  1. give every hidden test of the targeted stub zero (lenet_fake: the training test);
  2. grade the rest as if nothing had happened: the notebook's other stubs keep full marks
     (scope `stub`), or every test of the notebook scores zero (scope `notebook`); the other
     assignment keeps full marks; no grader error;
  3. say what happened: a note names the notebook, the stub and the construct (lenet_fake:
     the training test's output says why the weights or the forward do not count).

Guards, cheap and run in this process, show the attacks are real: the evasions compute the
right answer, and the fake LeNets score on the real test set (and not without their trick). So
a zero below comes from the grader refusing them, not from a broken attack.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import re
import sys
import types
import zlib
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder import config, notebook
from autograder.grading import content, grade, trained as lenet
from autograder.runtime.sandboxed import training
from corpus.build import (EXTRA_CELL, answered_notebook, corpus_cells, corpus_files, stub_assignment, target_of,
                          write_submission)

CLASSES = ("helpers", "torch_patch", "policy_evasion", "lenet_fake")
OTHER = "01_dense_to_conv"  # graded in the same run: it must not notice anything
LENET = "06_lenet"
TRAINING_TEST = "lenet_trains_on_fashion_mnist"
ChapterLeNet = content.module(config.load(), LENET, "oracles").ChapterLeNet
# Why a fake LeNet's training scores zero, in the training test's own output: its weights are not
# a training run from the grader's initial weights, or its forward does not match the reference's.
LENET_WHY = ("weight", "forward", "training run", "initial", "match")
# One epoch keeps training cheap. At the chapter's batch of 256 the reference reaches only ~0.19
# after one epoch (the sigmoid LeNet is still leaving its plateau), too close to chance to tell
# apart; at 64 it reaches ~0.51 (seed 0, CPU). The threshold sits well between chance (0.10) and
# that, so the reference passes and every fake would pass too, were it believed.
QUICK_LENET = {"epochs": 1, "batch_size": 64, "threshold": 0.25, "partial_credit": []}
# Data a lenet_fake file carries, written in by the tests (as a student would paste it in).
PLACEHOLDERS = ("PRETRAINED", "ANSWERS")


@dataclass(frozen=True)
class Case:
    path: Path
    cls: str
    constructs: tuple[str, ...]
    scope: str
    reported: str

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def stub(self) -> str:
        return target_of(self.path)

    def cells(self, data: dict[str, str] | None = None) -> tuple[list[str], str]:
        """(extra cells, the stub's cell), with the carried data written in."""
        return corpus_cells(_fill(self.path.read_text(), data or {}))


def _case(path: Path) -> Case:
    text = path.read_text()
    first = re.match(r"# Hostile \((\w+)\):", text)
    assert first, f"{path.name}: the first line must be '# Hostile (<class>): ...'"
    header = dict(re.findall(r"^# (constructs|scope|reported): (.*)$", text, flags=re.M))
    constructs = tuple(c.strip() for c in header.get("constructs", "").split(",") if c.strip())
    return Case(path, first.group(1), constructs, header.get("scope", "stub").strip(),
                header.get("reported", "notes").strip())


def _fill(source: str, data: dict[str, str]) -> str:
    for key, value in data.items():
        source = re.sub(rf'^{key} = "".*$', lambda _m, k=key, v=value: f'{k} = "{v}"', source, flags=re.M)
    return source


CASES = [_case(p) for p in corpus_files("hostile_trust")]
BY_CLASS = {cls: [c for c in CASES if c.cls == cls] for cls in CLASSES}


def _ids(cases: list[Case]) -> list[str]:
    return [f"{c.cls}-{c.name}" for c in cases]


# ---------------------------------------------------------------------------------- the corpus
def test_the_corpus_covers_every_class(course):
    assert {c.cls for c in CASES} == set(CLASSES), sorted({c.cls for c in CASES})
    assert all(len(BY_CLASS[cls]) >= 3 for cls in CLASSES), {cls: len(v) for cls, v in BY_CLASS.items()}
    for case in CASES:
        assert case.scope in ("stub", "notebook"), case.name
        assert case.reported in ("notes", "notes or output"), case.name
        assert case.constructs or case.cls == "lenet_fake", f"{case.name} names no construct to report"
        aid = stub_assignment(case.stub, course)  # the target is a real stub
        extra, stub_cell = case.cells()
        for source in extra + [stub_cell]:
            ast.parse(source)
        defined = [n.name for n in ast.parse(stub_cell).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        assert case.stub in defined, case.name
        if case.cls == "torch_patch":
            assert aid == LENET, case.name
        if case.cls == "policy_evasion":
            assert case.stub in ("corr2d", "pool2d"), case.name
        if case.cls == "lenet_fake":
            assert case.stub == "LeNet", case.name
    # A helper in another cell, for corr2d and for pool2d.
    assert {c.stub for c in BY_CLASS["policy_evasion"] if c.cells()[0]} == {"corr2d", "pool2d"}


def test_extra_cells_go_right_before_the_stub_and_nothing_else_changes(tmp_path, course):
    case = next(c for c in BY_CLASS["policy_evasion"] if c.stub == "corr2d" and c.cells()[0])
    extra, stub_cell = case.cells()
    aid = stub_assignment(case.stub, course)
    plain = answered_notebook(course, aid, {case.stub: stub_cell})
    nb = answered_notebook(course, aid, {case.stub: stub_cell}, {case.stub: extra})
    at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == case.stub)
    assert [c.source for c in nb.cells[at - len(extra):at]] == extra
    assert all(c.cell_type == "code" and "nbgrader" not in c.metadata for c in nb.cells[at - len(extra):at])
    del nb.cells[at - len(extra):at]

    def shape(cells):
        return [(c.cell_type, c.source, c.metadata) for c in cells]

    assert shape(nb.cells) == shape(plain.cells)
    # Written and read back as the grader reads it: the extra cells run, as plain code, before the stub.
    path = write_submission(tmp_path, course, aid, {case.stub: stub_cell}, {case.stub: extra})
    nbformat.validate(nbformat.read(path, as_version=4))
    cells = notebook.load_cells(path)
    stub_at = next(c.index for c in cells if c.grade_id == case.stub)
    assert [(c.role, c.source) for c in cells[stub_at - len(extra):stub_at]] == [("code", e) for e in extra]
    # A file without markers is one cell, byte for byte.
    for path in corpus_files("hostile") + corpus_files("correct"):
        if EXTRA_CELL not in path.read_text():
            assert corpus_cells(path.read_text()) == ([], path.read_text())
    assert EXTRA_CELL not in stub_cell and all(EXTRA_CELL not in e for e in extra)


# ---------------------------------------------------------------- guards: the attacks are real
def _namespace() -> dict:
    import torch.utils._python_dispatch  # noqa: F401  (loaded in the grader's child too)

    return {"__name__": "__main__", "torch": torch, "nn": nn, "F": F}


def _run_cells(case: Case, data: dict[str, str] | None = None) -> dict:
    ns = _namespace()
    extra, stub_cell = case.cells(data)
    for source in extra + [stub_cell]:
        exec(compile(source, f"<{case.name}>", "exec"), ns)  # noqa: S102 - our own corpus
    return ns


_QUARTERS = torch.arange(-8, 9, dtype=torch.float64) / 4


def _quarters(shape, dtype, seed):
    g = torch.Generator().manual_seed(seed)
    return _QUARTERS[torch.randint(len(_QUARTERS), shape, generator=g)].to(dtype)


@pytest.mark.parametrize("case", BY_CLASS["policy_evasion"], ids=_ids(BY_CLASS["policy_evasion"]))
def test_each_evasion_computes_the_right_answer(case):
    """So that its zero below is the policy's doing, not a wrong answer's."""
    ns = _run_cells(case)
    for seed, (h, w), (kh, kw), dtype in [(0, (5, 7), (2, 3), torch.float32), (1, (6, 4), (3, 3), torch.float64),
                                          (2, (1, 6), (1, 2), torch.float32), (3, (4, 4), (4, 4), torch.float64)]:
        X = _quarters((h, w), dtype, seed)
        X_before = X.clone()
        if case.stub == "corr2d":
            K = _quarters((kh, kw), dtype, seed + 10)
            got = ns["corr2d"](X, K)
            expected = F.conv2d(X[None, None], K[None, None])[0, 0]
        else:
            size = (kh, kw) if seed % 2 else kh
            for mode in ("max", "avg"):
                got = ns["pool2d"](X, size, mode=mode)
                pool = F.max_pool2d if mode == "max" else F.avg_pool2d
                expected = pool(X[None, None], size, stride=1)[0, 0]
                torch.testing.assert_close(got.to(expected.dtype), expected, rtol=1e-6, atol=1e-6)
            got = ns["pool2d"](X, size)
            expected = F.max_pool2d(X[None, None], size, stride=1)[0, 0]
        assert type(got) is torch.Tensor
        torch.testing.assert_close(got.to(expected.dtype), expected, rtol=1e-6, atol=1e-6)
        assert torch.equal(X, X_before)


# What a torch_patch stub really does, observed through the functions as they were before its cell
# ran (the patches stay behind in the throwaway process that runs this).
_WITHOUT_THE_LIE = r"""
import sys
import torch
from torch import nn

real = dict(equal=torch.equal, clone=torch.Tensor.clone, state_dict=nn.Module.state_dict,
            register=nn.Module.register_forward_pre_hook, grad=torch._C.is_grad_enabled)
ns = {"__name__": "__main__", "torch": torch, "nn": nn}
exec(compile(open(sys.argv[1]).read(), sys.argv[1], "exec"), ns)
torch.manual_seed(0)
if "layer_summary" in ns:
    net = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU())
    before = {k: real["clone"](v) for k, v in real["state_dict"](net).items()}
    ns["layer_summary"](net, (2, 2, 6, 6))
    after = real["state_dict"](net)
    print("net changed" if any(not real["equal"](before[k], after[k]) for k in before) else "net unchanged")
elif "evaluate_accuracy" in ns:
    net, seen = nn.Linear(3, 3), []
    real["register"](net, lambda m, inputs: seen.append((m.training, real["grad"]())))
    ns["evaluate_accuracy"](net, [(torch.randn(4, 3), torch.tensor([0, 1, 2, 0]))])
    print("training mode" if any(t for t, _ in seen) else "eval mode",
          "with grad" if any(g for _, g in seen) else "no grad")
elif "init_cnn" in ns:
    net = nn.Sequential(nn.Linear(4, 5), nn.Conv2d(2, 3, 3))
    before = [real["clone"](m.bias.detach()) for m in net]
    net.apply(ns["init_cnn"])
    changed = any(not real["equal"](b, m.bias.detach()) for b, m in zip(before, net))
    print("biases changed" if changed else "biases kept")
"""
WHAT_THE_LIE_HIDES = {"layer_summary": "net changed", "evaluate_accuracy": "with grad", "init_cnn": "biases changed"}


@pytest.mark.parametrize("case", BY_CLASS["torch_patch"], ids=_ids(BY_CLASS["torch_patch"]))
def test_each_patched_stub_is_wrong_underneath(case, tmp_path):
    """The patch is all that could earn the points: the stub itself changes the net, keeps
    gradients on, or zeroes the biases. Run in a throwaway process: the patches stay there."""
    import subprocess

    source = tmp_path / "cell.py"
    source.write_text(case.cells()[1])
    run = subprocess.run([sys.executable, "-c", _WITHOUT_THE_LIE, str(source)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert WHAT_THE_LIE_HIDES[case.stub] in run.stdout, run.stdout


@pytest.fixture(scope="module")
def test_split(course) -> lenet.Split:
    return lenet.fashion_mnist(False, str(course.data_path()))


def carried_weights(course) -> str:
    """The chapter's LeNet trained elsewhere (Adam, one pass over the training set, as a student
    could at home), as the base64 a student would paste into the cell."""
    train = lenet.fashion_mnist(True, str(course.data_path()))
    torch.manual_seed(1)
    net = ChapterLeNet()
    net.apply(training.xavier_init)
    X, y = training.to_images(train.images, "cpu"), train.labels
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    order = torch.randperm(X.shape[0], generator=torch.Generator().manual_seed(1))
    for i in range(0, X.shape[0], 128):
        idx = order[i:i + 128]
        loss = F.cross_entropy(net(X[idx]), y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    flat = torch.cat([p.detach().flatten() for p in net.parameters()]).to(torch.float16)
    return base64.b64encode(zlib.compress(flat.numpy().tobytes(), 9)).decode()


def label_table(test_split: lenet.Split) -> str:
    """The public test labels keyed by a hash of each image's pixels, as the base64 a student would paste."""
    records = bytearray()
    for image, label in zip(test_split.images.numpy(), test_split.labels.tolist()):
        records += hashlib.blake2b(image.tobytes(), digest_size=4).digest() + bytes([label])
    return base64.b64encode(zlib.compress(bytes(records), 9)).decode()


@pytest.fixture(scope="module")
def lenet_data(course, test_split) -> dict[str, str]:
    return {"PRETRAINED": carried_weights(course), "ANSWERS": label_table(test_split)}


def _fake_training_module(monkeypatch) -> types.ModuleType:
    """`import training` as it resolves inside the sandbox, for the one fake that reaches for it."""
    fake = types.ModuleType("training")
    fake.History, fake.fit = training.History, training.fit
    monkeypatch.setitem(sys.modules, "training", fake)
    return fake


def _accuracy_after_the_graders_treatment(case: Case, data: dict[str, str], test_split, monkeypatch) -> float:
    """Build the fake, initialise it as the grader does (or run the loop it left for the grader),
    and score it on 2,000 real test images."""
    fake = _fake_training_module(monkeypatch)
    ns = _run_cells(case, data)
    torch.manual_seed(0)
    net = ns["LeNet"]()
    if fake.fit is not training.fit:  # it replaced the grader's loop (initialisation included): run that
        fake.fit(net, test_split.images[:512], test_split.labels[:512], training.Protocol(epochs=1))
    else:  # the grader's initialisation, and no training at all
        training.materialize(net, training.to_images(test_split.images[:2], "cpu"))
        net.apply(training.xavier_init)
    logits = training.predict(net, test_split.images[:2000])
    return training.accuracy(logits, test_split.labels[:2000])


@pytest.mark.parametrize("case", BY_CLASS["lenet_fake"], ids=_ids(BY_CLASS["lenet_fake"]))
def test_each_fake_lenet_would_score_on_the_test_set(case, lenet_data, test_split, monkeypatch):
    """With its trick, the fake scores far above the quick threshold without training; without
    it (empty data), it is an untrained net. So its zero below is the grader's refusal."""
    assert any(f'{key} = ""' in case.path.read_text() for key in PLACEHOLDERS), case.name
    cheat = _accuracy_after_the_graders_treatment(case, lenet_data, test_split, monkeypatch)
    assert cheat >= (0.99 if "ANSWERS" in case.path.read_text() else 0.65), cheat
    honest = _accuracy_after_the_graders_treatment(case, {}, test_split, monkeypatch)
    assert honest < QUICK_LENET["threshold"], honest


# ------------------------------------------------------------------------- grading the attacks
@pytest.fixture(scope="module")
def quick_lenet(course):
    return course.with_training(LENET, **QUICK_LENET)


def _graded(case: Case, tmp_path: Path, course, data: dict[str, str]) -> grade.SubmissionResult:
    aid = stub_assignment(case.stub, course)
    extra, stub_cell = case.cells(data)
    folder = tmp_path / "submission"
    write_submission(folder, course, aid, {case.stub: stub_cell}, {case.stub: extra} if extra else None)
    write_submission(folder, course, OTHER)
    return grade.grade(folder, course, only=[aid, OTHER], train=case.cls == "lenet_fake")


def _judge(case: Case, result: grade.SubmissionResult, course) -> None:
    aid = stub_assignment(case.stub, course)
    book = course.assignment(aid).notebook
    mine = [t for t in result.tests if t.assignment == aid]
    errors = [(t.name, t.output) for t in result.tests if t.grader_error]
    assert errors == [], errors

    # 1. The targeted stub gains nothing.
    if case.cls == "lenet_fake":
        targeted = [t for t in mine if t.name == TRAINING_TEST]
        assert len(targeted) == 1, [t.name for t in mine]
    else:
        targeted = [t for t in mine if t.kind == "hidden" and case.stub in t.stubs]
        assert targeted, [(t.name, t.stubs) for t in mine]
    gained = [(t.name, t.score, t.output[:400]) for t in targeted if t.score]
    assert gained == [], f"{case.name} gained points on {case.stub}"

    # 2. Everything else is graded normally (or, for a top-level side effect, the notebook scores zero).
    if case.scope == "notebook":
        kept = [(t.name, t.score) for t in mine if t.score]
        assert kept == [], f"{case.name} patched at top level: every stub of {book} scores zero"
    else:
        others = [t for t in mine if case.stub not in t.stubs]
        assert others and [(t.name, t.output[:400]) for t in others if not t.passed] == []
    other = [t for t in result.tests if t.assignment == OTHER]
    assert other and [(t.name, t.output[:400]) for t in other if not t.passed] == []

    # 3. The instructor is told what happened.
    def names_stub(note: str) -> bool:
        return case.stub in note or (case.scope == "notebook" and re.search(r"\b(every|all)\b", note) is not None)

    by_note = [n for n in result.notes if book in n and names_stub(n) and any(c in n for c in case.constructs)]
    if case.cls == "lenet_fake":
        said = bool(by_note) or any(w in targeted[0].output for w in LENET_WHY)
    elif case.reported == "notes or output":
        said = bool(by_note) or all(any(c in t.output for c in case.constructs) for t in targeted)
    else:
        said = bool(by_note)
    assert said, (f"nothing says what {case.name} did (expected one of {case.constructs or LENET_WHY})",
                  result.notes, [(t.name, t.output[:400]) for t in targeted])


NOT_LENET = [c for c in CASES if c.cls != "lenet_fake"]


@pytest.mark.parametrize("case", NOT_LENET, ids=_ids(NOT_LENET))
def test_attack_gains_nothing_and_is_reported(case, tmp_path, course):
    _judge(case, _graded(case, tmp_path, course, {}), course)


@pytest.mark.parametrize("case", BY_CLASS["lenet_fake"], ids=_ids(BY_CLASS["lenet_fake"]))
def test_fake_lenet_gets_no_training_points(case, tmp_path, quick_lenet, lenet_data):
    _judge(case, _graded(case, tmp_path, quick_lenet, lenet_data), quick_lenet)


def test_the_reference_lenet_passes_the_same_training_setup(tmp_path, quick_lenet):
    """The setup above is one a correct LeNet passes: the fakes' zeros are not the setup's."""
    write_submission(tmp_path, quick_lenet, LENET)
    write_submission(tmp_path, quick_lenet, OTHER)
    result = grade.grade(tmp_path, quick_lenet, only=[LENET, OTHER])
    (t,) = [t for t in result.tests if t.name == TRAINING_TEST]
    assert t.score == t.max_score > 0, t.output
    assert [(x.name, x.output[:400]) for x in result.tests if not x.passed] == []
    assert result.notes == []


def test_reference_submissions_draw_no_note(tmp_path, course):
    """The policy reads every cell that runs: the released notebooks' own code (a provided corr2d
    built on F.conv2d, a top-level demo with F.conv2d, imports) must not be flagged."""
    for a in course.assignments:
        write_submission(tmp_path, course, a.id)
    result = grade.grade(tmp_path, course, train=False)
    assert result.notes == []
    assert [(t.name, t.output[:400]) for t in result.tests if not t.passed] == []
    assert {t.assignment for t in result.tests} == {a.id for a in course.assignments}


def test_the_sandboxed_runtime_imports_nothing_of_the_trusted_side():
    """The layout is the boundary: autograder/runtime/sandboxed/ runs beside student code and may import only
    the standard library, torch, safetensors and its own modules (it is copied flat into the jail)."""
    import ast
    import sys

    folder = Path(__file__).resolve().parent.parent / "autograder" / "runtime" / "sandboxed"
    own = {p.stem for p in folder.glob("*.py")}
    allowed = {"torch", "safetensors", "numpy", "__future__"} | own | set(sys.stdlib_module_names)
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"
    child = (folder / "child.py").read_text()
    for secret in ("autograder.", "oracles.", "stand_ins.", "F.conv2d(", "def _corr2d", "STAND_INS"):
        assert secret not in child, f"child.py mentions {secret}"
