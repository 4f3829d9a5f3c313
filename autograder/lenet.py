"""Grading a LeNet by training it: the trusted parent's half of section 7.6's big test.

The parent loads Fashion-MNIST (trusted, through torchvision), starts a dedicated
sandboxed child (with the GPU when there is one), sends it the training set and the
*test images only*, and gets back test logits and a per-epoch curve. Accuracy is
computed here against labels the child never saw; the threshold and the partial-credit
ladder come from course.yaml. Calibration trains the reference LeNet the same way.
"""

from __future__ import annotations

import dataclasses
import logging
import statistics
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import torch

from autograder import config as course_config
from autograder import data
from autograder.sandboxed import training
from autograder.sandbox import GiB, Limits

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Split:
    images: torch.Tensor  # uint8 (N, 28, 28)
    labels: torch.Tensor  # int64 (N,)


@lru_cache(maxsize=2)
def fashion_mnist(train: bool, root: str) -> Split:
    """The raw split as torchvision stores it (uint8), cached: a class is graded in one process."""
    ds = data.fashion_mnist(train, root=root)
    return Split(ds.data.clone(), ds.targets.to(torch.int64).clone())


def protocol(course: course_config.Course) -> training.Protocol:
    p = course.lenet
    return training.Protocol(seed=p.seed, epochs=p.epochs, batch_size=p.batch_size, lr=p.lr, cuda_graphs=p.cuda_graphs)


def device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


# GPU memory for one student's training. The chapter's LeNet needs well under 1 GiB with the
# dataset on the device; the rest is room for wider variants. With several students on one GPU
# (course grade --all --jobs N), keep N x this below the card's memory.
GPU_MEMORY = 8 * GiB


def training_limits(course: course_config.Course, on_gpu: bool) -> Limits:
    """CPU time scaled to the training budget; on the GPU the address-space limit (which breaks
    CUDA's large virtual reservations) gives way to the parent's resident-memory watchdog."""
    cpu = int(course.time_limits.lenet_seconds * max(torch.get_num_threads(), 1)) + 60
    if on_gpu:
        return Limits(cpu_seconds=cpu, address_space=None, memory_bytes=12 * GiB, gpu_memory_bytes=GPU_MEMORY)
    return Limits(cpu_seconds=cpu, address_space=12 * GiB)


@dataclass
class Trained:
    accuracy: float
    loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0
    device: str = "cpu"
    graphed: bool = False


def score(logits: object, labels: torch.Tensor) -> float:
    """Test accuracy from logits the child sent; anything but an (N, C) float tensor is an error."""
    from autograder import checks

    got = checks.tensor(logits, "LeNet's output on the test images")
    if got.ndim != 2 or got.shape != (labels.shape[0], 10) or not got.is_floating_point():
        raise checks.Mismatch(f"LeNet's output on the {labels.shape[0]} test images has shape {tuple(got.shape)} and dtype "
                              f"{got.dtype}; expected floating-point logits of shape ({labels.shape[0]}, 10)")
    return training.accuracy(got, labels)


def train_student(sub, aid: str, course: course_config.Course,
                  on_epoch: Callable[[dict], None] | None = None, target: str = "LeNet") -> Trained:
    """Train the student's class in its own sandboxed child and score it here."""
    root = str(course.data_path())
    train, test = fashion_mnist(True, root), fashion_mnist(False, root)
    dev = device()
    limits = training_limits(course, dev == "cuda")
    params = {
        "target": target, "protocol": vars(protocol(course)), "device": dev,
        "images": train.images, "labels": train.labels, "test_images": test.images,
        "threads": torch.get_num_threads(), "gpu_memory_bytes": limits.gpu_memory_bytes or 0,
    }
    from tqdm.auto import tqdm

    # disable=None: a bar on a terminal, silence in CI logs and under pytest.
    with tqdm(total=params["protocol"]["epochs"], desc=f"training {target} on {dev}", unit="epoch",
              disable=None, leave=False) as bar:
        def progress(event: dict) -> None:
            bar.update(1)
            bar.set_postfix(loss=f"{event.get('loss', float('nan')):.3f}", acc=f"{event.get('train_accuracy', 0):.3f}")
            if on_epoch is not None:
                on_epoch(event)

        with sub.dedicated_child(limits, gpu=dev == "cuda"):
            report = sub.probe(aid, "train", params, described=f"training {target}() with the grader's protocol",
                               timeout=course.time_limits.lenet_seconds, on_event=progress)
    if not report.get("is_module"):
        from autograder import checks

        raise checks.Mismatch(f"{target}() is a {report.get('type')}, not an nn.Module")
    used = report.get("device") if report.get("device") in ("cpu", "cuda") else dev
    if report.get("device_note"):
        log.warning("LeNet training: %s", report["device_note"])
    return Trained(score(report["logits"], test.labels), [float(v) for v in report.get("loss", [])],
                   [float(v) for v in report.get("train_accuracy", [])], float(report.get("seconds", 0.0)), used,
                   report.get("graphed") is True)


def plot_curve(trained: Trained, path: Path, title: str = "LeNet on Fashion-MNIST") -> Path:
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
        LeNet must never miss it by the luck of its seed."""
        return max(0.0, int((min(self.accuracies) - self.margin) * 100) / 100)

    def summary(self) -> str:
        acc = sorted(self.accuracies)
        return (f"reference LeNet, {len(acc)} seed(s) on {self.device}: accuracy min {acc[0]:.4f}, "
                f"median {statistics.median(acc):.4f}, max {acc[-1]:.4f}; "
                f"training {statistics.median(self.seconds):.1f} s per run (median)\n"
                f"recommended threshold: {self.recommended:.2f} (worst run minus a margin of {self.margin:.2f})")


def reference_class(course: course_config.Course):
    """The instructor's LeNet from solutions/, loaded in this (trusted) process."""
    from autograder import oracles

    aid = next(a.id for a in course.assignments if a.notebook_stem == "lenet")
    return oracles.reference(aid, "LeNet")


def calibrate(course: course_config.Course, seeds: int, margin: float = 0.03,
              on_run: Callable[[int, float], None] | None = None) -> Calibration:
    root = str(course.data_path())
    train, test = fashion_mnist(True, root), fashion_mnist(False, root)
    base, dev, cls = protocol(course), device(), reference_class(course)
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
