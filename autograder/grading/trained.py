"""Grading a network by training it: the trusted parent's half of a training test.

An assignment with a `training:` section in course.yaml names the class the student writes
(`target`); the reference solution's class of that name is the architecture the grader judges
the trained weights with. Its hidden test calls `train_student` and scores the accuracy with the
protocol's threshold and partial-credit ladder.

The child is hostile, so the parent decides from numbers it can check:

1. The parent builds the assignment's reference architecture (the notebook fixes it
   exactly) at the protocol's starting point and sends those initial weights with the
   training set. Test images and labels never enter a sandbox.
2. The child loads the weights into the student's net (matched by shape), trains it with
   the grader's loop, and sends back the trained parameters and the net's answers on a
   check batch the parent chose.
3. The parent loads the parameters into its own reference net and measures test accuracy
   there: no lookup table, eval-mode trick or patched loop in the child can reach it.
   It also requires that the student's net answered like the reference with those weights
   (logits in training and in eval mode, loss gradients), and that the weights are a
   training run from its initial weights (close to them in direction, as SGD leaves them;
   weights trained elsewhere, from another start, are not).

What the child reports about itself (loss curve, device) feeds the plot and notes only.
Calibration trains the reference network the same way, in the parent.
"""

from __future__ import annotations

import dataclasses
import logging
import statistics
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import torch

from autograder import config as course_config, data
from autograder.runtime.sandboxed import training
from autograder.runtime.sandbox import GiB, Limits

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Split:
    images: torch.Tensor  # uint8 (N, 28, 28)
    labels: torch.Tensor  # int64 (N,)


@lru_cache(maxsize=2)
def fashion_mnist(train: bool, root: str) -> Split:
    """The raw split as torchvision stores it (uint8), cached: a class is graded in one process.

    Never downloads: missing data raises data.DataUnavailable (a GraderUnavailable) here, in the
    parent, before any child starts, and the test becomes a grader error, not the student's zero."""
    ds = data.fashion_mnist(train, root=root, download=False)
    return Split(ds.data.clone(), ds.targets.to(torch.int64).clone())


def spec(course: course_config.Course, aid: str) -> course_config.TrainingProtocol:
    """The assignment's training section (course.yaml); an assignment without one has no training test."""
    p = course.assignment(aid).training
    if p is None:
        raise course_config.CourseConfigError(f"course.yaml: assignment {aid} has a training test but no training: section")
    return p


def protocol(course: course_config.Course, aid: str) -> training.Protocol:
    p = spec(course, aid)
    return training.Protocol(seed=p.seed, epochs=p.epochs, batch_size=p.batch_size, lr=p.lr, cuda_graphs=p.cuda_graphs)


def device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def training_limits(course: course_config.Course, on_gpu: bool) -> Limits:
    """The training child's limits: course.yaml's `limits:`, with `training_memory_gib` for the whole
    sandbox (the dataset, torch and the student's net; its control group holds it, or the watchdog
    where there is none), as many cores as this worker's torch threads (term.worker_threads), and
    CPU time scaled to the training budget. On the GPU the address-space limit, which breaks CUDA's
    large virtual reservations, is off: the control group covers host memory there."""
    base = Limits.from_course(course)
    threads = max(torch.get_num_threads(), 1)
    memory = int(course.limits.training_memory_gib * GiB)
    limits = dataclasses.replace(base, cpu_seconds=int(course.time_limits.training_seconds * threads) + 60,
                                 memory_bytes=memory, cpus=max(base.cpus, threads))
    if on_gpu:
        return dataclasses.replace(limits, address_space=None, gpu_memory_bytes=int(course.limits.gpu_memory_gib * GiB))
    return dataclasses.replace(limits, address_space=max(12 * GiB, 2 * memory))


@dataclass
class Trained:
    accuracy: float
    loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0
    device: str = "cpu"
    graphed: bool = False


# Trained weights that began at the grader's start keep pointing roughly where they started: the
# chapter's reference network, large weight tensors together, has cosine similarity about 0.98 with its start after
# 1 epoch and about 0.67 after 10 (2-core CPU, seed 0). Weights trained from any other start are
# unrelated to it: |cosine| < 0.05 in the same runs. 0.25 leaves room for longer protocols.
MIN_COSINE_TO_START = 0.25
LARGE = 1000  # entries: small tensors (the first conv, biases) move too far to tell anything
# How closely the student's net must answer like the reference with the same weights: loose enough
# for a GPU's TF32 arithmetic and for other orders of the same operations, far below any real difference.
ANSWER_TOLERANCE = 1e-2
CHECK_BATCH = 64


