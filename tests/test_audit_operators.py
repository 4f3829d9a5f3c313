"""The mutant generator of `course audit`: each operator makes its fault, on tiny functions run
for real, and over the chapter's reference solutions every mutant is valid, new and stable."""

from __future__ import annotations

import ast
import difflib
import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder.authoring.audit.operators import FAULT_KINDS, OPERATORS, Mutant, generate
from autograder.notebook import load_cells
from corpus.build import strip_markers

ROOT = Path(__file__).resolve().parent.parent


def _src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _load(source: str, name: str):
    namespace = {"torch": torch, "nn": nn, "F": F}
    exec(compile(source, "<mutant>", "exec"), namespace)
    return namespace[name]


def _mutant(source: str, operator: str, description: str) -> Mutant:
    found = [m for m in generate(source, "stub") if m.operator == operator and m.description == description]
    assert len(found) == 1, [(m.operator, m.description) for m in generate(source, "stub")]
    return found[0]


CORR2D = _src("""
    def corr2d(X, K):
        \"\"\"2-D cross-correlation.\"\"\"
        h, w = K.shape
        Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
        return Y
""")
X = torch.arange(30.0, dtype=torch.float64).reshape(5, 6) ** 1.5
K = torch.tensor([[1.0, 2.0, 0.0], [-1.0, 0.5, 3.0]], dtype=torch.float64)


def test_off_by_one_gives_a_wrong_output_size():
    m = _mutant(CORR2D, "off_by_one", "X.shape[0] - h + 1 -> X.shape[0] - h")
    assert (m.kind, m.line) == ("off_by_one", 4)
    assert _load(CORR2D, "corr2d")(X, K).shape == (4, 4)
    assert _load(m.source, "corr2d")(X, K).shape == (3, 4)
    m = _mutant(CORR2D, "off_by_one", "range(Y.shape[1]) -> range(Y.shape[1] - 1)")
    assert torch.all(_load(m.source, "corr2d")(X, K)[:, -1] == 0)


def test_off_by_one_moves_constant_slice_bounds():
    source = "def spatial(X):\n    return tuple(X.shape[-2:])\n"
    m = _mutant(source, "off_by_one", "X.shape[-2:] -> X.shape[-3:]")
    assert _load(m.source, "spatial")(torch.zeros(2, 3, 4)) == (2, 3, 4)


def test_swapped_axes_swaps_unpacked_pairs_shape_indices_and_permutes():
    source = _src("""
        def out_shape(X, K):
            h, w = K.shape
            return (X.shape[0] - h + 1, X.shape[1] - w + 1)
    """)
    assert _load(source, "out_shape")(X, K) == (4, 4)
    m = _mutant(source, "swapped_axes", "h, w = K.shape -> w, h = K.shape")
    assert m.kind == "swapped_axes" and _load(m.source, "out_shape")(X, K) == (3, 5)
    m = _mutant(source, "swapped_axes", "X.shape[1] - w + 1 -> X.shape[0] - w + 1")
    assert _load(m.source, "out_shape")(X, K) == (4, 3)

    source = "def chw(X):\n    return X.permute(2, 0, 1).sum(dim=-1)\n"
    m = _mutant(source, "swapped_axes", "X.permute(2, 0, 1) -> X.permute(0, 2, 1)")
    assert _load(m.source, "chw")(torch.zeros(2, 3, 4)).shape == (2, 4)
    m = _mutant(source, "swapped_axes", "X.permute(2, 0, 1).sum(dim=-1) -> X.permute(2, 0, 1).sum(dim=-2)")
    assert _load(m.source, "chw")(torch.zeros(2, 3, 4)).shape == (4, 3)


def test_flipped_kernel_computes_a_convolution():
    m = _mutant(CORR2D, "flipped_kernel", "X[i:i + h, j:j + w] * K -> X[i:i + h, j:j + w] * K.flip(-2, -1)")
    original = _load(CORR2D, "corr2d")
    assert torch.equal(_load(m.source, "corr2d")(X, K), original(X, K.flip(-2, -1)))
    assert not torch.equal(_load(m.source, "corr2d")(X, K), original(X, K))


POOL = _src("""
    def pool(X, mode='max'):
        window = X[0:2, 0:2]
        return window.mean() if mode == "avg" else window.max()
""")


def test_reduction_swap_takes_the_mean_for_the_max():
    m = _mutant(POOL, "reduction_swap", "window.max() -> window.mean()")
    assert m.kind == "reduction_swap"
    assert _load(m.source, "pool")(X) == _load(POOL, "pool")(X, "avg") != _load(POOL, "pool")(X)


def test_wrong_default_changes_a_default_value():
    m = _mutant(POOL, "wrong_default", "mode='max' -> mode='avg'")
    assert inspect.signature(_load(m.source, "pool")).parameters["mode"].default == "avg"
    source = "def f(n, stride=None, k=3):\n    return n\n"
    defaults = {m.description for m in generate(source, "f") if m.operator == "wrong_default"}
    assert defaults == {"stride=None -> stride=1", "k=3 -> k=4", "k=3 -> k=2"}


