"""Hidden tests for 7.4: corr2d_multi_in, corr2d_multi_in_out and corr2d_multi_in_out_1x1.

The notebook gives corr2d and asks students to build on it (and on corr2d_multi_in), so
those run as the grader's stand-ins here: a wrong earlier stub costs its own points only.
"""

from __future__ import annotations

from hypothesis import given

from autograder.grading import checks, promises
from course_content.shared import oracles
from course_content.shared import strategies as s
from autograder.grading.hidden import Student, hidden_test
from autograder.grading.submission import StubError

A = promises.here(__name__)  # this folder's assignment id
MULTI_IN_STAND_INS = ("corr2d",)
MULTI_IN_OUT_STAND_INS = ("corr2d", "corr2d_multi_in")


def _multi_in_right(r, X, K, why: str = "") -> None:
    """corr2d_multi_in's one comparison with F.conv2d (one output channel, the input channels summed)."""
    checks.close(r.value, oracles.conv2d_multi(X, K[None])[0], f"{r.described} ({why})" if why else r.described, inputs=(X, K))


def _multi_out_right(r, X, K, why: str = "") -> None:
    """corr2d_multi_in_out's and corr2d_multi_in_out_1x1's one comparison with F.conv2d."""
    checks.close(r.value, oracles.conv2d_multi(X, K), f"{r.described} ({why})" if why else r.described, inputs=(X, K))


# ------------------------------------------------------------------------- corr2d_multi_in
@hidden_test("corr2d_multi_in", stand_ins=MULTI_IN_STAND_INS, examples=15)
@given(case=s.multi_channel_case())
def corr2d_multi_in_output_shape(student: Student, case):
    X, K = case[0], case[1][0]
    r = student.call("corr2d_multi_in", X, K)
    expected = (X.shape[1] - K.shape[1] + 1, X.shape[2] - K.shape[2] + 1)
    checks.shaped(r.value, expected, r.described, "one 2-D output: the input channels are summed away")


@hidden_test("corr2d_multi_in", stand_ins=MULTI_IN_STAND_INS, examples=30)
@given(case=s.multi_channel_case())
def corr2d_multi_in_matches_torch(student: Student, case):
    X, K = case[0], case[1][0]
    _multi_in_right(student.call("corr2d_multi_in", X, K), X, K)


@hidden_test("corr2d_multi_in", stand_ins=MULTI_IN_STAND_INS, examples=10)
@given(case=s.multi_channel_case(max_side=6))
def corr2d_multi_in_leaves_inputs_unchanged(student: Student, case):
    X, K = case[0], case[1][0]
    r = student.call("corr2d_multi_in", X, K)
    checks.unchanged([X, K], r.args_after, ["X", "K"], r.described)
    _multi_in_right(r, X, K, checks.only_if_right("leaving X and K unchanged"))


@hidden_test("corr2d_multi_in", stand_ins=MULTI_IN_STAND_INS, examples=10)
@given(case=s.multi_channel_case(max_side=6))
def corr2d_multi_in_keeps_dtype(student: Student, case):
    X, K = case[0], case[1][0]
    r = student.call("corr2d_multi_in", X, K)
    checks.same_dtype(r.value, X.dtype, r.described, "the task says the result has X's dtype")
    _multi_in_right(r, X, K, checks.only_if_right("keeping X's dtype"))


# --------------------------------------------------------------------- corr2d_multi_in_out
@hidden_test("corr2d_multi_in_out", stand_ins=MULTI_IN_OUT_STAND_INS, examples=15)
@given(case=s.multi_channel_case())
def corr2d_multi_in_out_output_shape(student: Student, case):
    X, K = case
    r = student.call("corr2d_multi_in_out", X, K)
    expected = (K.shape[0], X.shape[1] - K.shape[2] + 1, X.shape[2] - K.shape[3] + 1)
    checks.shaped(r.value, expected, r.described, "one output channel per kernel K[o], always 3-D")


@hidden_test("corr2d_multi_in_out", stand_ins=MULTI_IN_OUT_STAND_INS, examples=30)
@given(case=s.multi_channel_case())
def corr2d_multi_in_out_matches_torch(student: Student, case):
    X, K = case
    _multi_out_right(student.call("corr2d_multi_in_out", X, K), X, K)


