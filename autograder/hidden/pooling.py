"""Hidden tests for 7.5: pool2d and pool2d_strided."""

from __future__ import annotations

from hypothesis import given

from autograder import checks, oracles
from autograder import strategies as s
from autograder.hidden import Student, hidden_test

A = "05_pooling"

_TORCH = {"max": "nn.MaxPool2d", "avg": "nn.AvgPool2d"}


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


# ---------------------------------------------------------------------------------- pool2d
@hidden_test(A, "pool2d_matches_torch", "pool2d", examples=30)
@given(case=s.pool2d_case(), mode=s.pool_modes)
def pool2d_matches_torch(student: Student, case, mode):
    X, pool_size = case
    _pooled_right(student.call("pool2d", X, pool_size, mode=mode), X, pool_size, 0, 1, mode,
                  f"compared with {_torch_call(mode, pool_size, 0, 1)}")


@hidden_test(A, "pool2d_default_mode_is_max", "pool2d", examples=10)
@given(case=s.pool2d_case(max_side=6))
def pool2d_default_mode_is_max(student: Student, case):
    X, pool_size = case
    _pooled_right(student.call("pool2d", X, pool_size), X, pool_size, 0, 1, "max", "mode defaults to 'max'")


@hidden_test(A, "pool2d_leaves_inputs_unchanged", "pool2d", examples=10)
@given(case=s.pool2d_case(max_side=6), mode=s.pool_modes)
def pool2d_leaves_inputs_unchanged(student: Student, case, mode):
    X, pool_size = case
    r = student.call("pool2d", X, pool_size, mode=mode)
    checks.unchanged([X], r.args_after, ["X"], r.described)
    _pooled_right(r, X, pool_size, 0, 1, mode, checks.only_if_right("leaving X unchanged"))


# -------------------------------------------------------------------------- pool2d_strided
@hidden_test(A, "pool2d_strided_matches_torch", "pool2d_strided", examples=30)
@given(case=s.pooling_case(max_side=7), mode=s.pool_modes)
def pool2d_strided_matches_torch(student: Student, case, mode):
    X, pool_size, padding, stride = case
    _pooled_right(student.call("pool2d_strided", X, pool_size, padding=padding, stride=stride, mode=mode),
                  X, pool_size, padding, stride, mode, f"compared with {_torch_call(mode, pool_size, padding, stride)}")


@hidden_test(A, "pool2d_strided_stride_defaults_to_pool_size", "pool2d_strided", examples=15)
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


@hidden_test(A, "pool2d_strided_pools_leading_dims_separately", "pool2d_strided", examples=15)
@given(case=s.batched_pooling_case(), mode=s.pool_modes)
def pool2d_strided_pools_leading_dims_separately(student: Student, case, mode):
    X, pool_size, padding, stride = case
    _pooled_right(student.call("pool2d_strided", X, pool_size, padding=padding, stride=stride, mode=mode),
                  X, pool_size, padding, stride, mode,
                  f"X has shape {tuple(X.shape)}: every one of its {X.shape[:-2].numel()} {tuple(X.shape[-2:])} slices "
                  f"is pooled on its own, like {_torch_call(mode, pool_size, padding, stride)}")


@hidden_test(A, "pool2d_strided_padding_like_torch", "pool2d_strided", examples=20)
@given(case=s.negative_padded_pooling_case(), mode=s.pool_modes)
def pool2d_strided_padding_like_torch(student: Student, case, mode):
    X, pool_size, padding, stride = case
    rule = ("max pooling never picks the padding: pad with -inf, not 0" if mode == "max"
            else "average pooling counts the padded zeros: divide by the full window size")
    _pooled_right(student.call("pool2d_strided", X, pool_size, padding=padding, stride=stride, mode=mode),
                  X, pool_size, padding, stride, mode, f"all of X is negative; {rule}, like {_torch_call(mode, pool_size, padding, stride)}")


@hidden_test(A, "pool2d_strided_leaves_inputs_unchanged", "pool2d_strided", examples=10)
@given(case=s.pooling_case(max_side=6), mode=s.pool_modes)
def pool2d_strided_leaves_inputs_unchanged(student: Student, case, mode):
    X, pool_size, padding, stride = case
    r = student.call("pool2d_strided", X, pool_size, padding=padding, stride=stride, mode=mode)
    checks.unchanged([X], r.args_after, ["X"], r.described)
    _pooled_right(r, X, pool_size, padding, stride, mode, checks.only_if_right("leaving X unchanged"))