PAD = _src("""
    def pad(X, p):
        n_h, n_w = X.shape
        X_padded = torch.zeros((n_h + 2 * p, n_w + 2 * p), dtype=X.dtype)
        X_padded[p:p + n_h, p:p + n_w] = X
        return X_padded
""")


def test_padding_counted_once_or_on_one_side():
    m = _mutant(PAD, "padding_once", "n_h + 2 * p -> n_h + p")
    assert m.kind == "padding" and _load(m.source, "pad")(X, 2).shape == (7, 10)
    m = _mutant(PAD, "padding_one_side", "X_padded[p:p + n_h, p:p + n_w] -> X_padded[:n_h, p:p + n_w]")
    padded = _load(m.source, "pad")(X, 2)
    assert padded.shape == (9, 10) and torch.equal(padded[:5, 2:8], X) and not torch.equal(padded[2:7, 2:8], X)
    m = _mutant("def make(c):\n    return nn.Conv2d(c, c, 3, padding=1)\n", "padding_dropped", "padding=1 -> padding=0")
    assert _load(m.source, "make")(1).padding == (0, 0)


def test_stride_ignored_in_one_place():
    source = _src("""
        def windows(n, k, s):
            out = (n - k) // s + 1
            return [(i * s, i * s + k) for i in range(out)]
    """)
    assert _load(source, "windows")(7, 3, 2) == [(0, 3), (2, 5), (4, 7)]
    m = _mutant(source, "stride_ignored", "(n - k) // s + 1 -> n - k + 1")
    assert m.kind == "stride_ignored" and len(_load(m.source, "windows")(7, 3, 2)) == 5
    m = _mutant(source, "stride_ignored", "(i * s, i * s + k) -> (i, i * s + k)")
    assert _load(m.source, "windows")(7, 3, 2)[1] == (1, 5)


def test_inplace_input_writes_into_the_callers_tensor():
    m = _mutant(CORR2D, "inplace_input", "X[i:i + h, j:j + w] * K -> X[i:i + h, j:j + w].mul_(K)")
    mine = X.clone()
    _load(CORR2D, "corr2d")(mine, K)
    assert torch.equal(mine, X)
    _load(m.source, "corr2d")(mine, K)
    assert not torch.equal(mine, X)
    source = "def safe(X):\n    Y = X.clone()\n    Y[0] = 0\n    return Y\n"
    m = _mutant(source, "inplace_input", "X.clone() -> X")
    mine = X.clone()
    _load(m.source, "safe")(mine)
    assert torch.all(mine[0] == 0)


AFFINE = _src("""
    class Affine(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.tensor(2.0))
            self.bias = nn.Parameter(torch.tensor(-1.0))
            self.act = nn.Sequential(nn.Identity(), nn.ReLU())

        def forward(self, X):
            Y = F.relu(X * self.weight + self.bias)
            return self.act(Y + X)
""")


@pytest.mark.parametrize("operator, description, expected", [
    ("dropped_bias", "X * self.weight + self.bias -> X * self.weight", [0.0, 3.0, 6.0]),
    ("dropped_activation", "F.relu(X * self.weight + self.bias) -> X * self.weight + self.bias", [0.0, 2.0, 5.0]),
    ("dropped_residual", "self.act(Y + X) -> self.act(Y)", [0.0, 1.0, 3.0]),
    ("dropped_layer", "nn.ReLU() -> (removed from nn.Sequential)", [-1.0, 2.0, 5.0]),
])
def test_dropped_call_leaves_out_a_bias_an_activation_or_a_residual(operator, description, expected):
    x = torch.tensor([-1.0, 1.0, 2.0])
    assert _load(AFFINE, "Affine")()(x).tolist() == [0.0, 2.0, 5.0]
    m = _mutant(AFFINE, operator, description)
    assert m.kind == "dropped_call"
    with torch.no_grad():
        assert _load(m.source, "Affine")()(x).tolist() == expected


def test_wrong_dtype_fixes_float32():
    m = _mutant(CORR2D, "wrong_dtype", "dtype=X.dtype -> dtype=torch.float32")
    assert _load(CORR2D, "corr2d")(X, K).dtype == torch.float64
    assert _load(m.source, "corr2d")(X, K).dtype == torch.float32
    m = _mutant("def size(n, k):\n    return int(n - k + 1)\n", "wrong_dtype", "int(n - k + 1) -> float(n - k + 1)")
    assert type(_load(m.source, "size")(5, 2)) is float


def test_arithmetic_and_comparison_swaps():
    source = "def f(a, b):\n    if a < b:\n        return a // b\n    return a + b\n"
    behaviour = {m.description: (m.kind, _load(m.source, "f")(7, 7), _load(m.source, "f")(1, 2))
                 for m in generate(source, "f") if m.kind in ("arithmetic_swap", "comparison_swap")}
    assert behaviour == {
        "a // b -> a / b": ("arithmetic_swap", 14, 0.5),
        "a + b -> a - b": ("arithmetic_swap", 0, 0),
        "a < b -> a <= b": ("comparison_swap", 1, 0),
    }


