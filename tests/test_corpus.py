"""The grader's credibility: many correct styles score full marks, one-bug mutants lose
points on their own stub's tests and nowhere else."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder.grading import grade
from corpus.build import corpus_cells, corpus_files, stub_assignment, target_of, write_submission

CORRECT = corpus_files("correct")
MUTANTS = corpus_files("mutants")


def _secret_lines(course) -> set[str]:
    """Distinctive lines of the hidden tests and of the reference answers: feedback must quote none."""
    from autograder import notebook

    root = Path(__file__).resolve().parent.parent
    sources = [p.read_text() for p in (root / "solutions").rglob("*.py")]  # hidden tests, oracles, stand-ins
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


@pytest.fixture(scope="session")
def self_checks(course, tmp_path_factory) -> dict[str, dict[str, str]]:
    """Every corpus submission through the students' own self-check, as `pytest assignments/` runs
    it: {corpus file stem: {visible check: "" if it passed, else its message}}. One pytest run for
    the whole corpus (each submission holds only its own notebook). Under xdist the workers share
    one run: the first computes it under a file lock, the others read its JSON."""
    import json

    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every xdist worker of this session
    done = shared / "self_checks.json"
    with FileLock(str(shared / "self_checks.lock")):
        if done.exists():
            return json.loads(done.read_text())
        out = _run_self_checks(course, tmp_path_factory)
        done.write_text(json.dumps(out))
        return out


def _run_self_checks(course, tmp_path_factory) -> dict[str, dict[str, str]]:
    import subprocess
    import sys
    import xml.etree.ElementTree as ET

    from conftest import ROOT

    folder = tmp_path_factory.mktemp("self_checks")
    for path in CORRECT + MUTANTS:
        stub = target_of(path)
        extra, cell = corpus_cells(path.read_text())
        write_submission(folder / path.stem, course, stub_assignment(stub, course), {stub: cell},
                         {stub: extra} if extra else None)
    xml = folder / "report.xml"
    # Both cores, a notebook's checks kept together, one torch thread each (ResNet-50's checks in 08
    # crawl when two processes each run two threads on two cores).
    proc = subprocess.run([sys.executable, "-m", "pytest", str(folder), "-q", "-p", "no:cacheprovider", "-n", "2",
                           "--dist", "loadfile", f"--junitxml={xml}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=1800, env={**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    assert xml.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    out: dict[str, dict[str, str]] = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        stem = case.get("classname", "").split(".")[0]
        failed = [n for n in (case.find("failure"), case.find("error")) if n is not None]
        out.setdefault(stem, {})[case.get("name")] = (failed[0].get("message") or "failed") if failed else ""
    missing = [p.stem for p in CORRECT + MUTANTS if p.stem not in out]
    assert not missing, f"the self-check ran no check for {missing[:5]}:\n{proc.stdout[-2000:]}"
    return out


def _grade_one(tmp_path, course, path):
    stub = target_of(path)
    aid = stub_assignment(stub, course)
    extra, cell = corpus_cells(path.read_text())
    write_submission(tmp_path, course, aid, {stub: cell}, {stub: extra} if extra else None)
    return stub, grade.grade(tmp_path, course, only=[aid], train=False)  # training: test_lenet_training.py


def test_corpus_is_large_enough():
    assert len(CORRECT) >= 15, f"only {len(CORRECT)} correct implementations"
    assert len(MUTANTS) >= 40, f"only {len(MUTANTS)} mutants"


@pytest.mark.parametrize("path", CORRECT, ids=[p.stem for p in CORRECT])
def test_correct_style_scores_full_marks(tmp_path, course, path, self_checks):
    stub, result = _grade_one(tmp_path, course, path)
    lost = [(t.name, t.output) for t in result.tests if not t.passed]
    assert not lost, f"a correct {stub} lost points: {lost}"
    assert result.tests and result.score == result.max_score
    # ... and passes the notebook's own visible checks: a check that fails correct code is a bug in
    # the notebook (its text or its check), never the student's.
    failing = {name: why for name, why in self_checks[path.stem].items() if why}
    assert not failing, f"a correct {stub} fails visible checks: {failing}"


@pytest.mark.parametrize("path", MUTANTS, ids=[p.stem for p in MUTANTS])
def test_mutant_loses_points_on_its_stub_only(tmp_path, course, path, self_checks):
    stub, result = _grade_one(tmp_path, course, path)
    own = [t for t in result.tests if stub in t.stubs]
    others = [t for t in result.tests if stub not in t.stubs]
    assert own, f"no hidden test grades {stub}"
    assert any(not t.passed for t in own), f"mutant {path.stem} kept every point on {stub}"
    # Visible ⊆ hidden: when the student's own check fails, the hidden tests of the stub must find a
    # problem too (the grader confirms visible checks through them; a failing check must not pay).
    seen = {name: why for name, why in self_checks[path.stem].items() if why}
    if seen:
        assert any(not t.passed for t in own if t.kind == "hidden"), (
            f"mutant {path.stem}: visible checks fail ({seen}) but every hidden test of {stub} passes")
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


def _course_assignments():
    from autograder import config

    return [a.id for a in config.load(Path(__file__).resolve().parent.parent / "course.yaml").assignments]


@pytest.mark.parametrize("style", ["none", "identity"])
@pytest.mark.parametrize("aid", _course_assignments())
def test_stubs_that_do_nothing_earn_nothing(tmp_path, course, aid, style):
    """Properties that a do-nothing stub satisfies trivially (inputs left alone, linearity of the
    identity, an SE block's shape) must not pay out on their own."""
    from autograder import notebook

    a = course.assignment(aid)
    stubs = [c.grade_id for c in notebook.load_cells(course.solutions_dir / aid / a.notebook) if c.role == "stub"]
    write_submission(tmp_path, course, aid, {stub: _placeholder(stub, style) for stub in stubs})
    result = grade.grade(tmp_path, course, only=[aid], train=False)
    assert result.tests and result.score == 0, [(t.name, t.score) for t in result.tests if t.score]


# ------------------------------------------------------------ right shape, wrong values
# A stub that returns a tensor of the right shape filled with the wrong numbers earns the
# shape tests and nothing else. Each placeholder below computes its stub's output shape (the
# chapter's formulas) and fills it by FILL, one of the styles; modules also build the right
# layers, so the structural tests see a correct architecture and only the values are wrong.
_FILLS = {
    "zeros": "torch.zeros(shape, dtype=X.dtype)",
    "constant": "torch.full(shape, 0.75, dtype=X.dtype)",
    # The input's own values: leading dims dropped or added, each dim cropped (or wrapped round).
    # For corr2d this is `return X[:h, :w]`: linear and shift-equivariant, and never modifies X.
    "input": "_own_values(X, shape)",
    "half_input": "0.5 * _own_values(X, shape)",  # SE-like: every channel scaled by the same gate
}

_FILL_HELPERS = '''
def _own_values(X, shape):
    Y = X.detach()
    while Y.dim() > len(shape):
        Y = Y[0]
    while Y.dim() < len(shape):
        Y = Y[None]
    for d, n in enumerate(shape):
        Y = Y.index_select(d, torch.arange(n) % Y.shape[d])
    return Y.clone()


def _fill(X, shape):
    shape = tuple(int(n) for n in shape)
    return FILL


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)
'''

_SHAPED = {
    # 08: the blocks build the task's layers; ModernCNN runs every part, the values come from elsewhere.
    "Bottleneck": '''
class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_channels, mid_channels, stride=1):
        super().__init__()
        self.s, self.c = stride, 4 * mid_channels
        self.conv1 = nn.Conv2d(in_channels, mid_channels, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid_channels)
        self.conv2 = nn.Conv2d(mid_channels, mid_channels, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(mid_channels)
        self.conv3 = nn.Conv2d(mid_channels, 4 * mid_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(4 * mid_channels)
        if stride != 1 or in_channels != 4 * mid_channels:
            self.projection = nn.Sequential(nn.Conv2d(in_channels, 4 * mid_channels, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(4 * mid_channels))

    def forward(self, X):
        s = self.s
        return _fill(X, (X.shape[0], self.c, (X.shape[2] - 1) // s + 1, (X.shape[3] - 1) // s + 1))
''',
    "Inception": '''
class Inception(nn.Module):
    def __init__(self, in_channels, c1, c2, c3, c4):
        super().__init__()
        self.c = c1 + c2[1] + c3[1] + c4
        self.b1 = nn.Conv2d(in_channels, c1, 1)
        self.b2 = nn.Sequential(nn.Conv2d(in_channels, c2[0], 1), nn.Conv2d(c2[0], c2[1], 3, padding=1))
        self.b3 = nn.Sequential(nn.Conv2d(in_channels, c3[0], 1), nn.Conv2d(c3[0], c3[1], 5, padding=2))
        self.b4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), nn.Conv2d(in_channels, c4, 1))

    def forward(self, X):
        return _fill(X, (X.shape[0], self.c, X.shape[2], X.shape[3]))
''',
    "ModernCNN": '''
class ModernCNN(nn.Module):
    def __init__(self, num_classes=1000, input_channels=3):
        super().__init__()
        self.k = num_classes
        self.stem = nn.Sequential(nn.Conv2d(input_channels, 64, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64),
                                  nn.ReLU(), nn.MaxPool2d(3, stride=2, padding=1))
        stages, channels = [], 64
        for mid, n, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
            blocks = []
            for i in range(n):
                blocks.append(Bottleneck(channels, mid, stride if i == 0 else 1))
                channels = 4 * mid
            stages.append(nn.Sequential(*blocks))
        self.stage1, self.stage2, self.stage3, self.stage4 = stages
        self.fc = nn.Linear(2048, num_classes)

    def forward(self, X):
        self.stage4(self.stage3(self.stage2(self.stage1(self.stem(X)))))  # every part runs; the values come from elsewhere
        return _fill(X, (X.shape[0], self.k))
''',
    "corr2d": '''
def corr2d(X, K):
    return _fill(X, (X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1))
''',
    "Conv2D": '''
class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return _fill(x, (x.shape[0] - self.weight.shape[0] + 1, x.shape[1] - self.weight.shape[1] + 1))
''',
    "learn_kernel": '''
def learn_kernel(X, Y, kernel_size, lr=0.03, num_epochs=10):
    return _fill(X, kernel_size)
''',
    "corr2d_strided": '''
def corr2d_strided(X, K, padding=0, stride=1):
    (p_h, p_w), (s_h, s_w) = _pair(padding), _pair(stride)
    return _fill(X, ((X.shape[0] + 2 * p_h - K.shape[0]) // s_h + 1, (X.shape[1] + 2 * p_w - K.shape[1]) // s_w + 1))
''',
    "corr2d_multi_in": '''
def corr2d_multi_in(X, K):
    return _fill(X, (X.shape[1] - K.shape[1] + 1, X.shape[2] - K.shape[2] + 1))
''',
    "corr2d_multi_in_out": '''
def corr2d_multi_in_out(X, K):
    return _fill(X, (K.shape[0], X.shape[1] - K.shape[2] + 1, X.shape[2] - K.shape[3] + 1))
''',
    "corr2d_multi_in_out_1x1": '''
def corr2d_multi_in_out_1x1(X, K):
    return _fill(X, (K.shape[0], X.shape[1], X.shape[2]))
''',
    "pool2d": '''
def pool2d(X, pool_size, mode='max'):
    p_h, p_w = _pair(pool_size)
    return _fill(X, (X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
''',
    "pool2d_strided": '''
def pool2d_strided(X, pool_size, padding=0, stride=None, mode='max'):
    (k_h, k_w), (p_h, p_w) = _pair(pool_size), _pair(padding)
    s_h, s_w = _pair(pool_size if stride is None else stride)
    n_h, n_w = X.shape[-2:]
    return _fill(X, tuple(X.shape[:-2]) + ((n_h + 2 * p_h - k_h) // s_h + 1, (n_w + 2 * p_w - k_w) // s_w + 1))
''',
    "global_avg_pool": '''
def global_avg_pool(X):
    return _fill(X, X.shape[:-2])
''',
    "ConvBlock": '''
class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1):
        super().__init__()
        self.k, self.s, self.c = kernel_size, stride, out_channels
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()

    def forward(self, X):
        k, s, p = self.k, self.s, self.k // 2
        return _fill(X, (X.shape[0], self.c, (X.shape[2] + 2 * p - k) // s + 1, (X.shape[3] + 2 * p - k) // s + 1))
''',
    "ResidualBlock": '''
class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.s, self.c = stride, out_channels
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if in_channels != out_channels or stride != 1:
            self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride=stride)

    def forward(self, X):
        s = self.s
        return _fill(X, (X.shape[0], self.c, (X.shape[2] - 1) // s + 1, (X.shape[3] - 1) // s + 1))
''',
    "LeNet": '''
class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
            nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, num_classes))

    def forward(self, X):
        y = self.net(X)  # every layer runs (the shape tests see them), the values come from elsewhere
        return _fill(X, y.shape)
''',
    "init_cnn": '''
def init_cnn(module):
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        with torch.no_grad():
            module.weight.copy_(_fill(module.weight, module.weight.shape))
''',
    "layer_summary": '''
def layer_summary(net, input_shape):
    return [(type(layer).__name__, tuple(input_shape)) for layer in net]
''',
    "SEBlock": '''
class SEBlock(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)

    def forward(self, X):
        return _fill(X, X.shape)
''',
}

# Stubs that return numbers, not tensors: "the right shape" means nothing there, and a wrong
# number (zero, a constant, the first argument) must score nothing.
_NUMBERS = {
    "dense_layer_params": ("def dense_layer_params(height, width, hidden):", "height"),
    "conv_layer_params": ("def conv_layer_params(kernel_size, in_channels=1, out_channels=1):", "_pair(kernel_size)[0]"),
    "conv_output_shape": ("def conv_output_shape(input_size, kernel_size, padding=0, stride=1):", "_pair(input_size)"),
    "receptive_field": ("def receptive_field(kernel_size, num_layers):", "kernel_size"),
    "evaluate_accuracy": ("def evaluate_accuracy(net, data_iter, device=None):", "1.0"),
}
_NUMBER_FILLS = {"zeros": "0", "constant": "7", "input": "FIRST", "half_input": "FIRST"}

# What a right shape (or a right architecture) may earn on its own: output-shape tests and the
# tests that read only the layers a module declares, never a value it computes (parameter names
# and shapes, the shortcut's kernel/stride/channels, the SE bottleneck's widths). Every other
# test judges calls whose values must then also be right.
_SHAPE_SUFFIXES = ("_output_shape", "_shapes", "_parameter_count", "_layer_shapes")
_STRUCTURAL = {"conv2d_registers_parameters", "residual_block_shortcut", "se_block_bottleneck_width"}


def _may_pay_for_shape(name: str) -> bool:
    return name.endswith(_SHAPE_SUFFIXES) or name in _STRUCTURAL


def _right_shape_wrong_values(stub: str, style: str) -> str:
    helpers = _FILL_HELPERS.replace("FILL", _FILLS[style])
    if stub in _NUMBERS:
        signature, first = _NUMBERS[stub]
        value = _NUMBER_FILLS[style].replace("FIRST", first)
        if stub == "conv_output_shape" and style in ("zeros", "constant"):
            value = f"({value}, {value})"
        if style == "half_input":
            value = f"tuple(v // 2 for v in {value})" if stub == "conv_output_shape" else f"{value} // 2"
        return f"{helpers}\n{signature}\n    return {value}\n"
    return helpers + _SHAPED[stub]


@pytest.mark.parametrize("style", list(_FILLS))
@pytest.mark.parametrize("aid", _course_assignments())
def test_right_shape_wrong_values_earns_only_shape_points(tmp_path, course, aid, style):
    """Properties pay only with correct values: linearity, equivariance, inputs left unchanged,
    channel scaling... all hold for a stub that returns zeros (or a crop of its input) of the
    right shape, so every test but the output-shape and structural ones must score 0 for it,
    and so must every visible check."""
    from autograder import notebook

    a = course.assignment(aid)
    stubs = [c.grade_id for c in notebook.load_cells(course.solutions_dir / aid / a.notebook) if c.role == "stub"]
    missing = [s for s in stubs if s not in _SHAPED and s not in _NUMBERS]
    assert not missing, f"no right-shape placeholder for {missing}: add one to _SHAPED or _NUMBERS"
    write_submission(tmp_path, course, aid, {stub: _right_shape_wrong_values(stub, style) for stub in stubs})
    result = grade.grade(tmp_path, course, only=[aid], train=False)
    assert result.tests and not result.grader_errors, [(t.name, t.output) for t in result.tests if t.grader_error]
    # Every placeholder loaded and ran: the zeros below are for wrong values, not for a crash.
    assert not result.notes, result.notes
    crashed = [(t.name, t.output) for t in result.tests if " raised " in t.output]
    assert not crashed, crashed

    paid = [(t.name, t.score) for t in result.tests if t.score and (t.kind != "hidden" or not _may_pay_for_shape(t.name))]
    assert not paid, f"right shape, wrong values ({style}) earned points: {paid}"
    for t in result.tests:
        if t.kind == "hidden" and not t.passed:
            assert t.output.strip() and "internal grader error" not in t.output, (t.name, t.output)
            leaked = [line for line in _secrets(course) if line in t.output]
            assert not leaked, f"{t.name}'s feedback quotes the hidden test or the reference: {leaked}"
    if style == "zeros":
        # The placeholders really have the right shape and layers: the shape tests pay in full.
        unpaid = [(t.name, t.output) for t in result.tests
                  if t.kind == "hidden" and _may_pay_for_shape(t.name) and set(t.stubs) & set(_SHAPED) and not t.passed]
        assert not unpaid, f"a zeros placeholder of the right shape lost shape points: {unpaid}"
