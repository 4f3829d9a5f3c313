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


def record(result: SubmissionResult) -> dict[str, Any]:
    """Everything the grader decided, as plain data: the gradebook, feedback and resumed runs read this."""
    return {
        "score": round(result.score, 4),
        "max_score": result.max_score,
        "seconds": round(result.seconds, 2),
        "sandbox": result.sandbox,
        "notes": list(result.notes),
        "tests": [
            {"assignment": t.assignment, "test": t.name, "kind": t.kind, "stubs": list(t.stubs),
             "score": round(t.score, 4), "max_score": t.max_score, "output": t.output,
             "grader_error": t.grader_error, "files": dict(t.files)}
            for t in result.tests
        ],
    }


def write_results(result: SubmissionResult, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(gradescope(result), indent=2) + "\n")


def write_junit(result: SubmissionResult, path: Path) -> None:
    """JUnit XML, one testcase per graded test, for CI dashboards."""
    from xml.etree import ElementTree as ET

    failures = sum(not t.passed for t in result.tests)
    suite = ET.Element("testsuite", name=f"course grade {result.folder.name}", tests=str(len(result.tests)),
                       failures=str(failures), errors=str(result.grader_errors), time=f"{result.seconds:.2f}")
    for t in result.tests:
        case = ET.SubElement(suite, "testcase", classname=t.assignment, name=t.name, time=f"{t.seconds:.3f}")
        ET.SubElement(case, "properties").extend(
            [ET.Element("property", name="score", value=f"{t.score:g}"), ET.Element("property", name="max_score", value=f"{t.max_score:g}"),
             ET.Element("property", name="stubs", value=",".join(t.stubs))])
        if t.grader_error:
            ET.SubElement(case, "error", message="internal grader error").text = t.output
        elif not t.passed:
            ET.SubElement(case, "failure", message=f"{t.score:g} / {t.max_score:g} points").text = t.output
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def markdown(result: SubmissionResult, title: str | None = None) -> str:
    """A Markdown summary (GitHub's job summary): a row per assignment, then what failed and why."""
    per: dict[str, list] = defaultdict(list)
    for t in result.tests:
        per[t.assignment].append(t)
    lines = [f"### {title or 'Grading results'}: {result.score:g} / {result.max_score:g}", "",
             "| assignment | points | failing stubs |", "|---|---:|---|"]
    for aid, tests in per.items():
        failing = sorted({s for t in tests if not t.passed for s in t.stubs})
        lines.append(f"| {aid} | {sum(t.score for t in tests):g} / {sum(t.max_score for t in tests):g} | {', '.join(failing) or '-'} |")
    failed = [t for t in result.tests if not t.passed and t.kind == "hidden"]
    if failed:
        lines += ["", "<details><summary>What failed</summary>", ""]
        for t in failed:
            first = (t.output.strip().splitlines() or [""])[0].replace("|", "\\|")
            lines.append(f"- **{t.assignment}: {t.name}** ({t.score:g}/{t.max_score:g}): {first[:300]}")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


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
