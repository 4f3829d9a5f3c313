"""Hidden tests for 7.5: pool2d and pool2d_strided."""

from __future__ import annotations

import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.grading import checks, promises
from course_content.shared import oracles
from course_content.shared import strategies as s
from autograder.grading.hidden import Student, hidden_test
from autograder.grading.submission import StubError

A = promises.here(__name__)  # this folder's assignment id

_TORCH = {"max": "nn.MaxPool2d", "avg": "nn.AvgPool2d"}

# Modes the task text rules out ("for anything else raise a ValueError"): near misses in case,
# spelling and spacing, the empty string, other reductions, and values that are not strings at all.
# (Hashable values only: a correct `if mode not in {...}` may look a mode up in a set or a dict.)
BAD_MODES = ("min", "MAX", "Max", "mean", "average", "median", "sum", "", " max", "avg ", None, 0)


def _torch_call(mode: str, pool_size, padding, stride) -> str:
    """How torch's own layer would be asked for the same pooling, for the feedback."""
    args = [repr(pool_size)]
    if stride is not None:
        args.append(f"stride={stride!r}")
    if padding not in (0, (0, 0)):
        args.append(f"padding={padding!r}")
    return f"{_TORCH[mode]}({', '.join(args)})"


def _pooled_right(r, X, pool_size, padding, stride, mode: str, why: str) -> None:
    """pool2d's and pool2d_strided's one comparison with torch's pooling layers."""
    checks.close(r.value, oracles.pool(X, pool_size, padding, stride, mode), f"{r.described} ({why})", inputs=(X,))


def _call_noting(student: Student, why: str, stub: str, *args, **kwargs):
    """student.call, with `why` added to the feedback when the stub raises."""
    try:
        return student.call(stub, *args, **kwargs)
    except StubError as exc:
        raise checks.Mismatch(f"{exc}\n({why})") from None


def _rejects_bad_modes(student: Student, stub: str, args: tuple, kwargs: dict, rule: str) -> None:
    """Every mode in BAD_MODES must raise ValueError (or a subclass of it)."""
    for bad in BAD_MODES:
        names, r = student.raises(stub, *args, **kwargs, mode=bad)
        checks.raised(names, "ValueError", f"{r.described} ({rule})", r.value)


# ---------------------------------------------------------------------------------- pool2d
@hidden_test("pool2d", examples=30)
@given(case=s.pool2d_case(), mode=s.pool_modes)
def pool2d_matches_torch(student: Student, case, mode):
    X, pool_size = case
    _pooled_right(student.call("pool2d", X, pool_size, mode=mode), X, pool_size, 0, 1, mode,
                  f"compared with {_torch_call(mode, pool_size, 0, 1)}")


@hidden_test("pool2d", examples=10)
@given(case=s.pool2d_case(max_side=6))
def pool2d_default_mode_is_max(student: Student, case):
    X, pool_size = case
    _pooled_right(student.call("pool2d", X, pool_size), X, pool_size, 0, 1, "max", "mode defaults to 'max'")


@hidden_test("pool2d", examples=10)
@given(case=s.pool2d_case(max_side=6), mode=s.pool_modes)
def pool2d_leaves_inputs_unchanged(student: Student, case, mode):
    X, pool_size = case
    r = student.call("pool2d", X, pool_size, mode=mode)
    checks.unchanged([X], r.args_after, ["X"], r.described)
    _pooled_right(r, X, pool_size, 0, 1, mode, checks.only_if_right("leaving X unchanged"))


@hidden_test("pool2d", examples=5)
@given(case=s.pool2d_case(max_side=6))
def pool2d_rejects_unknown_modes(student: Student, case):
    X, pool_size = case
    for mode in ("max", "avg"):
        _pooled_right(student.call("pool2d", X, pool_size, mode=mode), X, pool_size, 0, 1, mode,
                      checks.only_if_right("raising ValueError for any other mode"))
    _rejects_bad_modes(student, "pool2d", (X, pool_size), {},
                       "the task: mode is 'max' or 'avg', and anything else raises a ValueError")


