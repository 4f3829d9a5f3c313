"""Results for people and machines: Gradescope's results.json and a short score table."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from autograder.grade import SubmissionResult


def gradescope(result: SubmissionResult) -> dict[str, Any]:
    """Gradescope's autograder results format (score, execution_time, output, tests[])."""
    notes = "\n".join(result.notes)
    output = f"Graded {result.score:g} / {result.max_score:g} points in {result.seconds:.1f} s."
    if notes:
        output += "\n\nNotes:\n" + notes
    return {
        "score": round(result.score, 4),
        "execution_time": round(result.seconds, 2),
        "output": output,
        "visibility": "visible",
        "tests": [
            {
                "name": f"{t.assignment}: {t.name}",
                "score": round(t.score, 4),
                "max_score": t.max_score,
                "status": "passed" if t.passed else "failed",
                "output": t.output,
                "visibility": "visible",
                "tags": list(t.stubs),
            }
            for t in result.tests
        ],
    }


def write_results(result: SubmissionResult, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(gradescope(result), indent=2) + "\n")


def table(result: SubmissionResult, title: str | None = None) -> str:
    """One line per assignment, then the total; failing stubs are named."""
    per: dict[str, list] = defaultdict(list)
    for t in result.tests:
        per[t.assignment].append(t)
    width = max([len(a) for a in per] + [10])
    lines = [title or str(result.folder), f"  {'assignment'.ljust(width)}  {'points':>13}  failing stubs"]
    for aid, tests in per.items():
        got, best = sum(t.score for t in tests), sum(t.max_score for t in tests)
        failing = sorted({s for t in tests if not t.passed for s in t.stubs})
        lines.append(f"  {aid.ljust(width)}  {got:>6g} / {best:<4g}  {', '.join(failing) or '-'}")
    lines.append(f"  {'total'.ljust(width)}  {result.score:>6g} / {result.max_score:<4g}  ({result.seconds:.1f} s, sandbox: {result.sandbox or 'n/a'})")
    return "\n".join(lines)
