"""Hidden tests for 7.2: corr2d, Conv2D and learn_kernel."""

from __future__ import annotations

import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.grading import checks, promises
from course_content.shared import oracles
from course_content.shared import strategies as s
from autograder.grading.hidden import Student, hidden_test

A = promises.here(__name__)  # this folder's assignment id


def _valid_shape(X: torch.Tensor, K: torch.Tensor) -> tuple[int, int]:
    """corr2d's output shape: every position where K fits inside X."""
    return (X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1)


def _corr2d_right(r, X: torch.Tensor, K: torch.Tensor, why: str = "") -> torch.Tensor:
    """corr2d's one comparison with torch: every corr2d test that judges a call checks its value here."""
    return checks.close(r.value, oracles.conv2d(X, K), f"{r.described} ({why})" if why else r.described, inputs=(X, K))


@hidden_test("corr2d")
@given(case=s.image_and_kernel())
def corr2d_output_shape(student: Student, case):
    X, K = case
    r = student.call("corr2d", X, K)
    checks.shaped(r.value, _valid_shape(X, K), r.described)


@hidden_test("corr2d", examples=40)
@given(case=s.image_and_kernel())
def corr2d_matches_torch(student: Student, case):
    X, K = case
    _corr2d_right(student.call("corr2d", X, K), X, K)


@hidden_test("corr2d", examples=15)
@given(case=s.image_and_kernel())
def corr2d_leaves_inputs_unchanged(student: Student, case):
    X, K = case
    r = student.call("corr2d", X, K)
    checks.unchanged([X, K], r.args_after, ["X", "K"], r.described)
    _corr2d_right(r, X, K, checks.only_if_right("leaving X and K unchanged"))


@hidden_test("corr2d", examples=15)
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


@st.composite
def _odd_kernel_case(draw):
    """X and a kernel of one of the task's unusual shapes: 1 x k, k x 1, as tall, as wide or as large as X."""
    dtype = draw(s.DTYPES)
    n_h, n_w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    kind = draw(st.sampled_from(["1 x k", "k x 1", "as large as X", "as tall as X", "as wide as X"]))
    k_h, k_w = {"1 x k": (1, draw(st.integers(1, n_w))), "k x 1": (draw(st.integers(1, n_h)), 1),
                "as large as X": (n_h, n_w), "as tall as X": (n_h, draw(st.integers(1, n_w))),
                "as wide as X": (draw(st.integers(1, n_h)), n_w)}[kind]
    return draw(s.tensors((n_h, n_w), dtype)), draw(s.tensors((k_h, k_w), dtype)), kind


@hidden_test("corr2d", examples=15)
@given(case=_odd_kernel_case())
def corr2d_thin_and_full_size_kernels(student: Student, case):
    X, K, kind = case
    _corr2d_right(student.call("corr2d", X, K), X, K, f"a kernel {kind}: kernels need not be square and may be as large as the input")


@hidden_test("corr2d", examples=10)
@given(case=s.image_and_kernel(max_side=7), data=st.data())
def corr2d_passes_gradients(student: Student, case, data):
    X, K = case
    upstream = data.draw(s.tensors(_valid_shape(X, K), X.dtype, layout=False))
    what = student.describe("corr2d", (X, K), {})
    rep = student.probe("gradients", what, target="corr2d", args=[X, K], upstream=upstream)
    checks.close(rep["result"], oracles.conv2d(X, K), f"{what} ({checks.only_if_right('passing gradients back')})",
                 inputs=(X, K))
    Xg, Kg = X.detach().clone().requires_grad_(True), K.detach().clone().requires_grad_(True)
    oracles.conv2d(Xg, Kg).backward(upstream.to(torch.promote_types(X.dtype, K.dtype)))
    checks.gradients(rep, [Xg.grad, Kg.grad], ["X", "K"],
                     f"{what}, back-propagating {checks.show(upstream, 200)} (Conv2D and learn_kernel train K through "
                     "corr2d)", inputs=(X, K))


@hidden_test("corr2d", examples=10)
@given(case=s.image_and_kernel(max_side=6))
def corr2d_returns_a_new_tensor(student: Student, case):
    X, K = case
    # A 1x1 kernel of 1 maps X to itself: the case where returning X (or a view of it) is tempting.
    K = torch.ones((1, 1), dtype=K.dtype) if K.numel() == 1 else K
    r = student.call("corr2d", X, K)
    checks.new_tensor(r.shares_input, ["X", "K"], r.described)
    _corr2d_right(r, X, K, checks.only_if_right("returning a new tensor"))


