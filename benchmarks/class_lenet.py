"""Class scale: how many students' LeNets the grader trains per minute on one machine.

Builds N copies of a correct LeNet submission and grades only the training test of each
(sandboxed child per student, the course's protocol, the GPU when there is one), `--jobs`
students at a time, each in its own sandboxed process sharing the device.

    python benchmarks/class_lenet.py [--students 32] [--jobs 2] [--epochs 10]

On the 2-core CPU, use --epochs 1 to keep the run short; the figure printed says which.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

AID = "06_lenet"


def _train_one(folder: str, epochs: int) -> tuple[float, float]:
    import torch

    from autograder import config, lenet
    from autograder.submission import Submission

    torch.set_num_threads(1)  # the students share the cores
    course = config.default_course()
    course = course.model_copy(update={"lenet": course.lenet.model_copy(update={"epochs": epochs})})
    start = time.perf_counter()
    with Submission(Path(folder), course) as sub:
        trained = lenet.train_student(sub, AID, course)
    return time.perf_counter() - start, trained.accuracy


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=32)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--epochs", type=int, default=None, help="default: course.yaml's protocol")
    args = parser.parse_args()

    import torch

    from autograder import config, lenet
    from corpus.build import write_submission

    course = config.default_course()
    epochs = args.epochs or course.lenet.epochs
    with tempfile.TemporaryDirectory(prefix="class-lenet-") as tmp:
        folders = []
        for i in range(args.students):
            folder = Path(tmp) / f"student{i:03d}"
            write_submission(folder, course, AID)
            folders.append(str(folder))
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=args.jobs, mp_context=get_context("spawn")) as pool:
            runs = list(pool.map(_train_one, folders, [epochs] * len(folders)))
        wall = time.perf_counter() - start
    per, accs = [r[0] for r in runs], [r[1] for r in runs]
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"cpu ({platform.processor() or platform.machine()})"
    print(f"Machine: {platform.node()} — {os.cpu_count()} cores, device {device}, torch {torch.__version__}")
    print(f"{args.students} submissions, {args.jobs} at a time, {epochs} epoch(s) each on {lenet.device()}, "
          f"sandbox start-up, notebook load and data transfer included")
    print()
    print("| students | jobs | epochs | wall s | students/min | per student s (median) | accuracy min-max |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    print(f"| {args.students} | {args.jobs} | {epochs} | {wall:.1f} | {args.students / wall * 60:.1f} | "
          f"{statistics.median(per):.1f} | {min(accs):.4f}-{max(accs):.4f} |")


if __name__ == "__main__":
    main()
