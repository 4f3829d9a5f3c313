"""Time the hidden suite for one full submission, process start-up included.

Runs `course grade solutions/` (every section; LeNet training is not part of the hidden
suite) as a fresh process, side by side with the bare cost of starting Python and
importing torch, and the sandbox's own start-up per child in each mode.

    python benchmarks/hidden_suite.py [--repeat 3]

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


def timed(argv: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed


def sandbox_startup(mode: str, repeat: int) -> list[float]:
    sys.path.insert(0, str(ROOT))
    os.environ["COURSE_SANDBOX"] = mode
    from autograder import sandbox

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
    args = parser.parse_args()
    course = [sys.executable, "-m", "autograder.cli"]
    json_out = Path(tempfile.mkdtemp()) / "results.json"

    baseline = [timed([sys.executable, "-c", "import torch"]) for _ in range(args.repeat)]
    rows = [("python -c 'import torch' (baseline)", baseline)]
    for mode in ("bwrap", "rlimits"):
        env = {**os.environ, "COURSE_SANDBOX": mode}
        runs = [timed([*course, "grade", "solutions", "--results", str(json_out), "-q", "--no-train"], env=env) for _ in range(args.repeat)]
        rows.append((f"course grade solutions/ (all 7 sections, sandbox={mode})", runs))
    for mode in ("bwrap", "rlimits"):
        rows.append((f"sandbox start-up per child ({mode}, includes importing torch)", sandbox_startup(mode, args.repeat)))

    print(f"Machine: {platform.node()} — {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")
    print()
    print("| what | median s | min s | max s | runs |")
    print("|---|---:|---:|---:|---:|")
    for label, t in rows:
        print(f"| {label} | {statistics.median(t):.2f} | {min(t):.2f} | {max(t):.2f} | {len(t)} |")


if __name__ == "__main__":
    main()
