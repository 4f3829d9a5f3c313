"""Time the hidden suite for one full submission, process start-up included.

Runs `course grade solutions/` (every section; LeNet training is not part of the hidden
suite) as a fresh process, side by side with the bare cost of starting Python and
importing torch, and the sandbox's own start-up per child in each mode. With `--baseline
REV`, the same command from a checkout of REV (a git worktree) runs interleaved with this
tree's, so both see the same machine load.

    python benchmarks/hidden_suite.py [--repeat 3] [--baseline 2e1bd05]

Prints a Markdown table to paste into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(argv: list[str], env: dict | None = None, cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed


def sandbox_startup(mode: str, repeat: int) -> list[float]:
    sys.path.insert(0, str(ROOT))
    os.environ["COURSE_SANDBOX"] = mode
    from autograder.runtime import sandbox

    sandbox._bwrap_works.cache_clear()
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeat):
            start = time.perf_counter()
            child = sandbox.Child(Path(folder)).start()
            times.append(time.perf_counter() - start)
            child.cleanup()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", help="a git revision to time side by side (interleaved)")
    args = parser.parse_args()
    course = [sys.executable, "-m", "autograder.cli"]
    json_out = Path(tempfile.mkdtemp()) / "results.json"
    grade = [*course, "grade", "solutions", "--results", str(json_out), "-q", "--no-train"]
    env = {**os.environ, "COURSE_SANDBOX": "bwrap"}  # as root, resource limits alone are refused

    torch_only = [timed([sys.executable, "-c", "import torch"]) for _ in range(args.repeat)]
    rows = [("python -c 'import torch' (baseline)", torch_only)]
    trees = [("this tree", ROOT)]
    if args.baseline:
        worktree = Path(tempfile.mkdtemp()) / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", str(worktree), args.baseline], cwd=ROOT, check=True,
                       capture_output=True)
        trees.append((f"baseline {args.baseline}", worktree))
    runs: dict[str, list[float]] = {label: [] for label, _ in trees}
    try:
        for _ in range(args.repeat):
            for label, tree in trees:  # interleaved: a busy moment costs both
                runs[label].append(timed(grade, env=env, cwd=tree))
    finally:
        if args.baseline:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, capture_output=True)
    for label, _ in trees:
        rows.append((f"course grade solutions/ (all sections, bwrap), {label}", runs[label]))
    rows.append(("sandbox start-up per child (bwrap, includes importing torch)", sandbox_startup("bwrap", args.repeat)))

    print(f"Machine: {platform.node()} — {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")
    print()
    print("| what | median s | min s | max s | runs |")
    print("|---|---:|---:|---:|---:|")
    for label, t in rows:
        print(f"| {label} | {statistics.median(t):.2f} | {min(t):.2f} | {max(t):.2f} | {len(t)} |")


if __name__ == "__main__":
    main()
