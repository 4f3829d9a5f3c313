"""The Markdown inside Gradescope's results.json (`output_format: "md"`), and its size.

Gradescope renders "md" output as Markdown. Student code influences test outputs and notes, so
those never reach it as Markdown: they go into fenced code blocks whose fence is longer than any
backtick run in the text (so nothing inside can close it), where links, images and HTML are
inert. The few inline texts (assignment, test and stub names) go through `report.md()`, which
backslash-escapes everything that could start markup.

Images: Gradescope documents no way to attach one, and whether its Markdown/HTML renderer keeps a
`data:` URL image is undocumented (sanitisers usually drop them), so results.json carries the
training curve as text (epochs, final train loss, test accuracy); the per-student feedback page
(feedback.py) carries the plot itself.

Size: Gradescope documents no limit for results.json, but a huge one is slow to upload and
render, and other platforms reject such files (PrairieLearn: 100 KiB, later 1 MB). MAX_BYTES keeps
ours well under a megabyte whatever the outputs: `fit()` shortens every test's output evenly until
the whole file fits.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from autograder.reports import clean

MAX_BYTES = 512 * 1024
# Per-test output caps tried in turn by fit(): clean.OUTPUT first, then shorter.
LIMITS = (clean.OUTPUT, 2000, 800, 300, 0)

_BACKTICKS = re.compile(r"`+")


def fence(text: str) -> str:
    """`text` as a fenced code block that no content can break out of."""
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    bar = "`" * max(3, longest + 1)
    return f"{bar}text\n{text.rstrip()}\n{bar}"


def training_summary(metrics: dict[str, float], has_plot: bool) -> str:
    """One line about a training test from the grader's own figures; "" if there are none."""
    if "test_accuracy" not in metrics:
        return ""
    parts = []
    if "epochs" in metrics:
        parts.append(f"{metrics['epochs']:g} epoch(s)")
    parts.append(f"test accuracy **{metrics['test_accuracy']:.4f}** (measured by the grader)")
    if "final_train_loss" in metrics:
        parts.append(f"final train loss {metrics['final_train_loss']:.4f} (as your run reported it)")
    line = "**Training:** " + ", ".join(parts) + "."
    if has_plot:
        line += " The training curve is plotted in your feedback page."
    return line


def test_output(t: Any, limit: int) -> str:
    """A test's Markdown: a status line, the training summary if any, its output fenced."""
    from autograder.reports.report import md

    if t.grader_error:
        head = "**Not graded yet**: the grader could not run this test (not a problem with your work)."
    elif t.passed:
        head = "**Passed.**"
    else:
        stubs = ", ".join(f"`{md(s)}`" if "`" not in s else md(s) for s in t.stubs)
        head = f"**Failed** ({t.score:g} / {t.max_score:g}){': check ' + stubs if stubs else ''}."
    parts = [head]
    summary = training_summary(t.metrics, "training curve" in t.files)
    if summary:
        parts.append(summary)
    text = clean.text(t.output, limit) if limit else ""
    if text.strip():
        parts.append(fence(text))
    elif t.output.strip():
        parts.append("_(output left out to keep the results within Gradescope's size)_")
    return "\n\n".join(parts)


def leaderboard(tests: list[Any], course: Any | None) -> list[dict[str, Any]]:
    """Gradescope leaderboard entries: the parent's measured test accuracy of each assignment whose
    `training.leaderboard` is on. Never from output text, which the student's code influences."""
    if course is None:
        return []
    rows = []
    for a in course.assignments:
        if a.training is None or not a.training.leaderboard:
            continue
        acc = next((t.metrics["test_accuracy"] for t in tests
                    if t.assignment == a.id and not t.grader_error and "test_accuracy" in t.metrics), None)
        if acc is not None and 0.0 <= acc <= 1.0:
            rows.append({"name": f"{a.id} test accuracy", "value": round(acc, 4), "order": "desc"})
    return rows


def size(results: dict[str, Any]) -> int:
    return len(json.dumps(results, indent=2).encode("utf-8"))


def fit(build: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
    """The first of build(limit) for the LIMITS in turn that fits MAX_BYTES (else the last)."""
    results: dict[str, Any] = {}
    for limit in LIMITS:
        results = build(limit)
        if size(results) <= MAX_BYTES:
            break
    return results


def summary(result: Any) -> list[str]:
    """The top-level output's paragraphs: the grader's note, the score, a row per assignment, notes.

    A list, so that other lines (lateness, ...) can be added where they belong before joining."""
    from collections import defaultdict

    from autograder.reports.report import _student_failing, grader_note, md

    paragraphs = []
    note = grader_note(result.tests)
    if note:
        paragraphs.append(f"**{md(note)}**")
    paragraphs.append(f"**Score: {result.score:g} / {result.max_score:g}** (graded in {result.seconds:.1f} s)")
    per: dict[str, list] = defaultdict(list)
    for t in result.tests:
        per[t.assignment].append(t)
    if per:
        rows = ["| assignment | points | failing stubs |", "|---|---:|---|"]
        for aid, tests in per.items():
            failing = ", ".join(md(s) for s in _student_failing(tests)) or "-"
            if any(t.grader_error for t in tests):
                failing += " (some tests pending: not graded yet)"
            rows.append(f"| {md(aid)} | {sum(t.score for t in tests):g} / {sum(t.max_score for t in tests):g} | {failing} |")
        paragraphs.append("\n".join(rows))
    if result.notes:
        paragraphs.append("**Notes:**\n\n" + fence("\n".join(result.notes)))
    return paragraphs