@hidden_test("pool2d", examples=10)
@given(case=s.pool2d_case(max_side=6), mode=s.pool_modes)
def pool2d_keeps_dtype(student: Student, case, mode):
    X, pool_size = case
    r = student.call("pool2d", X, pool_size, mode=mode)
    checks.same_dtype(r.value, X.dtype, r.described, "the task says the result has X's dtype")
    _pooled_right(r, X, pool_size, 0, 1, mode, checks.only_if_right("keeping X's dtype"))


@hidden_test("pool2d", examples=10)
@given(case=s.pool_geometry(max_side=6), mode=s.pool_modes)
def pool2d_pool_size_int_or_pair(student: Student, case, mode):
    X, k, _, _ = case
    X = X.reshape(-1, *X.shape[-2:])[0].clone()  # pool2d takes a 2-D X
    k = tuple(min(n, side) for n, side in zip(k, X.shape))  # no padding here: the window fits X itself
    for pool_size in s.pair_forms(k):
        why = (f"pool_size {pool_size!r} is the window {k[0]}x{k[1]}: the task takes a pair (h, w), a tuple or a "
               f"torch.Size, or an int p meaning (p, p), like {_torch_call(mode, pool_size, 0, 1)}")
        _pooled_right(_call_noting(student, why, "pool2d", X, pool_size, mode=mode), X, pool_size, 0, 1, mode, why)


@hidden_test("pool2d", examples=8)
@given(case=s.pool2d_case(max_side=6), mode=s.pool_modes, one=st.booleans())
def pool2d_returns_a_new_tensor(student: Student, case, mode, one):
    X, pool_size = case
    pool_size = 1 if one else pool_size  # a 1x1 window gives back X's values: returning X itself is tempting
    r = student.call("pool2d", X, pool_size, mode=mode)
    checks.new_tensor(r.shares_input, ["X"], r.described)
    _pooled_right(r, X, pool_size, 0, 1, mode, checks.only_if_right("returning a new tensor"))


# -------------------------------------------------------------------------- pool2d_strided
@hidden_test("pool2d_strided", examples=30)
@given(case=s.pooling_case(max_side=7), mode=s.pool_modes)
def pool2d_strided_matches_torch(student: Student, case, mode):
    X, pool_size, padding, stride = case
    _pooled_right(student.call("pool2d_strided", X, pool_size, padding=padding, stride=stride, mode=mode),
                  X, pool_size, padding, stride, mode, f"compared with {_torch_call(mode, pool_size, padding, stride)}")


@hidden_test("pool2d_strided", examples=15)
@given(case=s.pooling_case(max_side=7), mode=s.pool_modes)
def pool2d_strided_stride_defaults_to_pool_size(student: Student, case, mode):
    X, pool_size, padding, _ = case
    fits = tuple(min(p, n) for p, n in zip(s.as_pair(pool_size), X.shape[-2:]))  # no padding to make it fit here
    small = fits[0] if isinstance(pool_size, int) and fits[0] == fits[1] else fits
    _pooled_right(student.call("pool2d_strided", X, small), X, small, 0, None, "max",
                  "no padding, stride equal to the window and max pooling by default, like "
                  f"{_torch_call('max', small, 0, None)}")
    _pooled_right(student.call("pool2d_strided", X, pool_size, padding=padding, mode=mode), X, pool_size, padding, None, mode,
                  f"without a stride the window moves by its own size, like {_torch_call(mode, pool_size, padding, None)}")


@hidden_test("pool2d_strided", examples=15)
@given(case=s.batched_pooling_case(), mode=s.pool_modes)
def pool2d_strided_pools_leading_dims_separately(student: Student, case, mode):
    X, pool_size, padding, stride = case
    _pooled_right(student.call("pool2d_strided", X, pool_size, padding=padding, stride=stride, mode=mode),
                  X, pool_size, padding, stride, mode,
                  f"X has shape {tuple(X.shape)}: every one of its {X.shape[:-2].numel()} {tuple(X.shape[-2:])} slices "
                  f"is pooled on its own, like {_torch_call(mode, pool_size, padding, stride)}")


@hidden_test("pool2d_strided", examples=20)
@given(case=s.negative_padded_pooling_case(), mode=s.pool_modes)
def pool2d_strided_padding_like_torch(student: Student, case, mode):
    X, pool_size, padding, stride = case
    rule = ("max pooling never picks the padding: pad with -inf, not 0" if mode == "max"
            else "average pooling counts the padded zeros: divide by the full window size")
    _pooled_right(student.call("pool2d_strided", X, pool_size, padding=padding, stride=stride, mode=mode),
                  X, pool_size, padding, stride, mode, f"all of X is negative; {rule}, like {_torch_call(mode, pool_size, padding, stride)}")