@hidden_test("Conv2D", stand_ins=("corr2d",), examples=10)
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


def _conv2d_forward(student: Student, kernel, x: torch.Tensor, backward: bool = False):
    """Build Conv2D(kernel), run it on x, and check the output against its own parameters:
    every Conv2D test that judges the layer checks its forward value here. Returns the
    report, the call's description, and the weight and bias the layer started with."""
    what = f"Conv2D({kernel})(x) with x of shape {tuple(x.shape)}"
    rep = student.probe("module", what, target="Conv2D", init_args=[kernel], input=x, backward=backward)
    if not rep.get("is_module"):
        raise checks.Mismatch(f"Conv2D({kernel}) is a {rep.get('type')}, not an nn.Module")
    params = rep.get("params", {})
    if "weight" not in params or "bias" not in params:
        raise checks.Mismatch(f"Conv2D({kernel}) must have parameters named weight and bias")
    w, b = params["weight"].double(), params["bias"].double()
    if b.numel() != 1 or w.numel() != kernel[0] * kernel[1]:
        raise checks.Mismatch(f"Conv2D({kernel}) has a weight of shape {tuple(w.shape)} and a bias of shape {tuple(b.shape)}; "
                              f"expected {tuple(kernel)} and one scalar")
    expected = oracles.conv2d(x, w.reshape(kernel)) + b.reshape(())
    checks.close(rep["output"], expected, what, inputs=(x,))
    return rep, what, w, b


@hidden_test("Conv2D", stand_ins=("corr2d",), examples=10)
@given(kernel=s.pairs, extra=s.pairs)
def conv2d_forward_and_gradients(student: Student, kernel, extra):
    x = torch.randn(kernel[0] + extra[0] - 1, kernel[1] + extra[1] - 1, generator=torch.Generator().manual_seed(1))
    rep, what, w, b = _conv2d_forward(student, kernel, x, backward=True)
    expected = oracles.conv2d(x, w.reshape(kernel)) + b.reshape(())
    grads = rep.get("grads", {})
    if grads.get("weight") is None or grads.get("bias") is None:
        raise checks.Mismatch(f"after {what}.sum().backward(), weight.grad or bias.grad is None: gradients do not reach the parameters")
    out_shape = expected.shape
    checks.close(grads["weight"], oracles.conv2d(x, torch.ones(out_shape, dtype=torch.float64)).reshape(grads["weight"].shape),
                 f"the gradient of {what}.sum() with respect to weight")
    checks.close(grads["bias"], torch.full(grads["bias"].shape, float(out_shape.numel()), dtype=torch.float64),
                 f"the gradient of {what}.sum() with respect to bias")


@hidden_test("Conv2D", stand_ins=("corr2d",), examples=5)
@given(kernel=s.pairs)
def conv2d_bias_starts_at_zero(student: Student, kernel):
    x = torch.randn(kernel[0] + 2, kernel[1] + 1, generator=torch.Generator().manual_seed(2))
    # The forward value is checked first: a layer that computes nothing right earns nothing here.
    _, what, _, b = _conv2d_forward(student, kernel, x)
    if float(b.abs().max()) != 0.0:
        raise checks.Mismatch(f"Conv2D({kernel}).bias starts at {checks.show(b)}; the task asks for a bias initialised "
                              f"to zero (the forward pass {what} is right)")


@hidden_test("Conv2D", stand_ins=("corr2d",), examples=5)
@given(kernel=s.pairs.filter(lambda k: k[0] * k[1] >= 2))
def conv2d_weight_starts_random(student: Student, kernel):
    x = torch.randn(kernel[0] + 1, kernel[1] + 2, generator=torch.Generator().manual_seed(3))
    _, what, w, _ = _conv2d_forward(student, kernel, x)
    if bool((w == w.reshape(-1)[0]).all()):
        raise checks.Mismatch(f"Conv2D({kernel}).weight starts as {checks.show(w.float())}, every entry the same; the task "
                              f"asks for a weight initialised randomly (torch.rand is fine), and the forward pass {what} is right")


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


@hidden_test("learn_kernel", stand_ins=("corr2d", "Conv2D"))
def learn_kernel_recovers_kernel(student: Student):
    for X, K, kwargs in LEARN_CASES:
        Y = oracles.conv2d(X, K).float()
        _kernel_recovered(student.call("learn_kernel", X, Y, tuple(K.shape), **kwargs), K)


