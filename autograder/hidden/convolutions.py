"""Hidden tests for 7.2: corr2d, Conv2D and learn_kernel."""

from __future__ import annotations

import torch
from hypothesis import given

from autograder import checks, oracles
from autograder import strategies as s
from autograder.hidden import Student, hidden_test

A = "02_convolutions"


def _valid_shape(X: torch.Tensor, K: torch.Tensor) -> tuple[int, int]:
    """corr2d's output shape: every position where K fits inside X."""
    return (X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1)


def _corr2d_right(r, X: torch.Tensor, K: torch.Tensor, why: str = "") -> torch.Tensor:
    """corr2d's one comparison with torch: every corr2d test that judges a call checks its value here."""
    return checks.close(r.value, oracles.conv2d(X, K), f"{r.described} ({why})" if why else r.described, inputs=(X, K))


@hidden_test(A, "corr2d_output_shape", "corr2d")
@given(case=s.image_and_kernel())
def corr2d_output_shape(student: Student, case):
    X, K = case
    r = student.call("corr2d", X, K)
    checks.shaped(r.value, _valid_shape(X, K), r.described)


@hidden_test(A, "corr2d_matches_torch", "corr2d", examples=40)
@given(case=s.image_and_kernel())
def corr2d_matches_torch(student: Student, case):
    X, K = case
    _corr2d_right(student.call("corr2d", X, K), X, K)


@hidden_test(A, "corr2d_leaves_inputs_unchanged", "corr2d", examples=15)
@given(case=s.image_and_kernel())
def corr2d_leaves_inputs_unchanged(student: Student, case):
    X, K = case
    r = student.call("corr2d", X, K)
    checks.unchanged([X, K], r.args_after, ["X", "K"], r.described)
    _corr2d_right(r, X, K, checks.only_if_right("leaving X and K unchanged"))


@hidden_test(A, "corr2d_is_linear_and_shift_equivariant", "corr2d", examples=15)
@given(case=s.image_and_kernel(max_side=8), a=s.values, b=s.values)
def corr2d_is_linear_and_shift_equivariant(student: Student, case, a, b):
    X, K = case
    Z = torch.flip(X, dims=(0, 1))
    M = a * X + b * Z
    mix = student.call("corr2d", M, K)
    r_x, r_z = student.call("corr2d", X, K), student.call("corr2d", Z, K)
    full = checks.shaped(r_x.value, _valid_shape(X, K), r_x.described)
    combined = a * full.double() + b * checks.tensor(r_z.value, r_z.described).double()
    checks.close(mix.value, combined, f"{mix.described} (compared with {a}*corr2d(X, K) + {b}*corr2d(Z, K))", inputs=(X, K))
    judged = [(r_x, X), (r_z, Z), (mix, M)]
    if X.shape[1] > K.shape[1]:
        shifted = student.call("corr2d", X[:, 1:], K)
        checks.close(shifted.value, full[:, 1:].double(), f"{shifted.described} (the input shifted by one column)", inputs=(X, K))
        judged.append((shifted, X[:, 1:]))
    # Zeros of the right shape, or `return X[:h, :w]`, are linear and shift-equivariant too.
    for r, inputs in judged:
        _corr2d_right(r, inputs, K, checks.only_if_right("linearity and shift equivariance"))


@hidden_test(A, "conv2d_registers_parameters", "Conv2D", stand_ins=("corr2d",), examples=10)
@given(kernel=s.pairs)
def conv2d_registers_parameters(student: Student, kernel):
    x = torch.randn(kernel[0] + 2, kernel[1] + 3, generator=torch.Generator().manual_seed(0))
    what = f"Conv2D({kernel})"
    rep = student.probe("module", what, target="Conv2D", init_args=[kernel], input=x, backward=True)
    if not rep.get("is_module"):
        raise checks.Mismatch(f"{what} is a {rep.get('type')}, not an nn.Module")
    names = sorted(rep["params"])
    if names != ["bias", "weight"]:
        raise checks.Mismatch(f"{what}.named_parameters() gives {names}; expected exactly ['bias', 'weight'] (use nn.Parameter)")
    if tuple(rep["params"]["weight"].shape) != tuple(kernel):
        raise checks.Mismatch(f"{what}.weight has shape {tuple(rep['params']['weight'].shape)}, expected {tuple(kernel)}")
    if rep["params"]["bias"].numel() != 1:
        raise checks.Mismatch(f"{what}.bias has {rep['params']['bias'].numel()} elements, expected one scalar bias")


