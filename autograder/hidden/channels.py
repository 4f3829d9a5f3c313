"""Hidden tests for 7.4: corr2d_multi_in, corr2d_multi_in_out and corr2d_multi_in_out_1x1.

The notebook gives corr2d and asks students to build on it (and on corr2d_multi_in), so
those run as the grader's stand-ins here: a wrong earlier stub costs its own points only.
"""

from __future__ import annotations

from hypothesis import given

from autograder import checks, oracles
from autograder import strategies as s
from autograder.hidden import Student, hidden_test

A = "04_channels"
MULTI_IN_STAND_INS = ("corr2d",)
MULTI_IN_OUT_STAND_INS = ("corr2d", "corr2d_multi_in")


def _multi_in_right(r, X, K, why: str = "") -> None:
    """corr2d_multi_in's one comparison with F.conv2d (one output channel, the input channels summed)."""
    checks.close(r.value, oracles.conv2d_multi(X, K[None])[0], f"{r.described} ({why})" if why else r.described, inputs=(X, K))


def _multi_out_right(r, X, K, why: str = "") -> None:
    """corr2d_multi_in_out's and corr2d_multi_in_out_1x1's one comparison with F.conv2d."""
    checks.close(r.value, oracles.conv2d_multi(X, K), f"{r.described} ({why})" if why else r.described, inputs=(X, K))


# ------------------------------------------------------------------------- corr2d_multi_in
@hidden_test(A, "corr2d_multi_in_output_shape", "corr2d_multi_in", stand_ins=MULTI_IN_STAND_INS, examples=15)
@given(case=s.multi_channel_case())
def corr2d_multi_in_output_shape(student: Student, case):
    X, K = case[0], case[1][0]
    r = student.call("corr2d_multi_in", X, K)
    expected = (X.shape[1] - K.shape[1] + 1, X.shape[2] - K.shape[2] + 1)
    checks.shaped(r.value, expected, r.described, "one 2-D output: the input channels are summed away")


@hidden_test(A, "corr2d_multi_in_matches_torch", "corr2d_multi_in", stand_ins=MULTI_IN_STAND_INS, examples=30)
@given(case=s.multi_channel_case())
def corr2d_multi_in_matches_torch(student: Student, case):
    X, K = case[0], case[1][0]
    _multi_in_right(student.call("corr2d_multi_in", X, K), X, K)


@hidden_test(A, "corr2d_multi_in_leaves_inputs_unchanged", "corr2d_multi_in", stand_ins=MULTI_IN_STAND_INS, examples=10)
@given(case=s.multi_channel_case(max_side=6))
def corr2d_multi_in_leaves_inputs_unchanged(student: Student, case):
    X, K = case[0], case[1][0]
    r = student.call("corr2d_multi_in", X, K)
    checks.unchanged([X, K], r.args_after, ["X", "K"], r.described)
    _multi_in_right(r, X, K, checks.only_if_right("leaving X and K unchanged"))


# --------------------------------------------------------------------- corr2d_multi_in_out
@hidden_test(A, "corr2d_multi_in_out_output_shape", "corr2d_multi_in_out", stand_ins=MULTI_IN_OUT_STAND_INS, examples=15)
@given(case=s.multi_channel_case())
def corr2d_multi_in_out_output_shape(student: Student, case):
    X, K = case
    r = student.call("corr2d_multi_in_out", X, K)
    expected = (K.shape[0], X.shape[1] - K.shape[2] + 1, X.shape[2] - K.shape[3] + 1)
    checks.shaped(r.value, expected, r.described, "one output channel per kernel K[o], always 3-D")


@hidden_test(A, "corr2d_multi_in_out_matches_torch", "corr2d_multi_in_out", stand_ins=MULTI_IN_OUT_STAND_INS, examples=30)
@given(case=s.multi_channel_case())
def corr2d_multi_in_out_matches_torch(student: Student, case):
    X, K = case
    _multi_out_right(student.call("corr2d_multi_in_out", X, K), X, K)


@hidden_test(A, "corr2d_multi_in_out_leaves_inputs_unchanged", "corr2d_multi_in_out", stand_ins=MULTI_IN_OUT_STAND_INS,
             examples=10)
@given(case=s.multi_channel_case(max_side=6))
def corr2d_multi_in_out_leaves_inputs_unchanged(student: Student, case):
    X, K = case
    r = student.call("corr2d_multi_in_out", X, K)
    checks.unchanged([X, K], r.args_after, ["X", "K"], r.described)
    _multi_out_right(r, X, K, checks.only_if_right("leaving X and K unchanged"))


# ------------------------------------------------------------------ corr2d_multi_in_out_1x1
@hidden_test(A, "corr2d_multi_in_out_1x1_matches_torch", "corr2d_multi_in_out_1x1", examples=30)
@given(case=s.multi_channel_case(max_side=9, one_by_one=True))
def corr2d_multi_in_out_1x1_matches_torch(student: Student, case):
    X, K = case
    _multi_out_right(student.call("corr2d_multi_in_out_1x1", X, K), X, K, "compared with the 1x1 convolution F.conv2d computes")


@hidden_test(A, "corr2d_multi_in_out_1x1_leaves_inputs_unchanged", "corr2d_multi_in_out_1x1", examples=10)
@given(case=s.multi_channel_case(max_side=6, one_by_one=True))
def corr2d_multi_in_out_1x1_leaves_inputs_unchanged(student: Student, case):
    X, K = case
    r = student.call("corr2d_multi_in_out_1x1", X, K)
    checks.unchanged([X, K], r.args_after, ["X", "K"], r.described)
    _multi_out_right(r, X, K, checks.only_if_right("leaving X and K unchanged"))