@hidden_test("learn_kernel", stand_ins=("corr2d", "Conv2D"))
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


# Gradient descent as the task spells it out (no bias, loss ((Y_hat - Y) ** 2).sum(), w -= lr * w.grad)
# is a linear recurrence: from a kernel w_0, after n steps w_n = w* + M^n (w_0 - w*), M = I - 2 lr A^T A,
# where A holds X's windows. The start is random, but for these X the powers M^n are small, so every
# start with entries in [-START, START] (torch.rand, torch.randn, nn.Conv2d's default init) ends within
# a known distance of the end reached from zero. Running one more or one fewer epoch, another lr, or a
# layer with a bias ends measurably elsewhere.
START = 5.0


def _windows(X: torch.Tensor, kernel_size: tuple[int, int]) -> torch.Tensor:
    """A (outputs, k_h * k_w): row (i, j) is the window of X under the kernel at output (i, j)."""
    k_h, k_w = kernel_size
    o_h, o_w = X.shape[0] - k_h + 1, X.shape[1] - k_w + 1
    return torch.stack([X[a:a + o_h, b:b + o_w].reshape(-1) for a in range(k_h) for b in range(k_w)], dim=1).double()


def _descent(X: torch.Tensor, Y: torch.Tensor, kernel_size: tuple[int, int], lr: float, num_epochs: int):
    """The end of the task's gradient descent from a zero kernel, and how far any start within START moves it."""
    A, y = _windows(X, kernel_size), Y.double().reshape(-1)
    w = torch.zeros(A.shape[1], dtype=torch.float64)
    for _ in range(num_epochs):
        w = w - lr * 2 * A.T @ (A @ w - y)
    M = torch.eye(A.shape[1], dtype=torch.float64) - 2 * lr * A.T @ A
    spread = float(torch.linalg.matrix_norm(torch.linalg.matrix_power(M, num_epochs), 2)) * START * A.shape[1] ** 0.5
    return w.reshape(kernel_size), spread


def _descended(r, X, Y, kernel_size, lr: float, num_epochs: int, why: str) -> None:
    """learn_kernel's exact comparison: where num_epochs steps of lr from a random start end."""
    end, spread = _descent(X, Y, kernel_size, lr, num_epochs)
    got = checks.shaped(r.value, tuple(kernel_size), r.described, "a 2-D tensor of shape kernel_size")
    # float32 arithmetic on the student's side: a relative error per step on top of the start's spread.
    tol = spread + 1e-5 * max(1.0, float(end.abs().max())) * num_epochs + 1e-3
    error = float((got.double() - end).abs().max()) if got.is_floating_point() else float("inf")
    if not error <= tol:
        raise checks.Mismatch(
            f"{r.described} returned {checks.show(got)}; {num_epochs} steps of gradient descent with lr={lr} "
            f"(a kernel without bias, the loss ((Y_hat - Y) ** 2).sum(), the step w -= lr * w.grad) end at "
            f"{checks.show(end.float())} from any random starting kernel with entries in [-{START:g}, {START:g}] "
            f"(within {tol:.2g}; off by {error:.3g}): {why}")


# The defaults: a signed X on which lr=0.03 contracts by 0.4 to 0.64 per epoch, and a kernel far from
# any random start, so the 9th, 10th and 11th epoch, or lr 0.02 and 0.05, end far apart.
DEFAULTS_X = torch.tensor([[1.0, 1.0, -1.0, -1.0, 1.0], [1.0, -1.0, 1.0, 1.0, -1.0]])
DEFAULTS_K = torch.tensor([[900.0, -600.0]])


@hidden_test("learn_kernel", stand_ins=("corr2d", "Conv2D"))
def learn_kernel_defaults(student: Student):
    X, K = DEFAULTS_X, DEFAULTS_K
    Y = oracles.conv2d(X, K).float()
    # The same descent four times: both values given (the one that says the steps are right), then
    # each default on its own, then both.
    for kwargs, why in [(dict(lr=0.03, num_epochs=10), "the steps themselves are off"),
                        (dict(lr=0.03), "num_epochs defaults to 10"),
                        (dict(num_epochs=10), "lr defaults to 0.03"),
                        ({}, "lr defaults to 0.03 and num_epochs to 10")]:
        _descended(student.call("learn_kernel", X, Y, tuple(K.shape), **kwargs), X, Y, tuple(K.shape), 0.03, 10, why)


