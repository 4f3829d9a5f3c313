"""Results for people and machines: Gradescope's results.json, the record, JUnit XML, the Markdown
job summary and the score table.

Every writer starts from `cleaned()` (or `cleaned_record()` for a stored record): each text student
code can influence goes through autograder/reports/clean.py once, there, whatever the format.

A test the grader could not run (TestResult.grader_error: data missing, the sandbox could not
start, ...) is not a grade: every format says so at the top (`grader_note`), lists it as pending,
not as a failing stub, and the gradebook keeps it pending until a later run grades it.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

from autograder.reports import clean
from autograder.grading.grade import SubmissionResult, TestResult


def cleaned(result: SubmissionResult) -> SubmissionResult:
    """A copy of `result` whose texts are clean and capped (autograder/reports/clean.py); idempotent."""
    sub = result.folder

    def name(value: object) -> str:
        return clean.name(value, submission=sub)

    tests = [dataclasses.replace(t, assignment=name(t.assignment), name=name(t.name),
                                 stubs=tuple(name(s) for s in t.stubs),
                                 output=clean.text(t.output, clean.OUTPUT, submission=sub))
             for t in result.tests]
    return dataclasses.replace(result, tests=tests, notes=clean.notes(list(result.notes), submission=sub),
                               output=clean.text(result.output, clean.STUDENT_OUTPUT, submission=sub))


def cleaned_record(record: dict) -> dict:
    """A stored record (record.json) with its texts cleaned again, for writers that read records."""
    name = clean.name
    tests = [{**t, "assignment": name(t.get("assignment")), "test": name(t.get("test")),
              "stubs": [name(s) for s in t.get("stubs", [])], "output": clean.text(t.get("output"), clean.OUTPUT)}
             for t in record.get("tests", [])]
    return {**record, "tests": tests, "notes": clean.notes(list(record.get("notes", [])))}


def _get(t: TestResult | dict, key: str) -> Any:
    if isinstance(t, dict):
        return t.get("test" if key == "name" else key)
    return getattr(t, key)


def pending(tests: Iterable[TestResult | dict]) -> list[str]:
    """The tests (hidden and visible) the grader could not run: `assignment/test`."""
    return [f"{_get(t, 'assignment')}/{_get(t, 'name')}" for t in tests if _get(t, "grader_error")]


def grader_note(tests: Iterable[TestResult | dict]) -> str | None:
    """The note at the top of every report when the grader could not run some tests; None otherwise."""
    tests = list(tests)
    errors = [t for t in tests if _get(t, "grader_error")]
    if not errors:
        return None
    hidden = [t for t in errors if _get(t, "kind") != "check"] or errors
    reasons: list[str] = []
    for t in hidden:
        first = next((line.strip() for line in str(_get(t, "output") or "").splitlines() if line.strip()), "")
        first = re.sub(r"^not graded: the grader could not run this test: ", "", first)
        if first and first not in reasons:
            reasons.append(first)
    names = ", ".join(f"{_get(t, 'assignment')}/{_get(t, 'name')}" for t in hidden)
    checks = len(errors) - (len(hidden) if hidden is not errors else 0)
    also = f" and {checks} visible check(s) they confirm" if hidden is not errors and checks else ""
    why = "; ".join(reasons[:3]) or "see the tests"
    return (f"NOT GRADED YET: the grader could not run {names}{also}. This is a problem with the grader, "
            f"not with your work: those points are pending, not zero, and are graded when the instructor has "
            f"fixed it and grades again. The grader said: {why}")


def _student_failing(tests: Iterable[TestResult]) -> list[str]:
    """Stubs that lost points through the student's work (not through a grader error)."""
    return sorted({s for t in tests if not t.passed and not t.grader_error for s in t.stubs})


