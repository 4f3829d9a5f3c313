"""Implemented, not delegated: the corr2d and pool2d families must do their own sliding.

Two detectors, either one is enough to zero the stub:
  * runtime: the child records every aten op a stub runs (a TorchDispatchMode); the
    convolution, pooling and im2col/col2im families are refused;
  * static: the stub's source may not name torch's conv/pool/unfold functions or
    modules, scipy.signal/scipy.ndimage, or numpy's convolve/correlate.

Allowed on purpose: loops, slicing, einsum, matmul, Tensor.unfold and as_strided (they
only make windows; the student still writes the arithmetic), numpy round trips, FFT.

What this cannot see (documented for instructors, see README):
  * work done outside torch's dispatcher: hand-written C extensions, ctypes, or a
    numpy/scipy routine reached through a name built at run time (getattr with a
    computed string) escapes both detectors;
  * a submission that disables the trace from inside the sandbox (it is their own
    process); the static check still sees the names it uses;
  * copying a correct implementation from elsewhere: that is plagiarism, not delegation.
"""

from __future__ import annotations

import ast
from typing import Iterable

from autograder.notebook import Cell

POLICY_STUBS = frozenset({
    "corr2d", "Conv2D", "corr2d_strided", "corr2d_multi_in", "corr2d_multi_in_out",
    "corr2d_multi_in_out_1x1", "pool2d", "pool2d_strided",
})

_BANNED_OP_PREFIXES = (
    "conv", "_conv", "cudnn_conv", "mkldnn_conv", "miopen_conv", "slow_conv", "thnn_conv", "_slow_conv",
    "max_pool", "avg_pool", "adaptive_max_pool", "adaptive_avg_pool", "_adaptive_avg_pool",
    "fractional_max_pool", "lp_pool", "max_unpool", "im2col", "col2im", "_nnpack_spatial_convolution",
    "mkldnn_max_pool", "quantized_max_pool",
)
_ALLOWED_OPS = ("convert", "_convert", "conj", "_conj")

_BANNED_NAMES = {
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "convolution", "_convolution",
    "Conv1d", "Conv2d", "Conv3d", "LazyConv2d", "ConvTranspose2d",
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "max_pool2d_with_indices",
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "lp_pool2d", "fractional_max_pool2d",
    "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "LPPool2d",
    "Unfold", "Fold", "im2col", "col2im", "convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve",
}
_LIBRARY_ROOTS = {"torch", "F", "nn", "functional", "np", "numpy", "scipy", "signal", "ndimage", "_C", "_nn"}


def banned_ops(ops: Iterable[str]) -> list[str]:
    """aten ops from the convolution/pooling/im2col families among those a stub ran."""
    found = []
    for op in ops:
        name = op.split(".", 1)[-1]  # "aten.convolution" -> "convolution"
        if name.startswith(_ALLOWED_OPS):
            continue
        if name.startswith(_BANNED_OP_PREFIXES):
            found.append(op)
    return sorted(set(found))


def banned_names(source: str) -> list[str]:
    """Library conv/pool/unfold functions a stub's source names (F.conv2d, nn.MaxPool2d, F.unfold...)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            base = node.value
            root = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
            if node.attr in _BANNED_NAMES and root in _LIBRARY_ROOTS:
                found.add(ast.unparse(node))
            if node.attr == "unfold" and root in ("F", "functional"):
                found.add(ast.unparse(node))
            if node.attr == "signal" and root == "scipy":
                found.add(ast.unparse(node))
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = {a.name for a in node.names}
            if node.module.startswith(("torch.nn", "scipy.signal", "scipy.ndimage")) and names & (_BANNED_NAMES | {"unfold"}):
                found.add(f"from {node.module} import {', '.join(sorted(names & (_BANNED_NAMES | {'unfold'})))}")
            if node.module.startswith(("scipy.signal", "scipy.ndimage")):
                found.add(f"from {node.module} import ...")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in _BANNED_NAMES:
            found.add(repr(node.value))
    return sorted(found)


def verdict(stub: str, cell: Cell | None, ops: Iterable[str]) -> str | None:
    """Why this stub broke the policy, or None."""
    if stub not in POLICY_STUBS:
        return None
    ran = banned_ops(ops)
    named = banned_names(cell.source) if cell else []
    if not ran and not named:
        return None
    evidence = []
    if ran:
        evidence.append(f"it ran {', '.join(ran)}")
    if named:
        evidence.append(f"its code uses {', '.join(named)}")
    return (f"{stub} must compute the sliding windows itself, not call torch's convolution, pooling "
            f"or unfold functions ({'; '.join(evidence)}). All of {stub}'s tests score zero.")
