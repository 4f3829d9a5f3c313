"""The Markdown inside Gradescope's results.json (`output_format: "md"`), and its size.

Gradescope renders "md" output as Markdown. Student code influences test outputs and notes, so
those never reach it as Markdown: they go into fenced code blocks whose fence is longer than any
backtick run in the text (so nothing inside can close it), where links, images and HTML are
inert. The few inline texts (assignment, test and stub names) go through `report.md()`, which
backslash-escapes everything that could start markup.

Images: Gradescope has no attachment field, but its "html" output format keeps an `<img>` whose
source is a base64 `data:` URL (the way Gradescope's own autograder samples discussion settles
it). So the one test with a training curve the grader plotted is written as HTML, every text in
it escaped, the curve inlined; every other test stays Markdown. The curve is read only as a PNG
the grader wrote (magic bytes checked, size capped, no link followed), and it is the first thing
`fit()` drops when the file grows too big, falling back to Markdown with the figures in words.

Size: Gradescope documents no limit for results.json, but a huge one is slow to upload and
render, and other platforms reject such files (PrairieLearn: 100 KiB, later 1 MB). MAX_BYTES keeps
ours well under a megabyte whatever the outputs: `fit()` shortens every test's output evenly until
the whole file fits.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any, Callable

from autograder.reports import clean, images

MAX_BYTES = 512 * 1024
# Per-test output caps tried in turn by fit(): clean.OUTPUT first, then shorter.
LIMITS = (clean.OUTPUT, 2000, 800, 300, 0)

_BACKTICKS = re.compile(r"`+")
CURVE = "training curve"  # the label a training test gives its plot in TestResult.files
MAX_IMAGE_BYTES = 256 * 1024


def fence(text: str) -> str:
    """`text` as a fenced code block that no content can break out of."""
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    bar = "`" * max(3, longest + 1)
    return f"{bar}text\n{text.rstrip()}\n{bar}"


def training_summary(metrics: dict[str, float], has_plot: bool, strong: Callable[[str], str] = lambda x: f"**{x}**",
                     plot_note: str = " The training curve is plotted in your feedback page.") -> str:
    """One line about a training test from the grader's own figures; "" if there are none."""
    if "test_accuracy" not in metrics:
        return ""
    parts = []
    if "epochs" in metrics:
        parts.append(f"{metrics['epochs']:g} epoch(s)")
    parts.append(f"test accuracy {strong(format(metrics['test_accuracy'], '.4f'))} (measured by the grader)")
    if "final_train_loss" in metrics:
        parts.append(f"final train loss {metrics['final_train_loss']:.4f} (as your run reported it)")
    line = strong("Training:") + " " + ", ".join(parts) + "."
    return line + (plot_note if has_plot else "")


def _status(t: Any, strong: Callable[[str], str], code: Callable[[str], str]) -> str:
    if t.grader_error:
        return strong("Not graded yet") + ": the grader could not run this test (not a problem with your work)."
    if t.passed:
        return strong("Passed.")
    stubs = ", ".join(code(s) for s in t.stubs)
    return strong(f"Failed ({t.score:g} / {t.max_score:g})") + (f": check {stubs}." if stubs else ".")


def test_output(t: Any, limit: int) -> str:
    """A test's Markdown: a status line, the training summary if any, its output fenced."""
    from autograder.reports.report import md

    parts = [_status(t, lambda x: f"**{x}**", lambda s: f"`{md(s)}`" if "`" not in s else md(s))]
    summary = training_summary(t.metrics, CURVE in t.files)
    if summary:
        parts.append(summary)
    text = clean.text(t.output, limit) if limit else ""
    if text.strip():
        parts.append(fence(text))
    elif t.output.strip():
        parts.append("_(output left out to keep the results within Gradescope's size)_")
    return "\n\n".join(parts)


def curve_png(t: Any) -> str | None:
    """The training curve the grader plotted for this test, base64; None when there is no real PNG."""
    path = t.files.get(CURVE) if isinstance(t.files, dict) else None
    return images.png_base64(path, Path(path).parent, MAX_IMAGE_BYTES, follow_home=False) if path else None


def test_html(t: Any, limit: int, png: str) -> str:
    """A training test as HTML (Gradescope's "html" format): every text escaped, the curve inlined."""
    strong = lambda x: f"<strong>{html.escape(x)}</strong>"  # noqa: E731
    parts = [f"<p>{_status(t, strong, lambda s: f'<code>{html.escape(s)}</code>')}</p>"]
    summary = training_summary(t.metrics, False, strong)
    if summary:
        parts.append(f"<p>{summary}</p>")
    parts.append(f'<p><img alt="training curve" style="max-width:100%" src="data:image/png;base64,{png}"></p>')
    text = clean.text(t.output, limit) if limit else ""
    if text.strip():
        parts.append(f"<pre>{html.escape(text.rstrip())}</pre>")
    return "\n".join(parts)


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
