"""Same submissions, two trees: does every verdict stay the same?

Grades the reference solutions and the example students with this tree and with a baseline
revision (a git worktree), one after the other for each submission, and compares the per-test
scores of every test both trees have. A refactor of the engine must change no verdict. Only the
baseline's assignments are graded, by both trees, so that the times compare like with like.

    python benchmarks/verdicts.py --baseline 328e047

Prints a Markdown summary to paste into BENCHMARKS.md; exits 1 when a verdict differs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ["solutions", *(f"examples/students/{s}" for s in ("alice", "bob", "mallory"))]


def grade(tree: Path, submission: str, out: Path, assignments: list[str]) -> tuple[dict[str, float], float]:
    env = {**os.environ, "COURSE_SANDBOX": "bwrap", "PYTHONPATH": str(tree)}
    argv = [sys.executable, "-m", "autograder.cli", "--course", str(tree / "course.yaml"), "grade",
            str(ROOT / submission), "--results", str(out), "-q", "--no-train",
            *(arg for aid in assignments for arg in ("--assignment", aid))]
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=tree, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if not out.exists():
        raise SystemExit(f"{' '.join(argv)} wrote no results ({proc.returncode}):\n{proc.stderr[-2000:]}")
    tests = json.loads(out.read_text())["tests"]
    return {t["name"]: float(t.get("score", 0)) for t in tests}, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", required=True, help="the git revision to compare with")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp())
    worktree = scratch / "baseline"
    subprocess.run(["git", "worktree", "add", "--detach", str(worktree), args.baseline], cwd=ROOT, check=True,
                   capture_output=True)
    differ = 0
    rows = []
    import yaml

    assignments = [a["id"] for a in yaml.safe_load((worktree / "course.yaml").read_text())["assignments"]]
    try:
        for sub in SUBMISSIONS:
            ours, t_ours = grade(ROOT, sub, scratch / "ours.json", assignments)
            theirs, t_theirs = grade(worktree, sub, scratch / "theirs.json", assignments)
            common = sorted(set(ours) & set(theirs))
            changed = [n for n in common if ours[n] != theirs[n]]
            differ += len(changed)
            rows.append((sub, len(common), len(set(ours) - set(theirs)), changed, sum(ours[n] for n in common),
                         sum(theirs[n] for n in common), t_ours, t_theirs))
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, capture_output=True)
    print(f"Machine: {platform.node()}: {os.cpu_count()} cores, {platform.processor() or platform.machine()}; "
          f"load after: {os.getloadavg()[0]:.2f}; assignments graded: {', '.join(assignments)}")
    print()
    print(f"| submission | tests in both | new tests | points (both trees' tests): this tree / {args.baseline} "
          f"| verdicts that differ | grading s: this tree / {args.baseline} |")
    print("|---|---:|---:|---:|---|---:|")
    for sub, common, new, changed, p_ours, p_theirs, t_ours, t_theirs in rows:
        print(f"| {sub} | {common} | {new} | {p_ours:g} / {p_theirs:g} | {', '.join(changed) or 'none'} "
              f"| {t_ours:.1f} / {t_theirs:.1f} |")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
