"""Hidden tests for 7.3: conv_output_shape and corr2d_strided."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from hypothesis import given

from autograder import checks, oracles
from autograder import strategies as s
from autograder.hidden import Student, hidden_test

A = "03_padding_stride"


def _torch_shape(input_size, kernel_size, padding=0, stride=1) -> tuple[int, int]:
    """The output shape F.conv2d really produces (padding per side)."""
    n, k = s.as_pair(input_size), s.as_pair(kernel_size)
    out = F.conv2d(torch.zeros((1, 1) + n), torch.zeros((1, 1) + k), padding=s.as_pair(padding), stride=s.as_pair(stride))
    return tuple(int(v) for v in out.shape[-2:])


def _strided_right(r, X, K, padding=0, stride=1, why: str = "") -> None:
    """corr2d_strided's one comparison with F.conv2d: every test that judges a call checks its value here."""
    checks.close(r.value, oracles.conv2d(X, K, padding, stride), f"{r.described} ({why})" if why else r.described, inputs=(X, K))


def _like(template, pair: tuple[int, int]):
    """`pair` in the form `template` had: an int stays an int when it can."""
    return pair[0] if isinstance(template, int) and pair[0] == pair[1] else pair


@hidden_test(A, "conv_output_shape_matches_torch", "conv_output_shape", examples=30)
@given(case=s.conv_shape_case())
def conv_output_shape_matches_torch(student: Student, case):
    n, k, p, stride = case
    r = student.call("conv_output_shape", n, k, p, stride)
    expected = _torch_shape(n, k, p, stride)
    checks.int_pair(r.value, expected, f"{r.described} (compared with F.conv2d; padding is per side, like nn.Conv2d)")


@hidden_test(A, "conv_output_shape_defaults", "conv_output_shape", examples=15)
@given(case=s.conv_shape_case())
def conv_output_shape_defaults(student: Student, case):
    n, k, p, stride = case
    k_fit = _like(k, tuple(min(a, b) for a, b in zip(s.as_pair(k), s.as_pair(n))))
    r = student.call("conv_output_shape", n, k_fit)
    checks.int_pair(r.value, _torch_shape(n, k_fit), f"{r.described} (no padding and stride 1 by default)")
    r = student.call("conv_output_shape", n, k_fit, stride=stride)
    checks.int_pair(r.value, _torch_shape(n, k_fit, 0, stride), f"{r.described} (padding defaults to 0)")
    r = student.call("conv_output_shape", n, k, padding=p)
    checks.int_pair(r.value, _torch_shape(n, k, p, 1), f"{r.described} (stride defaults to 1)")


@hidden_test(A, "corr2d_strided_output_shape", "corr2d_strided", examples=15)
@given(case=s.padded_case(max_side=6))
def corr2d_strided_output_shape(student: Student, case):
    X, K, padding, stride = case
    r = student.call("corr2d_strided", X, K, padding=padding, stride=stride)
    checks.shaped(r.value, oracles.conv2d(X, K, padding, stride).shape, r.described,
                  "the shape F.conv2d gives; padding is per side")


@hidden_test(A, "corr2d_strided_matches_torch", "corr2d_strided", examples=30)
@given(case=s.padded_case(max_side=7))
def corr2d_strided_matches_torch(student: Student, case):
    X, K, padding, stride = case
    _strided_right(student.call("corr2d_strided", X, K, padding=padding, stride=stride), X, K, padding, stride)


@hidden_test(A, "corr2d_strided_kernel_larger_than_input", "corr2d_strided", examples=10)
@given(case=s.oversized_kernel_case(max_side=5))
def corr2d_strided_kernel_larger_than_input(student: Student, case):
    X, K, padding, stride = case
    _strided_right(student.call("corr2d_strided", X, K, padding=padding, stride=stride), X, K, padding, stride,
                   "the kernel is larger than X, but fits into the padded input")


@hidden_test(A, "corr2d_strided_defaults", "corr2d_strided", examples=10)
@given(case=s.padded_case(max_side=6))
def corr2d_strided_defaults(student: Student, case):
    X, K, padding, stride = case
    _strided_right(student.call("corr2d_strided", X, K), X, K, 0, 1, "no padding and stride 1 by default")
    _strided_right(student.call("corr2d_strided", X, K, stride=stride), X, K, 0, stride, "padding defaults to 0")
    _strided_right(student.call("corr2d_strided", X, K, padding=padding), X, K, padding, 1, "stride defaults to 1")


@hidden_test(A, "corr2d_strided_leaves_inputs_unchanged", "corr2d_strided", examples=10)
@given(case=s.padded_case(max_side=5))
def corr2d_strided_leaves_inputs_unchanged(student: Student, case):
    X, K, padding, stride = case
    r = student.call("corr2d_strided", X, K, padding=padding, stride=stride)
    checks.unchanged([X, K], r.args_after, ["X", "K"], r.described)
    _strided_right(r, X, K, padding, stride, checks.only_if_right("leaving X and K unchanged"))
