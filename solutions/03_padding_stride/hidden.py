"""Hidden tests for 7.3: conv_output_shape and corr2d_strided."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from autograder.grading import checks, promises
from course_content.shared import oracles
from course_content.shared import strategies as s
from autograder.grading.hidden import Student, hidden_test

A = promises.here(__name__)  # this folder's assignment id


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


@hidden_test("conv_output_shape", examples=30)
@given(case=s.conv_shape_case())
def conv_output_shape_matches_torch(student: Student, case):
    n, k, p, stride = case
    r = student.call("conv_output_shape", n, k, p, stride)
    expected = _torch_shape(n, k, p, stride)
    checks.int_pair(r.value, expected, f"{r.described} (compared with F.conv2d; padding is per side, like nn.Conv2d)")


@hidden_test("conv_output_shape", examples=15)
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


@hidden_test("conv_output_shape", examples=15)
@given(case=s.conv_shape_case(), positional=st.booleans())
def conv_output_shape_accepts_torch_size(student: Student, case, positional):
    # input_size as X.shape[-2:] gives it: a torch.Size (a tuple subclass); the others an int or a pair.
    n, k, p, stride = case
    size = torch.Size(s.as_pair(n))
    if positional:
        r = student.call("conv_output_shape", size, k, p, stride)
    else:
        r = student.call("conv_output_shape", input_size=size, kernel_size=k, padding=p, stride=stride)
    checks.int_pair(r.value, _torch_shape(n, k, p, stride),
                    f"{r.described} (input_size may be a torch.Size such as X.shape[-2:])")


@hidden_test("conv_output_shape", examples=10)
@given(n=st.tuples(st.integers(2**54, 2**60), st.integers(2**54, 2**60)), k=s.int_or_pair(1, 7),
       p=s.int_or_pair(0, 3), stride=s.int_or_pair(1, 4))
def conv_output_shape_integer_arithmetic(student: Student, n, k, p, stride):
    # Sizes past 2**53, where a float cannot hold every integer: only // (or divmod) is exact here.
    r = student.call("conv_output_shape", n, k, p, stride)
    expected = tuple((n_d + 2 * p_d - k_d) // s_d + 1
                     for n_d, k_d, p_d, s_d in zip(n, s.as_pair(k), s.as_pair(p), s.as_pair(stride)))
    checks.int_pair(r.value, expected, f"{r.described} (the task asks for integer arithmetic (//), not floats: "
                                       f"a float rounds sizes this large)")


@hidden_test("corr2d_strided", examples=15)
@given(case=s.padded_case(max_side=6))
def corr2d_strided_output_shape(student: Student, case):
    X, K, padding, stride = case
    r = student.call("corr2d_strided", X, K, padding=padding, stride=stride)
    checks.shaped(r.value, oracles.conv2d(X, K, padding, stride).shape, r.described,
                  "the shape F.conv2d gives; padding is per side")


@hidden_test("corr2d_strided", examples=30)
@given(case=s.padded_case(max_side=7), positional=st.booleans())
def corr2d_strided_matches_torch(student: Student, case, positional):
    X, K, padding, stride = case
    # padding and stride by keyword or by position, in the order of the task's signature.
    if positional:
        r = student.call("corr2d_strided", X, K, padding, stride)
    else:
        r = student.call("corr2d_strided", X, K, padding=padding, stride=stride)
    _strided_right(r, X, K, padding, stride)


@hidden_test("corr2d_strided", examples=10)
@given(case=s.padded_case(max_side=6))
def corr2d_strided_keeps_dtype(student: Student, case):
    X, K, padding, stride = case
    for dtype in (torch.float32, torch.float64):
        # float64 gets thirds, which float32 cannot hold: a result computed in float32 on the way
        # (a float32 padded copy, say) and stored as float64 loses digits and shows it.
        X, K = (X.to(dtype), K.to(dtype)) if dtype == torch.float32 else (X.double() + 1 / 3, K.double() - 1 / 3)
        r = student.call("corr2d_strided", X, K, padding=padding, stride=stride)
        _strided_right(r, X, K, padding, stride, checks.only_if_right("keeping X's dtype"))
        checks.same_dtype(r.value, dtype, r.described, "the task asks for a result with X's dtype")


@hidden_test("corr2d_strided", examples=10)
@given(case=s.oversized_kernel_case(max_side=5))
def corr2d_strided_kernel_larger_than_input(student: Student, case):
    X, K, padding, stride = case
    _strided_right(student.call("corr2d_strided", X, K, padding=padding, stride=stride), X, K, padding, stride,
                   "the kernel is larger than X, but fits into the padded input")


@hidden_test("corr2d_strided", examples=10)
@given(case=s.padded_case(max_side=6))
def corr2d_strided_defaults(student: Student, case):
    X, K, padding, stride = case
    _strided_right(student.call("corr2d_strided", X, K), X, K, 0, 1, "no padding and stride 1 by default")
    _strided_right(student.call("corr2d_strided", X, K, stride=stride), X, K, 0, stride, "padding defaults to 0")
    _strided_right(student.call("corr2d_strided", X, K, padding=padding), X, K, padding, 1, "stride defaults to 1")


@hidden_test("corr2d_strided", examples=10)
@given(case=s.padded_case(max_side=5))
def corr2d_strided_leaves_inputs_unchanged(student: Student, case):
    X, K, padding, stride = case
    r = student.call("corr2d_strided", X, K, padding=padding, stride=stride)
    checks.unchanged([X, K], r.args_after, ["X", "K"], r.described)
    _strided_right(r, X, K, padding, stride, checks.only_if_right("leaving X and K unchanged"))


# ------------------------------------------------------------------ promises
_SHAPE_TESTS = ("conv_output_shape_matches_torch", "conv_output_shape_defaults", "conv_output_shape_accepts_torch_size",
                "conv_output_shape_integer_arithmetic")
promises.promise(A, "conv_output_shape", "values", "Return the `(height, width)` of the output of a 2-D convolution",
                 _SHAPE_TESTS)
promises.promise(A, "conv_output_shape", "values", "`padding` is per side, exactly like `nn.Conv2d`'s `padding`",
                 ("conv_output_shape_matches_torch", "conv_output_shape_accepts_torch_size"))
promises.promise(A, "conv_output_shape", "values", "Use integer arithmetic (`//`), not floats.",
                 "conv_output_shape_integer_arithmetic")
promises.promise(A, "conv_output_shape", "types", "Each argument is either an `int` (the same value for height and width) "
                 "or a pair `(h, w)`;", ("conv_output_shape_matches_torch", "conv_output_shape_defaults",
                                         "conv_output_shape_integer_arithmetic"))
promises.promise(A, "conv_output_shape", "values", "non-square inputs and kernels, padding larger than the kernel, "
                 "strides larger than the kernel, arguments given as an `int` or as a pair",
                 ("conv_output_shape_matches_torch", "conv_output_shape_accepts_torch_size"))
promises.promise(A, "conv_output_shape", "types", "`input_size` may also be a `torch.Size` such as `X.shape[-2:]`.",
                 "conv_output_shape_accepts_torch_size")
promises.promise(A, "conv_output_shape", "types", "Return a `tuple` of two Python `int`s.", _SHAPE_TESTS)
promises.promise(A, "conv_output_shape", "defaults", "`stride` defaults to 1.", "conv_output_shape_defaults")
promises.promise(A, "conv_output_shape", "defaults", "`conv_output_shape(input_size, kernel_size, padding=0, stride=1)`",
                 ("conv_output_shape_defaults", "conv_output_shape_matches_torch", "conv_output_shape_accepts_torch_size"))
promises.no_promise(A, "conv_output_shape", "errors",
                    "no error is asked for: 'You may assume the kernel fits into the padded input'")
promises.no_promise(A, "conv_output_shape", "initial values", "a function: it builds nothing that has initial values")
promises.no_promise(A, "conv_output_shape", "dtype", "the result is a tuple of Python ints, not a tensor: the 'types' promise")
promises.no_promise(A, "conv_output_shape", "shapes", "the result is a pair of numbers; its length is the 'types' promise")
promises.no_promise(A, "conv_output_shape", "inputs unchanged", "the inputs are ints, tuples or torch.Size: immutable")

_STRIDED = ("corr2d_strided_matches_torch", "corr2d_strided_kernel_larger_than_input", "corr2d_strided_defaults",
            "corr2d_strided_leaves_inputs_unchanged", "corr2d_strided_keeps_dtype")
promises.promise(A, "corr2d_strided", "values", "The result must equal `F.conv2d(X[None, None], K[None, None], "
                 "padding=padding, stride=stride)[0, 0]`", _STRIDED)
promises.promise(A, "corr2d_strided", "values", "pad `X` with `p_h` rows of zeros on top and at the bottom and `p_w` "
                 "columns of zeros on the left and on the right", _STRIDED)
promises.promise(A, "corr2d_strided", "types", "`padding` and `stride` are each an `int` or a pair `(h, w)`, as in Task 1.",
                 ("corr2d_strided_matches_torch", "corr2d_strided_defaults", "corr2d_strided_kernel_larger_than_input"))
promises.promise(A, "corr2d_strided", "defaults", "`corr2d_strided(X, K, padding=0, stride=1)`",
                 ("corr2d_strided_defaults", "corr2d_strided_matches_torch"))
promises.promise(A, "corr2d_strided", "dtype", "have `X`'s dtype", "corr2d_strided_keeps_dtype")
promises.promise(A, "corr2d_strided", "shapes", "place the kernel with its top-left corner at rows $0, s_h, 2s_h, \\dots$ "
                 "and columns $0, s_w, 2s_w, \\dots$ of the padded input, as long as it fits;",
                 ("corr2d_strided_output_shape",) + _STRIDED)
promises.promise(A, "corr2d_strided", "inputs unchanged", "Never modify `X` or `K`.", "corr2d_strided_leaves_inputs_unchanged")
promises.no_promise(A, "corr2d_strided", "errors", "no error is asked for: the kernel is promised to fit into the padded input")
promises.no_promise(A, "corr2d_strided", "initial values", "a function: it builds nothing that has initial values")