@hidden_test("corr2d_multi_in_out", stand_ins=MULTI_IN_OUT_STAND_INS,
             examples=10)
@given(case=s.multi_channel_case(max_side=6))
def corr2d_multi_in_out_leaves_inputs_unchanged(student: Student, case):
    X, K = case
    r = student.call("corr2d_multi_in_out", X, K)
    checks.unchanged([X, K], r.args_after, ["X", "K"], r.described)
    _multi_out_right(r, X, K, checks.only_if_right("leaving X and K unchanged"))


@hidden_test("corr2d_multi_in_out", stand_ins=MULTI_IN_OUT_STAND_INS, examples=10)
@given(case=s.multi_channel_case(max_side=6))
def corr2d_multi_in_out_keeps_dtype(student: Student, case):
    X, K = case
    r = student.call("corr2d_multi_in_out", X, K)
    checks.same_dtype(r.value, X.dtype, r.described, "the task says the result has X's dtype")
    _multi_out_right(r, X, K, checks.only_if_right("keeping X's dtype"))


# ------------------------------------------------------------------ corr2d_multi_in_out_1x1
@hidden_test("corr2d_multi_in_out_1x1", examples=30)
@given(case=s.multi_channel_case(max_side=9, one_by_one=True))
def corr2d_multi_in_out_1x1_matches_torch(student: Student, case):
    X, K = case
    _multi_out_right(student.call("corr2d_multi_in_out_1x1", X, K), X, K, "compared with the 1x1 convolution F.conv2d computes")


@hidden_test("corr2d_multi_in_out_1x1", examples=10)
@given(case=s.multi_channel_case(max_side=6, one_by_one=True))
def corr2d_multi_in_out_1x1_leaves_inputs_unchanged(student: Student, case):
    X, K = case
    r = student.call("corr2d_multi_in_out_1x1", X, K)
    checks.unchanged([X, K], r.args_after, ["X", "K"], r.described)
    _multi_out_right(r, X, K, checks.only_if_right("leaving X and K unchanged"))


@hidden_test("corr2d_multi_in_out_1x1", examples=10)
@given(case=s.multi_channel_case(max_side=6, one_by_one=True))
def corr2d_multi_in_out_1x1_keeps_dtype(student: Student, case):
    X, K = case
    r = student.call("corr2d_multi_in_out_1x1", X, K)
    checks.same_dtype(r.value, X.dtype, r.described, "the task says the result has X's dtype")
    _multi_out_right(r, X, K, checks.only_if_right("keeping X's dtype"))


@hidden_test("corr2d_multi_in_out_1x1", examples=12)
@given(case=s.sliced_one_by_one_case())
def corr2d_multi_in_out_1x1_accepts_slices(student: Student, case):
    X, K = case
    why = ("here X and K are views into larger tensors (slices, transposes, expanded rows), as the task allows; "
           "`.view` can fail on them, `reshape` always works")
    try:
        r = student.call("corr2d_multi_in_out_1x1", X, K)
    except StubError as exc:
        raise checks.Mismatch(f"{exc}\n{why}") from None
    _multi_out_right(r, X, K, why)


# ------------------------------------------------------------------ promises
_NO_STATE = "a pure function: nothing is created or kept between calls"
_NO_DEFAULTS = "every parameter is required: there is no default to test"

# corr2d_multi_in (its task text also holds the notebook's introduction)
promises.promise(A, "corr2d_multi_in", "values", r"return the 2-D tensor $\sum_c$ `corr2d(X[c], K[c])`",
                 "corr2d_multi_in_matches_torch")
promises.promise(A, "corr2d_multi_in", "values", r"with the same number of channels $c_i \ge 1$",
                 "corr2d_multi_in_matches_torch")
promises.promise(A, "corr2d_multi_in", "values",
                 "one to many channels, non-square inputs and kernels, kernels as large as the input",
                 ("corr2d_multi_in_matches_torch", "corr2d_multi_in_output_shape"))
promises.promise(A, "corr2d_multi_in", "shapes", "of shape `(n_h - k_h + 1, n_w - k_w + 1)`",
                 ("corr2d_multi_in_output_shape", "corr2d_multi_in_matches_torch"))
