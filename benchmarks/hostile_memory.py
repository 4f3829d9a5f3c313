"""The grader's own peak memory and the time per submission on hostile submissions.

Grades each hostile corr2d cell in tests/corpus/hostile/ (one submission each, 02_convolutions,
the test suite's short limits), one after another in this one process, after a clean submission
as the baseline, and prints the grader's peak resident memory (VmHWM) after each, and the time.

    python benchmarks/hostile_memory.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from autograder import config
from autograder.grading import grade  # noqa: E402
from corpus.build import corpus_files, write_submission  # noqa: E402
from sandbox_util import fast_course  # noqa: E402


def peak_mib() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    course = fast_course(config.load(ROOT / "course.yaml"))
    files = [p for p in corpus_files("hostile") if args.only is None or p.stem.split("__")[1] in args.only]
    print("| submission | grading s | score | grader peak RSS MiB |")
    print("|---|---:|---:|---:|")
    for label, source in [("clean (reference corr2d)", None)] + [(p.stem.split("__")[1], p.read_text()) for p in files]:
        with tempfile.TemporaryDirectory() as folder:
            write_submission(Path(folder), course, "02_convolutions", {"corr2d": source} if source else {})
            start = time.monotonic()
            result = grade.grade(Path(folder), course, only=["02_convolutions"], train=False)
            print(f"| {label} | {time.monotonic() - start:.1f} | {result.score:g}/{result.max_score:g} | {peak_mib():.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
