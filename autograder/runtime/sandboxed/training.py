"""The grader's training loop: one protocol, owned by the grader, run wherever a net is trained.

It runs inside the sandbox on the student's network (copied there beside child.py, so it
imports nothing but torch), and in the trusted parent for calibration and benchmarks.

Why it is fast: the whole training set lives on the device as one tensor, batches are
index slices of it, and the running loss and accuracy stay on the device, so the loop
never waits for the host. The only syncs are one per epoch, for the progress callback.
The order of examples comes from a seeded generator, so a run is repeatable.

On a GPU the loop is launch-bound (a small CNN's kernels take microseconds; Python and the launches
take longer), so with `cuda_graphs` on, each full-batch step (gather, forward, loss, backward,
SGD update and the running sums) is captured once as a CUDA graph and replayed. The graph runs
the same kernels in the same order as the eager step, so the numbers are the eager loop's; the
warm-up steps before the capture, and the last partial batch, are ordinary eager steps. If
the capture fails (a forward that syncs with the host, for one), that step and the rest run
eagerly, with a note for the instructor. torch.compile was not chosen: compiling a fresh net in
every sandboxed child costs more than the whole training run on a GPU.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn


@dataclass(frozen=True)
class Protocol:
    """What an assignment's `training:` section in course.yaml fixes; defaults are the chapter's."""

    seed: int = 0
    epochs: int = 10
    batch_size: int = 256
    lr: float = 0.9
    cuda_graphs: bool = False  # how, not what: replay each full-batch step as a CUDA graph (GPU only)


@dataclass
class History:
    """Per-epoch curves, for the feedback plot; the score never comes from here."""

    loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0  # training time, excluding moving data to the device
    graphed: bool = False  # full-batch steps were replayed as a CUDA graph
    note: str = ""  # why the graph was not used, when it was asked for


def xavier_init(module: nn.Module) -> None:
    """The protocol's initialisation, applied by the grader (a student's own initialiser is graded apart)."""
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        nn.init.xavier_uniform_(module.weight)


def to_images(raw: torch.Tensor, device: torch.device | str) -> torch.Tensor:
    """uint8 (N, 28, 28) as stored by torchvision -> float (N, 1, 28, 28) in [0, 1], as ToTensor gives."""
    return raw.to(device, non_blocking=True).unsqueeze(1).to(torch.float32).div_(255.0)


def materialize(net: nn.Module, example: torch.Tensor) -> None:
    """Lazy layers get their shapes from one forward pass before initialisation."""
    if any(isinstance(m, nn.modules.lazy.LazyModuleMixin) for m in net.modules()):
        with torch.no_grad():
            net(example)


def start(factory: Callable[[], nn.Module], protocol: Protocol, images: torch.Tensor) -> nn.Module:
    """A net at the protocol's starting point, exactly as `fit` would initialise it itself.

    The grader builds the reference architecture this way and hands its weights to the
    student's net, so every training run starts from weights the grader chose and knows.
    """
    torch.manual_seed(protocol.seed)
    net = factory()
    torch.manual_seed(protocol.seed)
    materialize(net, to_images(images[:2], "cpu"))
    net.apply(xavier_init)
    return net


def match_by_shape(reference: list[tuple[int, ...]], theirs: list[tuple[int, ...]]) -> list[int]:
    """For each of `theirs`, the index of the reference tensor of the same shape (in order among equals).

    Names differ between implementations of one architecture (conv1.weight, net.0.weight); shapes do
    not. ValueError when the two lists are not the same multiset of shapes.
    """
    reference, theirs = [tuple(r) for r in reference], [tuple(t) for t in theirs]
    if sorted(reference) != sorted(theirs):
        raise ValueError(f"the net's weights have shapes {theirs}, not the architecture's {reference}, "
                         "so they cannot start from the grader's initial weights")
    free: dict[tuple[int, ...], list[int]] = {}
    for i, shape in enumerate(reference):
        free.setdefault(shape, []).append(i)
    return [free[shape].pop(0) for shape in theirs]


def load_by_shape(net: nn.Module, initial: list[torch.Tensor]) -> None:
    params = list(net.parameters())
    plan = match_by_shape([tuple(t.shape) for t in initial], [tuple(p.shape) for p in params])
    with torch.no_grad():
        for p, i in zip(params, plan):
            p.copy_(initial[i])


def answers(net: nn.Module, images: torch.Tensor, labels: torch.Tensor, device: torch.device | str = "cpu") -> dict:
    """The net's logits in training and in eval mode, and its loss gradients, on a check batch.

    The parent computes the same with the reference architecture and the same weights.
    """
    device = torch.device(device)
    X, y = images.to(device, torch.float32), labels.to(device, torch.int64)
    params = list(net.parameters())
    net.train()
    logits = net(X)
    grads = torch.autograd.grad(nn.functional.cross_entropy(logits, y), params, allow_unused=True)
    net.eval()
    with torch.no_grad():
        eval_logits = net(X)
    return {"train": logits.detach().cpu(), "eval": eval_logits.cpu(),
            "grads": [None if g is None else g.detach().cpu() for g in grads]}


def fit(net: nn.Module, images: torch.Tensor, labels: torch.Tensor, protocol: Protocol,
        device: torch.device | str = "cpu", on_epoch: Callable[[int, float, float], None] | None = None,
        initialise: bool = True) -> History:
    """Train `net` in place with minibatch SGD on cross-entropy, the chapter's recipe.

    `images` are uint8 (N, 28, 28); they are moved to the device once. `initialise=False` keeps
    the weights the net has (the grader's, loaded with `load_by_shape`).
    """
    device = torch.device(device)
    torch.manual_seed(protocol.seed)
    X = to_images(images, device)
    y = labels.to(device, torch.int64)
    net.to(device)
    if initialise:
        materialize(net, X[:2])
        net.apply(xavier_init)
    optimizer = torch.optim.SGD(net.parameters(), lr=protocol.lr, foreach=True)
    order = torch.Generator(device=device).manual_seed(protocol.seed)
    n, bs = X.shape[0], protocol.batch_size
    layout = _fastest_layout(net, X[:2], device)
    graph = _graph_backend(device) if protocol.cuda_graphs else None
    steps = _Steps(net, X, y, optimizer, layout, bs, graph)
    history = History()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    for epoch in range(protocol.epochs):
        net.train()
        perm = torch.randperm(n, device=device, generator=order)
        steps.loss_sum.zero_()  # in place: a captured graph adds into these very tensors
        steps.correct.zero_()
        for i in range(0, n, bs):
            steps(perm[i:i + bs])
        # One sync per epoch: the curve for the plot and the progress bar.
        epoch_loss, epoch_acc = (steps.loss_sum / n).item(), steps.correct.item() / n
        history.loss.append(epoch_loss)
        history.train_accuracy.append(epoch_acc)
        if on_epoch is not None:
            on_epoch(epoch, epoch_loss, epoch_acc)
        if not math.isfinite(epoch_loss):
            break  # diverged: more epochs cannot help and only cost time
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    history.seconds = time.perf_counter() - start
    history.graphed, history.note = steps.replays > 0, steps.note
    return history


WARMUP_STEPS = 3  # eager steps before a capture: cuDNN and cuBLAS choose kernels and allocate workspaces on first use


class _Steps:
    """One SGD step per call on the examples at `idx`: eagerly, or by replaying a captured graph.

    The order of steps is the protocol's either way; a graph only changes who launches the kernels.
    """

    def __init__(self, net: nn.Module, X: torch.Tensor, y: torch.Tensor, optimizer: torch.optim.Optimizer,
                 layout: torch.memory_format, batch_size: int, graph: "_Graph | None") -> None:
        self.net, self.X, self.y, self.optimizer, self.layout = net, X, y, optimizer, layout
        self.batch_size, self.graph = batch_size, graph
        self.loss_fn = nn.CrossEntropyLoss()
        self.loss_sum = torch.zeros((), device=X.device)
        self.correct = torch.zeros((), device=X.device, dtype=torch.int64)
        self.eager_steps = self.replays = 0
        self.static_idx: torch.Tensor | None = None  # set once a capture has succeeded: the graph's input
        self.note = ""

    def eager(self, idx: torch.Tensor) -> None:
        xb = self.X.index_select(0, idx).contiguous(memory_format=self.layout)
        yb = self.y.index_select(0, idx)
        logits = self.net(xb)
        loss = self.loss_fn(logits, yb)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        with torch.no_grad():
            self.loss_sum += loss.detach() * yb.shape[0]
            self.correct += (logits.argmax(dim=1) == yb).sum()

    def __call__(self, idx: torch.Tensor) -> None:
        if self.graph is None or idx.shape[0] != self.batch_size:
            self.eager(idx)  # no graph asked for, or the last partial batch
        elif self.static_idx is not None:
            self.static_idx.copy_(idx)
            self.graph.replay()
            self.replays += 1
        elif self.eager_steps < WARMUP_STEPS:
            self.graph.warm(lambda: self.eager(idx))
            self.eager_steps += 1
        else:
            self._capture_then_step(idx)

    def _capture_then_step(self, idx: torch.Tensor) -> None:
        """Record this step (recording runs nothing), then replay it to take the step."""
        static_idx = idx.clone()
        # Gradients are made inside the capture, in the graph's own memory, and refilled by every replay.
        self.optimizer.zero_grad(set_to_none=True)
        try:
            self.graph.capture(lambda: self.eager(static_idx))
        except Exception as exc:  # noqa: BLE001 - any failure means: this net is trained eagerly
            self.graph = None
            first_line = (str(exc).splitlines() or [""])[0][:200]  # some errors carry no message at all
            self.note = f"CUDA graph capture failed ({type(exc).__name__}: {first_line}); trained eagerly"
            self.optimizer.zero_grad(set_to_none=True)
            self.eager(idx)
            return
        self.static_idx = static_idx
        self.graph.replay()
        self.replays += 1


class _Graph:
    """What the loop needs of a CUDA graph: warm-up on a side stream, capture, replay."""

    def __init__(self) -> None:
        self.graph = torch.cuda.CUDAGraph()
        self.stream = torch.cuda.Stream()

    def warm(self, step: Callable[[], None]) -> None:
        # As torch.cuda.graphs' docs require: warm-up iterations run on a side stream.
        self.stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(self.stream):
            step()
        torch.cuda.current_stream().wait_stream(self.stream)

    def capture(self, step: Callable[[], None]) -> None:
        # thread_local: the child's other threads (its message pump) may touch CUDA meanwhile.
        with torch.cuda.graph(self.graph, capture_error_mode="thread_local"):
            step()

    def replay(self) -> None:
        self.graph.replay()


def _graph_backend(device: torch.device) -> _Graph | None:
    """CUDA graphs exist only on CUDA; a seam for the tests, which stand in a graph that replays in Python."""
    return _Graph() if device.type == "cuda" else None


def _fastest_layout(net: nn.Module, example: torch.Tensor, device: torch.device) -> torch.memory_format:
    """channels_last on the CPU (oneDNN's convolutions and pooling run ~1.4x faster on the chapter's small CNN), unless
    the net cannot take it: a forward that calls .view() on a channels_last activation raises, and a
    correct student must not lose points for that. Same net, same choice: grading stays repeatable."""
    if device.type != "cpu":
        return torch.contiguous_format
    was_training = net.training
    net.to(memory_format=torch.channels_last).eval()  # eval: the probe must not move BatchNorm statistics
    try:
        with torch.no_grad():
            net(example.contiguous(memory_format=torch.channels_last))
        return torch.channels_last
    except RuntimeError:
        net.to(memory_format=torch.contiguous_format)
        return torch.contiguous_format
    finally:
        net.train(was_training)


@torch.no_grad()
def predict(net: nn.Module, images: torch.Tensor, device: torch.device | str = "cpu", batch_size: int = 2048) -> torch.Tensor:
    """Logits for uint8 images, in eval mode; the caller, who holds the labels, scores them."""
    device = torch.device(device)
    net.eval()
    X = to_images(images, device)
    return torch.cat([net(X[i:i + batch_size]) for i in range(0, X.shape[0], batch_size)]).cpu()


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    return (logits.argmax(dim=1) == labels).to(torch.float64).mean().item()