@hidden_test(A, "conv2d_forward_and_gradients", "Conv2D", stand_ins=("corr2d",), examples=10)
@given(kernel=s.pairs, extra=s.pairs)
def conv2d_forward_and_gradients(student: Student, kernel, extra):
    x = torch.randn(kernel[0] + extra[0] - 1, kernel[1] + extra[1] - 1, generator=torch.Generator().manual_seed(1))
    what = f"Conv2D({kernel})(x) with x of shape {tuple(x.shape)}"
    rep = student.probe("module", what, target="Conv2D", init_args=[kernel], input=x, backward=True)
    params = rep.get("params", {})
    if "weight" not in params or "bias" not in params:
        raise checks.Mismatch(f"Conv2D({kernel}) must have parameters named weight and bias")
    w, b = params["weight"].double(), params["bias"].double()
    if b.numel() != 1 or w.numel() != kernel[0] * kernel[1]:
        raise checks.Mismatch(f"Conv2D({kernel}) has a weight of shape {tuple(w.shape)} and a bias of shape {tuple(b.shape)}; "
                              f"expected {tuple(kernel)} and one scalar")
    expected = oracles.conv2d(x, w.reshape(kernel)) + b.reshape(())
    checks.close(rep["output"], expected, what, inputs=(x,))
    grads = rep.get("grads", {})
    if grads.get("weight") is None or grads.get("bias") is None:
        raise checks.Mismatch(f"after {what}.sum().backward(), weight.grad or bias.grad is None: gradients do not reach the parameters")
    out_shape = expected.shape
    checks.close(grads["weight"], oracles.conv2d(x, torch.ones(out_shape, dtype=torch.float64)).reshape(grads["weight"].shape),
                 f"the gradient of {what}.sum() with respect to weight")
    checks.close(grads["bias"], torch.full(grads["bias"].shape, float(out_shape.numel()), dtype=torch.float64),
                 f"the gradient of {what}.sum() with respect to bias")


def _stripes() -> torch.Tensor:
    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    return X


# The chapter's setting plus variants where the reference reliably converges.
LEARN_CASES = [
    (_stripes(), torch.tensor([[1.0, -1.0]]), dict(num_epochs=10)),
    (_stripes().t().contiguous(), torch.tensor([[1.0], [-1.0]]), dict(num_epochs=10)),
    (_stripes(), torch.tensor([[0.5, 0.25]]), dict(num_epochs=40, lr=0.02)),
]


def _kernel_recovered(r, K: torch.Tensor, why: str = "") -> None:
    """learn_kernel's one comparison: a kernel within 0.15 of the one that produced Y."""
    got = checks.shaped(r.value, K.shape, r.described)
    error = float((got.double() - K.double()).abs().max())
    if error > 0.15:
        raise checks.Mismatch(f"{r.described} returned {checks.show(got)}; the kernel that produced Y is {checks.show(K)} "
                              f"(off by {error:.3g})" + (f"; {why}" if why else ""))


@hidden_test(A, "learn_kernel_recovers_kernel", "learn_kernel", stand_ins=("corr2d", "Conv2D"))
def learn_kernel_recovers_kernel(student: Student):
    for X, K, kwargs in LEARN_CASES:
        Y = oracles.conv2d(X, K).float()
        _kernel_recovered(student.call("learn_kernel", X, Y, tuple(K.shape), **kwargs), K)


@hidden_test(A, "learn_kernel_follows_lr_and_epochs", "learn_kernel", stand_ins=("corr2d", "Conv2D"))
def learn_kernel_follows_lr_and_epochs(student: Student):
    X, K, _ = LEARN_CASES[0]
    Y = oracles.conv2d(X, K).float()
    errors, calls = {}, {}
    for label, kwargs in {"few": dict(num_epochs=1), "many": dict(num_epochs=20), "frozen": dict(num_epochs=20, lr=0.0)}.items():
        r = calls[label] = student.call("learn_kernel", X, Y, (1, 2), **kwargs)
        got = checks.tensor(r.value, r.described)
        errors[label] = (float((got.double().reshape(-1) - K.double().reshape(-1)).abs().max()), r.described)
    if not errors["many"][0] < errors["few"][0]:
        raise checks.Mismatch(f"{errors['many'][1]} is no closer to {checks.show(K)} than {errors['few'][1]}: num_epochs seems ignored")
    if errors["frozen"][0] < 0.1:
        raise checks.Mismatch(f"{errors['frozen'][1]} still found the kernel: with lr=0 no step should change it (lr seems ignored)")
    # The only call with a known answer (the other two depend on the random initial kernel): twice
    # the chapter's epochs find the kernel, so "closer with more epochs" pays only then.
    _kernel_recovered(calls["many"], K, checks.only_if_right("following num_epochs and lr"))