def test_dropped_statement_removes_one_statement_never_a_def_or_docstring():
    m = _mutant(CORR2D, "dropped_statement", "Y[i, j] = (X[i:i + h, j:j + w] * K).sum() -> (removed)")
    assert "        for j in range(Y.shape[1]):\n            pass\n" in m.source
    assert torch.all(_load(m.source, "corr2d")(X, K) == 0)
    removed = [m.description for m in generate(CORR2D, "corr2d") if m.operator == "dropped_statement"]
    assert len(removed) == 6 and not any("def " in d or '"""' in d for d in removed)


def test_mutants_keep_the_rest_of_the_cell_as_written():
    source = "%matplotlib inline\n" + CORR2D.replace("return Y", "return Y  # the output")
    for m in generate(source, "corr2d"):
        diff = m.diff(source)
        assert diff.startswith("--- corr2d (reference)\n+++ corr2d (")
        changed = [line for line in diff.splitlines()[2:] if line[:1] in "+-"]
        assert changed and all(line[1:].strip() != "%matplotlib inline" for line in changed)
        assert m.source.startswith("%matplotlib inline\n")
        assert "# the output" in m.source or m.description.startswith("return Y")


def test_options_and_errors():
    everything = generate(CORR2D, "corr2d")
    capped = generate(CORR2D, "corr2d", max_per_operator=2)
    for name in OPERATORS:
        mine = [m for m in everything if m.operator == name]
        assert [m for m in capped if m.operator == name] == (mine if len(mine) <= 2 else [mine[0], mine[-1]])
    assert {m.operator for m in generate(CORR2D, "corr2d", operators=["flipped_kernel"])} == {"flipped_kernel"}
    with pytest.raises(ValueError, match="unknown mutation operators: nope"):
        generate(CORR2D, "corr2d", operators=["nope"])
    with pytest.raises(ValueError, match="corr2d: the solution cell does not parse"):
        generate("def corr2d(:\n", "corr2d")
    assert len({m.key for m in everything}) == len(everything)


def _chapter_stubs() -> list[tuple[str, str]]:
    stubs = []
    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        stubs += [(c.grade_id, strip_markers(c.source)) for c in load_cells(path) if c.role == "stub"]
    return stubs


@pytest.fixture(scope="module")
def chapter():
    stubs = _chapter_stubs()
    return stubs, {stub: generate(source, stub) for stub, source in stubs}


def test_every_mutant_of_the_chapter_compiles_and_differs(chapter):
    stubs, mutants = chapter
    assert len(stubs) >= 20
    for stub, source in stubs:
        original = ast.dump(ast.parse(source))
        dumps = set()
        assert mutants[stub], f"{stub}: no mutants"
        for m in mutants[stub]:
            compile(m.source, f"<{m.key}>", "exec")
            dump = ast.dump(ast.parse(m.source))
            assert dump != original, m.key
            assert dump not in dumps, f"{m.key}: a duplicate"
            dumps.add(dump)
            assert m.stub == stub and m.kind == OPERATORS[m.operator] and m.kind in FAULT_KINDS
            assert 1 <= m.line <= source.count("\n") + 1
            assert m.description and "\n" not in m.description
            # one place changed, the rest of the cell as written (no reprinted cell)
            lines = difflib.SequenceMatcher(None, source.splitlines(), m.source.splitlines(), autojunk=False)
            assert [op for op, *_ in lines.get_opcodes()].count("equal") <= 2, m.diff(source)
            assert sum(op != "equal" for op, *_ in lines.get_opcodes()) == 1, m.diff(source)


_ELSEWHERE = """
import json, sys
from autograder.authoring.audit.operators import generate
stubs = json.load(sys.stdin)
json.dump([[m.key, m.description] for stub, source in stubs for m in generate(source, stub)], sys.stdout)
"""


def test_the_chapter_mutants_are_the_same_in_another_process(chapter):
    """Same mutants, same order, with another string-hash seed (no set or dict order leaks)."""
    stubs, mutants = chapter
    here = [[m.key, m.description] for stub, _ in stubs for m in mutants[stub]]
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    there = subprocess.run([sys.executable, "-c", _ELSEWHERE], input=json.dumps(stubs), capture_output=True,
                           text=True, env=env, cwd=ROOT, timeout=120, check=True).stdout
    assert json.loads(there) == here


def test_every_fault_kind_occurs_in_the_chapter(chapter):
    _, mutants = chapter
    kinds = {m.kind for ms in mutants.values() for m in ms}
    assert kinds == set(FAULT_KINDS)
    assert {m.operator for ms in mutants.values() for m in ms} == set(OPERATORS)


def test_generating_prints_nothing(capsys):
    for stub, source in _chapter_stubs()[:3]:
        generate(source, stub)
    assert capsys.readouterr() == ("", "")