promises.promise(A, "corr2d_multi_in", "dtype", "and with `X`'s dtype", "corr2d_multi_in_keeps_dtype")
promises.promise(A, "corr2d_multi_in", "dtype", "both float32 and float64",
                 ("corr2d_multi_in_keeps_dtype", "corr2d_multi_in_matches_torch"))
promises.promise(A, "corr2d_multi_in", "inputs unchanged", "never modify `X` or `K`",
                 "corr2d_multi_in_leaves_inputs_unchanged")
promises.no_promise(A, "corr2d_multi_in", "types", "X and K are tensors of one floating dtype; the text accepts no "
                    "other type (their layouts in memory are drawn by strategies.tensors for every test)")
promises.no_promise(A, "corr2d_multi_in", "errors", "the text promises no error (X and K always agree in channels)")
promises.no_promise(A, "corr2d_multi_in", "defaults", _NO_DEFAULTS)
promises.no_promise(A, "corr2d_multi_in", "initial values", _NO_STATE)

# corr2d_multi_in_out
promises.promise(A, "corr2d_multi_in_out", "values", "whose channel `o` is `corr2d_multi_in(X, K[o])`",
                 "corr2d_multi_in_out_matches_torch")
promises.promise(A, "corr2d_multi_in_out", "shapes", "return a tensor of shape `(c_o, n_h - k_h + 1, n_w - k_w + 1)`",
                 ("corr2d_multi_in_out_output_shape", "corr2d_multi_in_out_matches_torch"))
promises.promise(A, "corr2d_multi_in_out", "shapes", "`c_o = 1` must still give a 3-D result.",
                 ("corr2d_multi_in_out_output_shape", "corr2d_multi_in_out_matches_torch"))
promises.promise(A, "corr2d_multi_in_out", "dtype", "with `X`'s dtype", "corr2d_multi_in_out_keeps_dtype")
promises.promise(A, "corr2d_multi_in_out", "inputs unchanged", "never modify `X` or `K`",
                 "corr2d_multi_in_out_leaves_inputs_unchanged")
promises.no_promise(A, "corr2d_multi_in_out", "types", "X and K are tensors of one floating dtype; the text accepts "
                    "no other type (their layouts in memory are drawn by strategies.tensors for every test)")
promises.no_promise(A, "corr2d_multi_in_out", "errors", "the text promises no error")
promises.no_promise(A, "corr2d_multi_in_out", "defaults", _NO_DEFAULTS)
promises.no_promise(A, "corr2d_multi_in_out", "initial values", _NO_STATE)

# corr2d_multi_in_out_1x1
promises.promise(A, "corr2d_multi_in_out_1x1", "values",
                 "the result must equal `corr2d_multi_in_out(X, K)` (up to rounding)",
                 ("corr2d_multi_in_out_1x1_matches_torch", "corr2d_multi_in_out_1x1_accepts_slices"))
promises.promise(A, "corr2d_multi_in_out_1x1", "shapes", "reshape the product to `(c_o, h, w)`",
                 "corr2d_multi_in_out_1x1_matches_torch")
promises.promise(A, "corr2d_multi_in_out_1x1", "dtype", "and have `X`'s dtype", "corr2d_multi_in_out_1x1_keeps_dtype")
promises.promise(A, "corr2d_multi_in_out_1x1", "types",
                 "They may be slices of larger tensors, so prefer `reshape` to `view`.",
                 "corr2d_multi_in_out_1x1_accepts_slices")
promises.promise(A, "corr2d_multi_in_out_1x1", "inputs unchanged", "never modify `X` or `K`",
                 "corr2d_multi_in_out_1x1_leaves_inputs_unchanged")
promises.no_promise(A, "corr2d_multi_in_out_1x1", "errors", "the text promises no error")
promises.no_promise(A, "corr2d_multi_in_out_1x1", "defaults", _NO_DEFAULTS)
promises.no_promise(A, "corr2d_multi_in_out_1x1", "initial values", _NO_STATE)
promises.promise(A, "corr2d_multi_in_out_1x1", "values", "do not loop over pixels or channels",
                 untestable="how the product is computed cannot be seen from its values (a loop gives the same numbers); "
                 "reaching F.conv2d (directly or through the notebook's corr2d) is refused by autograder.grading.policy, not by a "
                 "hidden test")