# No bias: X's windows have a non-zero mean, so a bias learned alongside the kernel diverges at
# these step sizes, and a random bias left untrained (nn.Conv2d's default bias=True) moves the end
# by about its own size; without bias both descents converge to the kernel that produced Y.
NO_BIAS_CASES = [
    (torch.tensor([[-0.5, 0.25, 0.75, 0.0], [0.75, 0.0, 0.25, -0.5], [-0.25, 0.5, 0.25, 0.5], [0.25, 0.75, -0.5, -0.5]]),
     torch.tensor([[2.0, -1.0], [0.5, 1.5]]), dict(lr=0.25, num_epochs=12)),
    (torch.tensor([[0.0, 0.75, 0.75, -0.25], [-0.5, 0.75, -0.25, 1.0], [0.0, -0.5, 1.0, 0.5]]),
     torch.tensor([[1.5, -2.0]]), dict(lr=0.13, num_epochs=12)),
]


@hidden_test("learn_kernel", stand_ins=("corr2d", "Conv2D"))
def learn_kernel_has_no_bias(student: Student):
    for X, K, kwargs in NO_BIAS_CASES:
        Y = oracles.conv2d(X, K).float()
        r = student.call("learn_kernel", X, Y, tuple(K.shape), **kwargs)
        _descended(r, X, Y, tuple(K.shape), kwargs["lr"], kwargs["num_epochs"],
                   "the task's layer has no bias (a bias, trained or not, changes every step)")


@hidden_test("learn_kernel", stand_ins=("corr2d", "Conv2D"))
def learn_kernel_returns_detached(student: Student):
    X, K, kwargs = LEARN_CASES[0]
    r = student.call("learn_kernel", X, oracles.conv2d(X, K).float(), tuple(K.shape), **kwargs)
    if r.attached:
        raise checks.Mismatch(f"{r.described} returned a kernel that still requires grad: the task asks for it "
                              "detached from the graph (.detach())")
    _kernel_recovered(r, K, checks.only_if_right("returning the kernel detached"))


@hidden_test("learn_kernel", stand_ins=("corr2d", "Conv2D"))
def learn_kernel_starts_random(student: Student):
    X, K = DEFAULTS_X, DEFAULTS_K
    Y = oracles.conv2d(X, K).float()
    # With lr=0 no step moves the kernel: what comes back is where the descent started.
    r = student.call("learn_kernel", X, Y, (1, 2), lr=0.0, num_epochs=3)
    start = checks.shaped(r.value, (1, 2), r.described, "a 2-D tensor of shape kernel_size")
    if not start.is_floating_point() or bool((start == start.reshape(-1)[0]).all()):
        raise checks.Mismatch(f"{r.described} returned {checks.show(start)}: with lr=0 that is the starting kernel, every "
                              f"entry the same; the task starts from a random kernel")
    _descended(student.call("learn_kernel", X, Y, (1, 2), lr=0.03, num_epochs=10), X, Y, (1, 2), 0.03, 10,
               checks.only_if_right("starting from a random kernel"))


# ------------------------------------------------------------------ promises
_ALL_CORR2D = ("corr2d_matches_torch", "corr2d_is_linear_and_shift_equivariant", "corr2d_thin_and_full_size_kernels")
promises.promise(A, "corr2d", "values", "Write the 2-D cross-correlation of a 2-D tensor `X` with a 2-D kernel `K`.",
                 _ALL_CORR2D)
promises.promise(A, "corr2d", "values", "negative values and both float32 and float64", "corr2d_matches_torch")
promises.promise(A, "corr2d", "shapes", "Return a new tensor of shape `(n_h - k_h + 1, n_w - k_w + 1)`",
                 ("corr2d_output_shape",) + _ALL_CORR2D)
promises.promise(A, "corr2d", "shapes", "Kernels need not be square (`1 x k` and `k x 1` happen), and may be as large as "
                 "the input.", ("corr2d_thin_and_full_size_kernels", "corr2d_output_shape"))
promises.promise(A, "corr2d", "types", "Return a new tensor",
                 ("corr2d_output_shape",) + _ALL_CORR2D)  # exactly a torch.Tensor (checks.tensor)
