"""LeNet training speed: the chapter's textbook loop against the grader's loop, in one run.

Both train the chapter's LeNet-5 with the same protocol (course.yaml's `lenet:`: Xavier
init, SGD, lr, batch size, epochs, full 60k/10k Fashion-MNIST) on the same device.

- textbook: torchvision dataset + DataLoader, `.to(device)` per batch and a per-batch
  accuracy sync, test accuracy after every epoch, as the chapter's `train_ch6` does;
- grader: autograder.runtime.sandboxed.training.fit (dataset on the device as one tensor, no per-batch
  sync), then one prediction pass over the test set;
- on a GPU, also the grader's loop with each step replayed as a CUDA graph
  (the training section's `cuda_graphs`), whatever course.yaml says, so both are measured.

    python benchmarks/lenet_training.py [--epochs 10] [--device cpu|cuda] [--repeat 3]

Prints examples/s for each loop, their ratio and the test accuracies, as Markdown.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder import config as course_config  # noqa: E402
from autograder import data
from autograder.grading import content  # noqa: E402
from autograder.grading import trained as lenet  # noqa: E402
from autograder.runtime.sandboxed import training  # noqa: E402

AID = "06_lenet"
ChapterLeNet = content.module(course_config.load(), AID, "oracles").ChapterLeNet


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def textbook(protocol: training.Protocol, device: torch.device, root: Path) -> tuple[float, float]:
    """The chapter's train_ch6, in substance; returns (training seconds, final test accuracy)."""
    torch.manual_seed(protocol.seed)
    train_iter, test_iter = data.loaders(protocol.batch_size, root=root, download=False)
    net = ChapterLeNet()
    net.apply(training.xavier_init)
    net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=protocol.lr)
    loss = nn.CrossEntropyLoss()

    def accuracy(y_hat, y) -> float:  # the chapter's d2l.accuracy: a host sync per batch
        return float((y_hat.argmax(axis=1).type(y.dtype) == y).type(y.dtype).sum())

    _sync(device)
    start = time.perf_counter()
    test_acc = 0.0
    for _ in range(protocol.epochs):
        net.train()
        metric = [0.0, 0.0, 0]
        for X, y in train_iter:
            optimizer.zero_grad()
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            optimizer.step()
            with torch.no_grad():
                metric[0] += float(l) * X.shape[0]
                metric[1] += accuracy(y_hat, y)
                metric[2] += X.shape[0]
        net.eval()
        correct = total = 0
        with torch.no_grad():
            for X, y in test_iter:
                X, y = X.to(device), y.to(device)
                correct += accuracy(net(X), y)
                total += y.numel()
        test_acc = correct / total
    _sync(device)
    return time.perf_counter() - start, test_acc


def grader(protocol: training.Protocol, device: torch.device, root: Path) -> tuple[float, float, float, bool]:
    """Returns (training seconds, seconds including data to device and prediction, test accuracy, graphed)."""
    train, test = lenet.fashion_mnist(True, str(root)), lenet.fashion_mnist(False, str(root))
    torch.manual_seed(protocol.seed)
    net = ChapterLeNet()
    _sync(device)
    start = time.perf_counter()
    hist = training.fit(net, train.images, train.labels, protocol, device)
    acc = training.accuracy(training.predict(net, test.images, device), test.labels)
    _sync(device)
    if protocol.cuda_graphs and not hist.graphed:
        print(f"warning: CUDA graphs asked for but not used: {hist.note}", file=sys.stderr)
    return hist.seconds, time.perf_counter() - start, acc, hist.graphed


def main() -> None:
    course = course_config.load()
    base = lenet.protocol(course, AID)
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=base.epochs)
    parser.add_argument("--device", default=lenet.device())
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--repeat", type=int, default=3, help="runs of each loop, interleaved; medians are reported")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    protocol = training.Protocol(seed=base.seed, epochs=args.epochs, batch_size=base.batch_size, lr=base.lr)
    device, root = torch.device(args.device), course.data_path()
    n = 60000 * protocol.epochs
    graphed = dataclasses.replace(protocol, cuda_graphs=True) if device.type == "cuda" else None

    # Interleaved, so that a noisy neighbour on a shared machine slows every loop alike.
    g_runs, t_runs, c_runs = [], [], []
    for _ in range(args.repeat):
        g_runs.append(grader(protocol, device, root))
        t_runs.append(textbook(protocol, device, root))
        if graphed is not None:
            c_runs.append(grader(graphed, device, root))
    g_train = statistics.median(r[0] for r in g_runs)
    g_total = statistics.median(r[1] for r in g_runs)
    t_train = statistics.median(r[0] for r in t_runs)
    g_acc, t_acc = g_runs[-1][2], t_runs[-1][1]
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else (platform.processor() or platform.machine())
    print(f"Machine: {platform.node()} — {os.cpu_count()} cores, device {device.type} ({name}), "
          f"torch {torch.__version__}, {args.threads} thread(s)")
    print(f"Protocol: {protocol.epochs} epochs x 60,000 images, batch {protocol.batch_size}, lr {protocol.lr}, seed {protocol.seed}; "
          f"{args.repeat} run(s) of each loop, interleaved")
    print()

    def spread(values) -> str:
        values = list(values)
        return f"{min(values):.2f}-{max(values):.2f}"

    print("| loop | training s (median) | min-max s | examples/s | test accuracy |")
    print("|---|---:|---:|---:|---:|")
    print(f"| textbook (DataLoader, per-batch sync, test each epoch) | {t_train:.2f} | {spread(r[0] for r in t_runs)} | "
          f"{n / t_train:,.0f} | {t_acc:.4f} |")
    print(f"| grader (data on device, no per-batch sync) | {g_train:.2f} | {spread(r[0] for r in g_runs)} | "
          f"{n / g_train:,.0f} | {g_acc:.4f} |")
    print(f"| grader, incl. data to device and test prediction | {g_total:.2f} | {spread(r[1] for r in g_runs)} | "
          f"{n / g_total:,.0f} | |")
    if c_runs:
        c_train, c_total = statistics.median(r[0] for r in c_runs), statistics.median(r[1] for r in c_runs)
        print(f"| grader + CUDA graphs | {c_train:.2f} | {spread(r[0] for r in c_runs)} | {n / c_train:,.0f} | "
              f"{c_runs[-1][2]:.4f} |")
        print(f"| grader + CUDA graphs, incl. data to device and test prediction | {c_total:.2f} | "
              f"{spread(r[1] for r in c_runs)} | {n / c_total:,.0f} | |")
    print()
    print(f"Speed-up of the grader's loop over the textbook loop: {t_train / g_train:.2f}x (medians)")
    if c_runs:
        print(f"Speed-up with CUDA graphs over the textbook loop: {t_train / c_train:.2f}x; "
              f"graphs replayed in {sum(r[3] for r in c_runs)}/{len(c_runs)} run(s)")


if __name__ == "__main__":
    main()