@hidden_test("pool2d_strided", examples=10)
@given(case=s.pooling_case(max_side=6), mode=s.pool_modes)
def pool2d_strided_leaves_inputs_unchanged(student: Student, case, mode):
    X, pool_size, padding, stride = case
    r = student.call("pool2d_strided", X, pool_size, padding=padding, stride=stride, mode=mode)
    checks.unchanged([X], r.args_after, ["X"], r.described)
    _pooled_right(r, X, pool_size, padding, stride, mode, checks.only_if_right("leaving X unchanged"))


@hidden_test("pool2d_strided", examples=5)
@given(case=s.pooling_case(max_side=6))
def pool2d_strided_rejects_unknown_modes(student: Student, case):
    X, pool_size, padding, stride = case
    for mode in ("max", "avg"):
        _pooled_right(student.call("pool2d_strided", X, pool_size, padding=padding, stride=stride, mode=mode),
                      X, pool_size, padding, stride, mode, checks.only_if_right("raising ValueError for any other mode"))
    _rejects_bad_modes(student, "pool2d_strided", (X, pool_size), {"padding": padding, "stride": stride},
                       "the task: mode='max' or mode='avg'; any other mode raises a ValueError")


@hidden_test("pool2d_strided", examples=10)
@given(case=s.pooling_case(max_side=6), mode=s.pool_modes)
def pool2d_strided_keeps_dtype(student: Student, case, mode):
    X, pool_size, padding, stride = case
    r = student.call("pool2d_strided", X, pool_size, padding=padding, stride=stride, mode=mode)
    checks.same_dtype(r.value, X.dtype, r.described, "the task says the result has X's dtype")
    _pooled_right(r, X, pool_size, padding, stride, mode, checks.only_if_right("keeping X's dtype"))


@hidden_test("pool2d_strided", examples=10)
@given(case=s.pool_geometry(), mode=s.pool_modes, data=st.data())
def pool2d_strided_int_or_pair(student: Student, case, mode, data):
    X, k, pad, stride = case
    forms = [s.pair_forms(v) for v in (k, pad, stride)]
    if stride == k:
        forms[2].append(None)  # "None, which means equal to pool_size"
    calls = [tuple(f[1] for f in forms), tuple(f[0] for f in forms)]  # tuples (or ints where square), then ints
    calls.append(tuple(next(v for v in f if isinstance(v, torch.Size)) for f in forms))  # torch.Size
    calls.append(tuple(data.draw(st.sampled_from(f)) for f in forms))  # and a mix
    seen = set()
    for pool_size, padding, stride_form in calls:
        key = tuple((type(v), v) for v in (pool_size, padding, stride_form))  # torch.Size((2, 3)) == (2, 3)
        if key in seen:
            continue
        seen.add(key)
        why = ("the task takes pool_size and padding each as an int or a pair (h, w), a tuple or a torch.Size, and "
               f"stride as either or None, like {_torch_call(mode, pool_size, padding, stride_form)}")
        r = _call_noting(student, why, "pool2d_strided", X, pool_size, padding=padding, stride=stride_form, mode=mode)
        _pooled_right(r, X, pool_size, padding, stride_form, mode, why)


# ------------------------------------------------------------------ promises
_NO_STATE = "a pure function: nothing is created or kept between calls"
# pool2d (its task text also holds the notebook's introduction)
promises.promise(A, "pool2d", "values", "Write 2-D pooling with stride 1 and no padding, as in the formulas above.",
                 "pool2d_matches_torch")
promises.promise(A, "pool2d", "values", "Inputs may be negative.", "pool2d_matches_torch")
promises.promise(A, "pool2d", "values", "non-square windows, windows as large as the input, all-negative inputs",
                 "pool2d_matches_torch")
promises.promise(A, "pool2d", "types", "`X` is a 2-D floating-point tensor of shape `(n_h, n_w)`.",
                 ("pool2d_matches_torch", "pool2d_keeps_dtype"))
