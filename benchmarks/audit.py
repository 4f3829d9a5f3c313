"""`course audit`'s cost per mutant: one loaded notebook with the stub swapped (the audit's
way) against grading each mutant as a fresh submission (a new sandbox, the notebook loaded
again, every test of the assignment), on the same mutants, in the same run.

    python benchmarks/audit.py [--stubs corr2d pool2d] [--per-stub 8]

The whole chapter's time is `course audit --jobs 2` itself (it prints it); see BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("COURSE_DATA_ROOT", str(ROOT.parent / "shared" / "data"))

from autograder import config
from autograder.grading import grade  # noqa: E402
from autograder.authoring.audit import runner, session  # noqa: E402
from corpus.build import write_submission  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stubs", nargs="+", default=["corr2d", "pool2d"])
    ap.add_argument("--per-stub", type=int, default=8)
    args = ap.parse_args()
    course = config.load(ROOT / "course.yaml")
    work = session.plan(course, stubs=args.stubs, max_mutants=args.per_stub)
    n = sum(len(m) for _, _, m in work)
    print(f"{n} mutants of {', '.join(args.stubs)}; load average {os.getloadavg()[0]:.2f}")

    start = time.monotonic()
    bench = runner.Workbench(course)
    try:
        for aid, _, mutants in work:
            for m in mutants:
                bench.judge(aid, m)
    finally:
        bench.close()
    swapped = time.monotonic() - start

    start = time.monotonic()
    for aid, stub, mutants in work:
        for m in mutants:
            with tempfile.TemporaryDirectory() as d:
                write_submission(Path(d), course, aid, {stub: m.source})
                grade.grade(Path(d), course, only=[aid], train=False)
    fresh = time.monotonic() - start

    print(f"audit (one sandbox, stub swapped, three judges): {swapped:7.1f} s  {swapped / n:5.2f} s/mutant")
    print(f"fresh submission per mutant (grade.grade):       {fresh:7.1f} s  {fresh / n:5.2f} s/mutant")
    print(f"speed-up {fresh / swapped:.1f}x; load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
