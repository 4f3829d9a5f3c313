"""A correct submission graded alone, then beside a greedy one (two sandboxes at once, as
`course grade --all --jobs 2` runs them): the time it takes each way, interleaved.

    python benchmarks/neighbours.py [--repeat 3]

The greedy neighbour (tests/corpus/neighbours/) keeps 8 threads busy, holds 600 MiB, fills its
/tmp, and never returns from a call. Goal (issue 12): the correct one takes at most 1.5x its time alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from autograder import config  # noqa: E402
from corpus.build import CORPUS, write_submission  # noqa: E402


def grade(folder: Path) -> subprocess.Popen:
    out = folder.parent / f"{folder.name}.json"
    return subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", str(folder), "--results", str(out),
                             "--no-train", "-q"], cwd=ROOT, env=dict(os.environ),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    course = config.load(ROOT / "course.yaml")
    work = Path(tempfile.mkdtemp())
    good, bad = work / "good", work / "bad"
    write_submission(good, course, "02_convolutions")
    write_submission(bad, course, "02_convolutions", {"corr2d": (CORPUS / "neighbours" / "corr2d__greedy_neighbour.py").read_text()})
    alone, beside = [], []
    for _ in range(args.repeat):
        start = time.monotonic()
        grade(good).wait()
        alone.append(time.monotonic() - start)
        greedy = grade(bad)
        time.sleep(2)  # the neighbour gets going first
        start = time.monotonic()
        grade(good).wait()
        beside.append(time.monotonic() - start)
        greedy.kill()  # its sandbox dies with it; only the correct one's time matters here
        greedy.wait()
    print("| correct submission (02_convolutions) | median s | min s | max s | runs |")
    print("|---|---:|---:|---:|---:|")
    for label, t in (("alone", alone), ("beside the greedy neighbour", beside)):
        print(f"| {label} | {statistics.median(t):.2f} | {min(t):.2f} | {max(t):.2f} | {len(t)} |")
    print(f"\nratio of medians: {statistics.median(beside) / statistics.median(alone):.2f}x (goal: at most 1.5x)")


if __name__ == "__main__":
    main()