def gradescope(result: SubmissionResult, course: Any = None) -> dict[str, Any]:
    """Gradescope's autograder results format (score, execution_time, output, tests[], leaderboard).

    Outputs are Markdown ("md"), student text only inside fenced code blocks and names escaped
    (reports/gradescope_md.py); test names stay "text". With `course`, the assignments whose
    `training.leaderboard` is on post the grader's measured test accuracy. The whole file is kept
    under gradescope_md.MAX_BYTES by shortening test outputs."""
    from autograder.reports import gradescope_md as gmd

    result = cleaned(result)
    output = "\n\n".join(gmd.summary(result))
    if late_lines(result):  # the score above is after the penalty; Gradescope's own late policy comes on top
        output += "\n\n" + "\n".join(f"- {md(line)}" for line in late_lines(result))
    board = gmd.leaderboard(result.tests, course)
    curves = {i: png for i, t in enumerate(result.tests) if (png := gmd.curve_png(t))}

    def one(i: int, t: TestResult, limit: int) -> dict[str, str]:
        if i in curves and limit == gmd.LIMITS[0]:  # the curve goes first when the file must shrink
            return {"output": gmd.test_html(t, limit, curves[i]), "output_format": "html"}
        return {"output": gmd.test_output(t, limit), "output_format": "md"}

    def build(limit: int) -> dict[str, Any]:
        return {
            "score": round(result.score, 4),
            "execution_time": round(result.seconds, 2),
            "output": output,
            "output_format": "md",
            "test_output_format": "md",
            "test_name_format": "text",
            "visibility": "visible",
            **({"leaderboard": board} if board else {}),
            "tests": [
                {
                    "name": f"{t.assignment}: {t.name}",
                    "score": round(t.score, 4),
                    "max_score": t.max_score,
                    "status": "passed" if t.passed else "failed",
                    **one(i, t, limit),
                    "visibility": "visible",
                    "tags": list(t.stubs),
                    **({"extra_data": {"grader_error": True}} if t.grader_error else {}),
                }
                for i, t in enumerate(result.tests)
            ],
        }

    return gmd.fit(build)


def record(result: SubmissionResult) -> dict[str, Any]:
    """Everything the grader decided, as plain data: the gradebook, feedback and resumed runs read this.

    `pending` names the tests the grader could not run: such a record is regraded by the next run."""
    result = cleaned(result)
    return {
        "score": round(result.score, 4),  # after late penalties
        "raw_score": round(result.raw_score, 4),
        "late": {aid: l.to_dict(result.earned(aid)) for aid, l in result.lateness.items()},
        "max_score": result.max_score,
        "seconds": round(result.seconds, 2),
        "sandbox": result.sandbox,
        "notes": list(result.notes),
        "pending": pending(result.tests),
        "tests": [
            {"assignment": t.assignment, "test": t.name, "kind": t.kind, "stubs": list(t.stubs),
             "score": round(t.score, 4), "max_score": t.max_score, "output": t.output,
             "grader_error": t.grader_error, "files": dict(t.files), "metrics": dict(t.metrics)}
            for t in result.tests
        ],
    }


def from_record(rec: dict, folder: Path) -> SubmissionResult:
    """A stored record back as a typed result (a restamped record's results.json and JUnit are
    written again from it); its texts were cleaned when it was written."""
    from autograder.grading.grade import TestResult
    from autograder.term.deadlines import Lateness

    tests = [TestResult(t["assignment"], t["test"], tuple(t.get("stubs", ())), float(t["score"]), float(t["max_score"]),
                        t.get("output", ""), grader_error=bool(t.get("grader_error")), files=dict(t.get("files") or {}),
                        kind=t.get("kind", "hidden"), metrics=dict(t.get("metrics") or {}))
             for t in rec.get("tests", [])]
    late = {aid: Lateness.from_dict(aid, d) for aid, d in (rec.get("late") or {}).items()}
    return SubmissionResult(Path(folder), tests, list(rec.get("notes", [])), float(rec.get("seconds", 0)),
                            rec.get("sandbox", ""), lateness=late)


def write_results(result: SubmissionResult, path: Path, course: Any = None) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(gradescope(result, course), indent=2) + "\n", encoding="utf-8")


def write_junit(result: SubmissionResult, path: Path) -> None:
    """JUnit XML, one testcase per graded test, for CI dashboards. Always well-formed: every text
    is cleaned first, so no character XML 1.0 forbids can reach it."""
    from xml.etree import ElementTree as ET

    result = cleaned(result)
    failures = sum(not t.passed and not t.grader_error for t in result.tests)
    folder = clean.name(result.folder.name)
    suite = ET.Element("testsuite", name=f"course grade {folder}", tests=str(len(result.tests)),
                       failures=str(failures), errors=str(result.grader_errors), time=f"{result.seconds:.2f}")
    note = grader_note(result.tests)
    if note:
        ET.SubElement(suite, "properties").append(ET.Element("property", name="grader_note", value=note))
    for t in result.tests:
        case = ET.SubElement(suite, "testcase", classname=t.assignment, name=t.name, time=f"{t.seconds:.3f}")
        ET.SubElement(case, "properties").extend(
            [ET.Element("property", name="score", value=f"{t.score:g}"), ET.Element("property", name="max_score", value=f"{t.max_score:g}"),
             ET.Element("property", name="stubs", value=",".join(t.stubs))])
        if t.grader_error:
            ET.SubElement(case, "error", message="not graded: the grader could not run this test").text = t.output
        elif not t.passed:
            ET.SubElement(case, "failure", message=f"{t.score:g} / {t.max_score:g} points").text = t.output
    if result.notes:
        ET.SubElement(suite, "system-out").text = "\n".join(result.notes)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