promises.promise(A, "pool2d", "types", "`pool_size` is a pair `(p_h, p_w)` (a tuple, or a `torch.Size` such as "
                 "`X.shape`), or an `int` $p$ meaning `(p, p)`.", ("pool2d_pool_size_int_or_pair", "pool2d_matches_torch"))
promises.promise(A, "pool2d", "types", "Return a new tensor", "pool2d_returns_a_new_tensor")
promises.promise(A, "pool2d", "errors", "for anything else raise a `ValueError`", "pool2d_rejects_unknown_modes")
promises.promise(A, "pool2d", "defaults", "`mode` is `'max'` (the default) or `'avg'`",
                 ("pool2d_default_mode_is_max", "pool2d_matches_torch"))
promises.promise(A, "pool2d", "dtype", "with `X`'s dtype", "pool2d_keeps_dtype")
promises.promise(A, "pool2d", "dtype", "both float32 and float64", ("pool2d_keeps_dtype", "pool2d_matches_torch"))
promises.promise(A, "pool2d", "shapes", "of shape `(n_h - p_h + 1, n_w - p_w + 1)`", "pool2d_matches_torch")
promises.promise(A, "pool2d", "inputs unchanged", "never modify `X`", "pool2d_leaves_inputs_unchanged")
promises.no_promise(A, "pool2d", "initial values", _NO_STATE)

# pool2d_strided
promises.promise(A, "pool2d_strided", "values",
                 "gives the same result as `nn.MaxPool2d(pool_size, stride, padding)` (for `mode='max'`) or "
                 "`nn.AvgPool2d(pool_size, stride, padding)` (for `mode='avg'`) with their other defaults.",
                 "pool2d_strided_matches_torch")
promises.promise(A, "pool2d_strided", "values", "`mode='max'`: padded positions never win (pad with `-inf`, not zeros).",
                 "pool2d_strided_padding_like_torch")
promises.promise(A, "pool2d_strided", "values",
                 "`mode='avg'`: padded positions count as zeros and every window is divided by $p_h p_w$.",
                 "pool2d_strided_padding_like_torch")
promises.promise(A, "pool2d_strided", "values",
                 "any number of leading dimensions (none, channels, batch and channels), each slice pooled on its own.",
                 ("pool2d_strided_pools_leading_dims_separately", "pool2d_strided_matches_torch"))
promises.promise(A, "pool2d_strided", "types", "`X` is a floating-point tensor of shape `(..., H, W)`",
                 ("pool2d_strided_matches_torch", "pool2d_strided_keeps_dtype"))
promises.promise(A, "pool2d_strided", "types",
                 "`pool_size` and `padding` are each an `int` or a pair `(h, w)` (a tuple or a `torch.Size`)",
                 ("pool2d_strided_int_or_pair", "pool2d_strided_matches_torch"))
promises.promise(A, "pool2d_strided", "types", "`stride` is an `int`, a pair, or `None`",
                 ("pool2d_strided_int_or_pair", "pool2d_strided_matches_torch"))
promises.promise(A, "pool2d_strided", "errors", "Any other mode raises a `ValueError`.",
                 "pool2d_strided_rejects_unknown_modes")
promises.promise(A, "pool2d_strided", "defaults", "`pool2d_strided(X, pool_size, padding=0, stride=None, mode='max')`",
                 "pool2d_strided_stride_defaults_to_pool_size")
promises.promise(A, "pool2d_strided", "defaults", "`None`, which means \"equal to `pool_size`\"",
                 ("pool2d_strided_stride_defaults_to_pool_size", "pool2d_strided_int_or_pair",
                  "pool2d_strided_matches_torch"))
promises.promise(A, "pool2d_strided", "dtype", "and `X`'s dtype", "pool2d_strided_keeps_dtype")
promises.promise(A, "pool2d_strided", "shapes", "The result has shape `(..., H_out, W_out)` with the formula above",
                 ("pool2d_strided_matches_torch", "pool2d_strided_pools_leading_dims_separately"))
promises.promise(A, "pool2d_strided", "inputs unchanged", "Never modify `X`.", "pool2d_strided_leaves_inputs_unchanged")
promises.no_promise(A, "pool2d_strided", "initial values", _NO_STATE)
