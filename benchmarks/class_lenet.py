"""Class scale: how many students' LeNets the grader trains per minute on one machine.

Builds N copies of a correct LeNet submission and grades only the training test of each
(sandboxed child per student, the course's protocol, the GPU when there is one), `--jobs`
students at a time, each in its own sandboxed process sharing the device.

    python benchmarks/class_lenet.py [--students 32] [--jobs 2] [--epochs 10] [--no-baseline]
                                     [--baseline-students K] [--cuda-graphs]

The baseline, measured in the same run, grades the same class one student at a time (the
first K students only, with --baseline-students, where a whole class one by one would not
fit in the time a GPU machine is lent; students per minute stay comparable).

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


def _train_one(folder: str, epochs: int, threads: int, graphs: bool | None) -> tuple[float, float]:
    import torch

    from autograder import config
    from autograder.grading import trained as lenet
    from autograder.grading.submission import Submission

    torch.set_num_threads(threads)  # the training child takes the same: the students share the cores
    course = config.load()
    update = {"epochs": epochs} if graphs is None else {"epochs": epochs, "cuda_graphs": graphs}
    course = course.with_training(AID, **update)
    start = time.perf_counter()
    with Submission(Path(folder), course) as sub:
        trained = lenet.train_student(sub, AID, course)
    return time.perf_counter() - start, trained.accuracy


def _grade_class(folders: list[str], jobs: int, epochs: int, graphs: bool | None) -> tuple[float, list[tuple[float, float]]]:
    from autograder.term.classroom import worker_threads

    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        threads = worker_threads(jobs)
        n = len(folders)
        runs = list(pool.map(_train_one, folders, [epochs] * n, [threads] * n, [graphs] * n))
    return time.perf_counter() - start, runs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=32)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--epochs", type=int, default=None, help="default: course.yaml's protocol")
    parser.add_argument("--no-baseline", action="store_true", help="skip the one-student-at-a-time baseline")
    parser.add_argument("--baseline-students", type=int, default=None, help="grade only this many in the baseline")
    parser.add_argument("--cuda-graphs", action="store_true", help="replay training steps as CUDA graphs (GPU only)")
    args = parser.parse_args()

    import torch

    from autograder import config
    from autograder.grading import trained as lenet
    from corpus.build import write_submission

    course = config.load()
    epochs = args.epochs or course.assignment(AID).training.epochs
    # The baseline, in the same run: the same class graded one student at a time.
    settings = ([] if args.no_baseline or args.jobs == 1 else [1]) + [args.jobs]
    rows = []
    with tempfile.TemporaryDirectory(prefix="class-lenet-") as tmp:
        folders = []
        for i in range(args.students):
            folder = Path(tmp) / f"student{i:03d}"
            write_submission(folder, course, AID)
            folders.append(str(folder))
        graphs = True if args.cuda_graphs else None  # None: course.yaml decides
        for jobs in settings:
            some = folders[:args.baseline_students] if jobs == 1 and args.baseline_students else folders
            wall, runs = _grade_class(some, jobs, epochs, graphs)
            rows.append((len(some), jobs, wall, [r[0] for r in runs], [r[1] for r in runs]))
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"cpu ({platform.processor() or platform.machine()})"
    print(f"Machine: {platform.node()} — {os.cpu_count()} cores, device {device}, torch {torch.__version__}")
    print(f"{args.students} submissions, {epochs} epoch(s) each on {lenet.device()}"
          f"{' with CUDA graphs' if args.cuda_graphs and lenet.device() == 'cuda' else ''}, sandbox start-up, notebook load and data transfer included")
    print()
    print("| students | jobs | epochs | wall s | students/min | per student s (median) | accuracy min-max |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    for students, jobs, wall, per, accs in rows:
        print(f"| {students} | {jobs} | {epochs} | {wall:.1f} | {students / wall * 60:.1f} | "
              f"{statistics.median(per):.1f} | {min(accs):.4f}-{max(accs):.4f} |")
    if len(rows) == 2:
        rate = [students / wall for students, _, wall, _, _ in rows]
        print(f"\nSpeed-up of {args.jobs} at a time over one at a time: {rate[1] / rate[0]:.2f}x (students per minute)")


if __name__ == "__main__":
    main()