_MD_SPECIAL = re.compile(r"([\\`*\[\]<>&|~!])")


def md(text: str) -> str:
    """Inert Markdown inside a line: HTML, links and images, code spans, emphasis and table cells
    cannot start (backslash escapes). Underscores stay: GitHub ignores them inside words."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def markdown(result: SubmissionResult, title: str | None = None) -> str:
    """A Markdown summary (GitHub's job summary): a row per assignment, then what failed and why."""
    result = cleaned(result)
    per: dict[str, list] = defaultdict(list)
    for t in result.tests:
        per[t.assignment].append(t)
    heading = md(clean.name(title)) if title else "Grading results"
    lines = [f"### {heading}: {result.score:g} / {result.max_score:g}", ""]
    if late_lines(result):  # the heading's score is after these penalties; the rows are before
        lines += [f"- {md(line)}" for line in late_lines(result)] + [""]
    note = grader_note(result.tests)
    if note:
        lines += [f"> **{md(note)}**", ""]
    lines += ["| assignment | points | failing stubs |", "|---|---:|---|"]
    for aid, tests in per.items():
        failing = ", ".join(md(s) for s in _student_failing(tests)) or "-"
        waiting = [t.name for t in tests if t.grader_error]
        if waiting:
            failing += f" (pending, not graded: {', '.join(md(n) for n in waiting)})"
        lines.append(f"| {md(aid)} | {sum(t.score for t in tests):g} / {sum(t.max_score for t in tests):g} | {failing} |")
    failed = [t for t in result.tests if not t.passed and t.kind == "hidden"]
    if failed:
        lines += ["", "<details><summary>What failed</summary>", ""]
        for t in failed:
            first = (t.output.strip().splitlines() or [""])[0][:300]
            status = "not graded, grader error" if t.grader_error else f"{t.score:g}/{t.max_score:g}"
            lines.append(f"- **{md(t.assignment)}: {md(t.name)}** ({status}): {md(first)}")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def late_lines(result: SubmissionResult) -> list[str]:
    """One line per assignment with a due date that was late or whose time is unknown:
    "<assignment>: submitted 1 day 3 h late: −10% (−3.3 points)"."""
    out = []
    for aid, l in result.lateness.items():
        if l.late or l.note:
            cost = result.penalty(aid)
            out.append(f"{aid}: {l.describe()}" + (f" (−{cost:g} points)" if cost else ""))
    return out


def table(result: SubmissionResult, title: str | None = None) -> str:
    """One line per assignment, then the total; failing stubs are named, pending tests too."""
    result = cleaned(result)
    per: dict[str, list] = defaultdict(list)
    for t in result.tests:
        per[t.assignment].append(t)
    width = max([len(a) for a in per] + [10])
    lines = [clean.name(title or str(result.folder))]
    note = grader_note(result.tests)
    if note:
        lines.append(f"  {note}")
    lines.append(f"  {'assignment'.ljust(width)}  {'points':>13}  failing stubs")
    for aid, tests in per.items():
        got, best = sum(t.score for t in tests), sum(t.max_score for t in tests)
        failing = ", ".join(_student_failing(tests)) or "-"
        waiting = [t.name for t in tests if t.grader_error]
        if waiting:
            failing += f"  (pending, not graded: {', '.join(waiting)})"
        if aid in result.lateness:  # the points after the penalty, and why
            got = round(got - result.penalty(aid), 4)
            failing += f"  ({result.lateness[aid].describe()})"
        lines.append(f"  {aid.ljust(width)}  {got:>6g} / {best:<4g}  {failing}")
    lines.append(f"  {'total'.ljust(width)}  {result.score:>6g} / {result.max_score:<4g}  ({result.seconds:.1f} s, sandbox: {result.sandbox or 'n/a'})")
    return "\n".join(lines)
