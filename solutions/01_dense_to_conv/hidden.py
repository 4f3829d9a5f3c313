"""Hidden tests for 7.1: dense_layer_params and conv_layer_params."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from autograder.grading import checks, promises
from course_content.shared import strategies as s
from autograder.grading.hidden import Student, hidden_test

A = promises.here(__name__)  # this folder's assignment id


def _count(layer: nn.Module) -> int:
    return sum(p.numel() for p in layer.parameters())


def _conv_count(kernel_size, in_channels: int, out_channels: int) -> int:
    k_h, k_w = s.as_pair(kernel_size)
    return k_h * k_w * in_channels * out_channels + out_channels


@hidden_test("dense_layer_params", examples=25)
@given(height=st.integers(1, 8), width=st.integers(1, 8), hidden=st.integers(1, 16))
def dense_layer_params_matches_torch(student: Student, height, width, hidden):
    r = student.call("dense_layer_params", height, width, hidden)
    expected = _count(nn.Linear(height * width, hidden))
    checks.integer(r.value, expected, f"{r.described} (nn.Linear({height * width}, {hidden}) has {expected} parameters)")


@hidden_test("dense_layer_params", examples=15)
@given(height=st.integers(1000, 20_000), width=st.integers(1000, 20_000), hidden=st.integers(100_000, 1_000_000))
def dense_layer_params_huge_layers(student: Student, height, width, hidden):
    # Megapixel images, at least 10**11 parameters: no machine can build such a layer, so a
    # counter that does fails at once instead of running out of time.
    r = student.call("dense_layer_params", height, width, hidden)
    checks.integer(r.value, height * width * hidden + hidden, r.described)


@hidden_test("conv_layer_params", examples=30)
@given(kernel_size=s.int_or_pair(1, 5), in_channels=st.integers(1, 6), out_channels=st.integers(1, 8),
       by_keyword=st.sampled_from(["none", "channels", "all"]))
def conv_layer_params_matches_torch(student: Student, kernel_size, in_channels, out_channels, by_keyword):
    # Every argument may come by keyword, with the names of the task's signature.
    if by_keyword == "all":
        r = student.call("conv_layer_params", kernel_size=kernel_size, in_channels=in_channels, out_channels=out_channels)
    elif by_keyword == "channels":
        r = student.call("conv_layer_params", kernel_size, in_channels=in_channels, out_channels=out_channels)
    else:
        r = student.call("conv_layer_params", kernel_size, in_channels, out_channels)
    expected = _count(nn.Conv2d(in_channels, out_channels, kernel_size))
    checks.integer(r.value, expected,
                   f"{r.described} (nn.Conv2d({in_channels}, {out_channels}, {kernel_size}) has {expected} parameters)")


@hidden_test("conv_layer_params", examples=15)
@given(kernel_size=s.int_or_pair(1, 7), channels=st.integers(2, 8))
def conv_layer_params_defaults(student: Student, kernel_size, channels):
    r = student.call("conv_layer_params", kernel_size)
    checks.integer(r.value, _conv_count(kernel_size, 1, 1), f"{r.described} (one input and one output channel by default)")
    r = student.call("conv_layer_params", kernel_size, out_channels=channels)
    checks.integer(r.value, _conv_count(kernel_size, 1, channels), f"{r.described} (in_channels defaults to 1)")
    r = student.call("conv_layer_params", kernel_size, in_channels=channels)
    checks.integer(r.value, _conv_count(kernel_size, channels, 1), f"{r.described} (out_channels defaults to 1)")


@hidden_test("conv_layer_params", examples=15)
@given(kernel_size=s.int_or_pair(1, 11), in_channels=st.integers(300_000, 3_000_000),
       out_channels=st.integers(300_000, 3_000_000))
def conv_layer_params_huge_layers(student: Student, kernel_size, in_channels, out_channels):
    # At least 9 * 10**10 parameters, as for the dense layer: arithmetic only.
    r = student.call("conv_layer_params", kernel_size, in_channels, out_channels)
    checks.integer(r.value, _conv_count(kernel_size, in_channels, out_channels), r.described)


# ------------------------------------------------------------------ promises
_ARITHMETIC = "compute it; do not build the layer"

promises.promise(A, "dense_layer_params", "values",
                 "Return the number of parameters (weights plus biases) of a dense layer that takes a flattened "
                 "`height x width` single-channel image and produces `hidden` outputs, i.e. of "
                 "`nn.Linear(height * width, hidden)`.",
                 ("dense_layer_params_matches_torch", "dense_layer_params_huge_layers"))
promises.promise(A, "dense_layer_params", "values",
                 "Compute the number with arithmetic. Do not build the layer: for a megapixel image it would need "
                 "gigabytes of memory.", "dense_layer_params_huge_layers")
promises.promise(A, "dense_layer_params", "types",
                 "All three arguments are positive Python `int`s; return a Python `int` (not a float, not a tensor).",
                 ("dense_layer_params_matches_torch", "dense_layer_params_huge_layers"))
promises.no_promise(A, "dense_layer_params", "errors", "the arguments are promised to be positive ints; no error is asked for")
promises.no_promise(A, "dense_layer_params", "defaults", "all three arguments are required")
promises.no_promise(A, "dense_layer_params", "initial values", "a function: it builds nothing that has initial values")
promises.no_promise(A, "dense_layer_params", "dtype",
                    "the result is a Python int, not a tensor; that is the 'types' promise (checks.integer refuses floats, "
                    "numpy ints and tensors)")
promises.no_promise(A, "dense_layer_params", "shapes", "the result is a number, not a tensor")
promises.no_promise(A, "dense_layer_params", "inputs unchanged", "the inputs are ints, which cannot be modified")

promises.promise(A, "conv_layer_params", "values",
                 "Return the number of parameters (weights plus biases) of `nn.Conv2d(in_channels, out_channels, "
                 "kernel_size)`, with its default `bias=True`",
                 ("conv_layer_params_matches_torch", "conv_layer_params_huge_layers"))
promises.promise(A, "conv_layer_params", "values", _ARITHMETIC, "conv_layer_params_huge_layers")
promises.promise(A, "conv_layer_params", "types",
                 "`kernel_size` is either an `int` $k$ (a square $k \\times k$ kernel, as in `nn.Conv2d`) or a pair "
                 "`(k_h, k_w)`.", ("conv_layer_params_matches_torch", "conv_layer_params_defaults",
                                   "conv_layer_params_huge_layers"))
promises.promise(A, "conv_layer_params", "types", "Return a Python `int`.",
                 ("conv_layer_params_matches_torch", "conv_layer_params_defaults", "conv_layer_params_huge_layers"))
promises.promise(A, "conv_layer_params", "defaults", "`in_channels` and `out_channels` are positive `int`s with defaults 1.",
                 "conv_layer_params_defaults")
promises.promise(A, "conv_layer_params", "defaults", "`conv_layer_params(kernel_size, in_channels=1, out_channels=1)`",
                 ("conv_layer_params_matches_torch", "conv_layer_params_defaults"))
promises.no_promise(A, "conv_layer_params", "errors", "the arguments are promised to be valid; no error is asked for")
promises.no_promise(A, "conv_layer_params", "initial values", "a function: it builds nothing that has initial values")
promises.no_promise(A, "conv_layer_params", "dtype",
                    "the result is a Python int, not a tensor; that is the 'types' promise")
promises.no_promise(A, "conv_layer_params", "shapes", "the result is a number, not a tensor")
promises.no_promise(A, "conv_layer_params", "inputs unchanged", "the inputs are ints or tuples, which cannot be modified")