def check_batch(split: Split, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Training images and noise, chosen by the parent, on which the student's net must answer like the reference."""
    g = torch.Generator().manual_seed(seed + 7919)
    idx = torch.randperm(split.images.shape[0], generator=g)[: CHECK_BATCH * 3 // 4]
    noise = torch.rand(CHECK_BATCH - idx.numel(), 1, 28, 28, generator=g)
    images = torch.cat([training.to_images(split.images[idx], "cpu"), noise])
    labels = torch.cat([split.labels[idx], torch.randint(0, 10, (noise.shape[0],), generator=g)])
    return images, labels


def _close(got: object, want: torch.Tensor) -> bool:
    if not (isinstance(got, torch.Tensor) and type(got) is torch.Tensor and got.shape == want.shape
            and got.is_floating_point() and bool(torch.isfinite(got).all())):
        return False
    diff = (got.double() - want.double()).norm()
    return bool(diff <= ANSWER_TOLERANCE * want.double().norm() + 1e-6)


def trained_reference(report: dict, factory: Callable[[], torch.nn.Module], start: torch.nn.Module,
                      check: tuple[torch.Tensor, torch.Tensor], what: str) -> torch.nn.Module:
    """The reference net carrying the child's trained weights, once they pass every check; else Mismatch."""
    from autograder.grading import checks

    pairs = report.get("params")
    if not isinstance(pairs, list) or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in pairs):
        raise checks.Mismatch(f"{what}: the trained parameters did not come back")
    names = [str(n) for n, _ in pairs]
    tensors = [t for _, t in pairs]
    reference = list(start.parameters())
    if not all(isinstance(t, torch.Tensor) and type(t) is torch.Tensor and t.is_floating_point() for t in tensors):
        raise checks.Mismatch(f"{what}: a trained parameter did not come back as a tensor")
    try:
        plan = training.match_by_shape([tuple(p.shape) for p in reference], [tuple(t.shape) for t in tensors])
    except ValueError:
        theirs = ", ".join(f"{n} {tuple(t.shape)}" for n, t in zip(names, tensors)) or "none"
        raise checks.Mismatch(f"{what}: the net's parameters ({theirs}) are not the reference network's "
                              f"({', '.join(str(tuple(p.shape)) for p in reference)})") from None
    net = factory()
    training.materialize(net, check[0][:2])
    ordered = [None] * len(reference)
    for t, i in zip(tensors, plan):
        ordered[i] = t.to(torch.float32)
    with torch.no_grad():
        for p, t in zip(net.parameters(), ordered):
            p.copy_(t)
    _from_start(start, ordered, what)
    _answers_like_reference(report.get("check"), net, names, plan, check, what)
    return net


def _from_start(start: torch.nn.Module, trained: list[torch.Tensor], what: str) -> None:
    from autograder.grading import checks

    before = [p.detach().flatten() for p in start.parameters() if p.numel() >= LARGE]
    after = [t.flatten() for p, t in zip(start.parameters(), trained) if p.numel() >= LARGE]
    if not before:
        return
    a, b = torch.cat(before).double(), torch.cat(after).double()
    cosine = float(torch.nn.functional.cosine_similarity(a, b, dim=0))
    if not cosine >= MIN_COSINE_TO_START:
        raise checks.Mismatch(f"{what}: the weights that came back are not a training run from the grader's initial "
                              f"weights (their direction has cosine similarity {cosine:.2f} with the start; training "
                              f"keeps above {MIN_COSINE_TO_START}). Weights loaded or trained elsewhere earn nothing here.")


def _answers_like_reference(answers: object, net: torch.nn.Module, names: list[str], plan: list[int],
                            check: tuple[torch.Tensor, torch.Tensor], what: str) -> None:
    from autograder.grading import checks

    if not isinstance(answers, dict):
        raise checks.Mismatch(f"{what}: the net's answers on the check images did not come back")
    images, labels = check
    want = training.answers(net, images, labels)  # the same computation the child ran, on the reference
    logits, eval_logits, grads = want["train"], want["eval"], want["grads"]
    if not _close(answers.get("train"), logits):
        raise checks.Mismatch(f"{what}: in training mode, the net's output on {images.shape[0]} check images differs "
                              "from the reference network with the same weights")
    if not _close(answers.get("eval"), eval_logits):
        raise checks.Mismatch(f"{what}: in eval mode, the net's output on {images.shape[0]} check images differs from "
                              "the reference network with the same weights (a net must not change its answers in eval mode)")
    theirs = answers.get("grads")
    if not isinstance(theirs, list) or len(theirs) != len(plan):
        raise checks.Mismatch(f"{what}: the net's gradients on the check images did not come back")
    for name, g, i in zip(names, theirs, plan):
        if not _close(g, grads[i]):
            raise checks.Mismatch(f"{what}: the gradient of the loss with respect to {name} differs from the reference "
                                  "network with the same weights: the net does not learn as the reference does")


def train_student(sub, aid: str, course: course_config.Course,
                  on_epoch: Callable[[dict], None] | None = None) -> Trained:
    """Train the student's class (the protocol's `target`) in its own sandboxed child; judge the weights here."""
    from autograder.grading import oracles

    target = spec(course, aid).target
    root = str(course.data_path())
    train, test = fashion_mnist(True, root), fashion_mnist(False, root)
    dev = device()
    limits = training_limits(course, dev == "cuda")
    proto = protocol(course, aid)
    factory = oracles.reference(course, aid, target)
    start = training.start(factory, proto, train.images)
    check = check_batch(train, proto.seed)
    params = {
        "target": target, "protocol": vars(proto), "device": dev,
        "images": train.images, "labels": train.labels,
        "initial": [p.detach().clone() for p in start.parameters()],
        "check_images": check[0], "check_labels": check[1],
        "threads": torch.get_num_threads(), "gpu_memory_bytes": limits.gpu_memory_bytes or 0,
    }
    from tqdm.auto import tqdm

    what = f"training {target}() with the grader's protocol"
    # disable=None: a bar on a terminal, silence in CI logs and under pytest.
    with tqdm(total=proto.epochs, desc=f"training {target} on {dev}", unit="epoch", disable=None, leave=False) as bar:
        def progress(event: dict) -> None:
            bar.update(1)
            if on_epoch is not None:
                on_epoch(event)

        began = time.monotonic()
        with sub.dedicated_child(limits, gpu=dev == "cuda"):
            report = sub.probe(aid, "train", params, described=what, timeout=course.time_limits.training_seconds,
                               on_event=progress, max_events=proto.epochs)
        seconds = time.monotonic() - began
    if not report.get("is_module"):
        from autograder.grading import checks

        raise checks.Mismatch(f"{target}() is a {report.get('type')}, not an nn.Module")
    net = trained_reference(report, factory, start, check, what)
    used = report.get("device") if report.get("device") in ("cpu", "cuda") else dev
    if report.get("device_note"):
        log.warning("training %s: %s", target, str(report["device_note"])[:300])
    accuracy = training.accuracy(training.predict(net, test.images, "cpu"), test.labels)
    return Trained(accuracy, _curve(report.get("loss"), proto.epochs), _curve(report.get("train_accuracy"), proto.epochs),
                   seconds, used, report.get("graphed") is True)


def _curve(values: object, epochs: int) -> list[float]:
    """The child's own per-epoch figures, for the plot only: numbers, at most one per epoch."""
    if not isinstance(values, list):
        return []
    return [float(v) for v in values[:epochs] if type(v) in (int, float)]


def plot_curve(trained: Trained, path: Path, title: str = "training on Fashion-MNIST") -> Path:
    """The student's training curve (loss and train accuracy per epoch, test accuracy marked)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = list(range(1, len(trained.loss) + 1))
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=100)
    ax.plot(epochs, trained.loss, "o-", label="train loss")
    ax.plot(epochs, trained.train_accuracy, "s-", label="train acc")
    if epochs:
        ax.plot([epochs[-1]], [trained.accuracy], "r*", markersize=12, label=f"test acc {trained.accuracy:.3f}")
    ax.set_xlabel("epoch")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


# ------------------------------------------------------------------------ calibration
@dataclass
class Calibration:
    accuracies: list[float]
    device: str
    seconds: list[float]
    margin: float

    @property
    def recommended(self) -> float:
        """Below the worst reference run by the margin, rounded down to a hundredth: a correct
        network must never miss it by the luck of its seed."""
        return max(0.0, int((min(self.accuracies) - self.margin) * 100) / 100)

    def summary(self) -> str:
        acc = sorted(self.accuracies)
        return (f"reference network, {len(acc)} seed(s) on {self.device}: accuracy min {acc[0]:.4f}, "
                f"median {statistics.median(acc):.4f}, max {acc[-1]:.4f}; "
                f"training {statistics.median(self.seconds):.1f} s per run (median)\n"
                f"recommended threshold: {self.recommended:.2f} (worst run minus a margin of {self.margin:.2f})")


def reference_class(course: course_config.Course, aid: str):
    """The instructor's network (the protocol's target) from solutions/, loaded in this (trusted) process."""
    from autograder.grading import oracles

    return oracles.reference(course, aid, spec(course, aid).target)


def calibrate(course: course_config.Course, aid: str, seeds: int, margin: float = 0.03,
              on_run: Callable[[int, float], None] | None = None) -> Calibration:
    root = str(course.data_path())
    train, test = fashion_mnist(True, root), fashion_mnist(False, root)
    base, dev, cls = protocol(course, aid), device(), reference_class(course, aid)
    accs, secs = [], []
    for seed in range(seeds):
        p = dataclasses.replace(base, seed=base.seed + seed)
        torch.manual_seed(p.seed)
        net = cls()
        hist = training.fit(net, train.images, train.labels, p, dev)
        accs.append(training.accuracy(training.predict(net, test.images, dev), test.labels))
        secs.append(hist.seconds)
        if on_run is not None:
            on_run(seed, accs[-1])
    return Calibration(accs, dev, secs, margin)