promises.promise(A, "corr2d", "inputs unchanged", "never modify `X` or `K`.", "corr2d_leaves_inputs_unchanged")
promises.promise(A, "corr2d", "inputs unchanged", "Return a new tensor", "corr2d_returns_a_new_tensor")
promises.promise(A, "corr2d", "types", "gradients must flow from its result back to `X` and `K`", "corr2d_passes_gradients")
promises.no_promise(A, "corr2d", "errors", "the text asks for no error: K is promised to fit into X")
promises.no_promise(A, "corr2d", "defaults", "both arguments are required")
promises.no_promise(A, "corr2d", "initial values", "a function: it builds nothing that has initial values")
promises.no_promise(A, "corr2d", "dtype", (
    "the text asks for no dtype: the chapter's own corr2d returns float32 for a float64 X, a correct style here "
    "(corr2d__chapter_float32); the value tests require floating-point values at the precision of the dtype returned"))

promises.promise(A, "Conv2D", "values", "`forward(x)` returns `corr2d(x, self.weight) + self.bias`.",
                 ("conv2d_forward_and_gradients", "conv2d_bias_starts_at_zero", "conv2d_weight_starts_random"))
promises.promise(A, "Conv2D", "types", "Both must be registered parameters, so that `parameters()` finds them and an "
                 "optimiser trains them.", ("conv2d_registers_parameters", "conv2d_forward_and_gradients"))
promises.promise(A, "Conv2D", "shapes", "`self.weight`: an `nn.Parameter` of shape `kernel_size`",
                 ("conv2d_registers_parameters", "conv2d_forward_and_gradients"))
promises.promise(A, "Conv2D", "shapes", "`self.bias`: an `nn.Parameter` holding a single number",
                 ("conv2d_registers_parameters", "conv2d_forward_and_gradients"))
promises.promise(A, "Conv2D", "initial values", "initialised to zero", "conv2d_bias_starts_at_zero")
promises.promise(A, "Conv2D", "initial values", "initialised randomly (`torch.rand` is fine)", "conv2d_weight_starts_random")
promises.no_promise(A, "Conv2D", "errors", "the text asks for no error")
promises.no_promise(A, "Conv2D", "defaults", "kernel_size is required; forward takes only x")
promises.no_promise(A, "Conv2D", "dtype", "the text names no dtype for the parameters or the output")
promises.no_promise(A, "Conv2D", "inputs unchanged", "the text says nothing about x after forward (and nothing modifies it "
                    "in corr2d(x, self.weight) + self.bias)")

_LEARNING = ("learn_kernel_recovers_kernel", "learn_kernel_follows_lr_and_epochs", "learn_kernel_defaults",
             "learn_kernel_has_no_bias", "learn_kernel_starts_random")
promises.promise(A, "learn_kernel", "values", "each epoch: compute the prediction, the loss `((Y_hat - Y) ** 2).sum()`, "
                 "back-propagate, and take one gradient step `w -= lr * w.grad` (then zero the gradient);", _LEARNING)
promises.promise(A, "learn_kernel", "values", "create a layer with a `kernel_size` kernel and no bias",
                 ("learn_kernel_has_no_bias", "learn_kernel_defaults"))
promises.promise(A, "learn_kernel", "defaults", "`learn_kernel(X, Y, kernel_size, lr=0.03, num_epochs=10)`",
                 "learn_kernel_defaults")
promises.promise(A, "learn_kernel", "initial values", "start from a random kernel", "learn_kernel_starts_random")
promises.promise(A, "learn_kernel", "shapes", "return the learned kernel as a 2-D tensor of shape `kernel_size`", _LEARNING)
promises.promise(A, "learn_kernel", "types", "`X` and `Y` are 2-D tensors", _LEARNING)
promises.promise(A, "learn_kernel", "types", "detached from the graph", "learn_kernel_returns_detached")
promises.no_promise(A, "learn_kernel", "errors", "the text asks for no error")
promises.no_promise(A, "learn_kernel", "dtype", "the text names no dtype for the kernel; the tests pass float32 X and Y "
                    "as the chapter does")
promises.no_promise(A, "learn_kernel", "inputs unchanged", "the text does not promise that X and Y are left alone")

# Mutants `course audit` generates that the task's text allows (autograder/authoring/audit/explained.py).
from autograder.authoring.audit import explained  # noqa: E402

explained.equivalent(A, "corr2d", "dtype=X.dtype -> dtype=torch.float32", (
    "allowed by the task, which promises no dtype for corr2d's result: the chapter's own corr2d returns float32 for a "
    "float64 X (tests/corpus/correct/corr2d__chapter_float32.py), and every value the tests compare is exact in float32"))
