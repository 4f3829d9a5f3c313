"""The feedback page in a real browser: what a student sees is what we think they see.

Headless Chromium (Debian's `chromium`, driven by Playwright; .ci/run installs it) opens one
student's feedback.html built from a realistic graded record: a real matplotlib training curve, a
failing test with a long counterexample and hostile text. The page must load with no console
error, no request beyond itself and its inline images, the curve decoded, no dialog (the hostile
`<script>` and `onerror` must stay text), and the key facts visible. A full-page screenshot is
left in the test's tmp_path for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from autograder.grading import trained
from autograder.grading.grade import SubmissionResult, TestResult as Scored
from autograder.reports import feedback, report

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def _chromium() -> str | None:
    found = os.environ.get("COURSE_CHROMIUM")
    return found if found and Path(found).is_file() else next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)


def _unavailable(why: str) -> None:
    """Skip here; in CI (which installs the browser) a missing browser is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{why} (CI installs it: see .ci/run)")
    pytest.skip(why)


def _graded_record(course, student_dir: Path) -> dict:
    """A record as the grader writes it: a trained LeNet with its curve, a failing stub, a pending test."""
    curve = trained.plot_curve(
        trained.Trained(accuracy=0.8123, loss=[2.30, 1.41, 0.93, 0.74, 0.66, 0.61, 0.57, 0.54, 0.52, 0.50],
                        train_accuracy=[0.10, 0.45, 0.64, 0.71, 0.75, 0.77, 0.79, 0.80, 0.81, 0.81], seconds=41.7),
        student_dir / "lenet_curve.png", title="LeNet on Fashion-MNIST")
    counterexample = ("corr2d(X=tensor([[" + ", ".join(f"{i}." for i in range(300)) + "]]), K=tensor([[0., 1.], [2., 3.]]))"
                      f" returned tensor([[43., 37.], [25., 19.]])\n  expected tensor([[19., 25.], [37., 43.]])\n"
                      f"your code printed: {HOSTILE}")
    tests = [
        Scored("02_convolutions", "corr2d_matches_conv2d", ("corr2d",), 0.0, 3.0, counterexample),
        Scored("02_convolutions", "corr2d_example", ("corr2d",), 1.0, 1.0, ""),
        Scored("02_convolutions", "conv2d_layer_forward", ("Conv2D",), 2.0, 2.0, ""),
        Scored("02_convolutions", "check_corr2d_example", ("corr2d",), 0.0, 1.0,
               "visible check: confirmed failing by corr2d_matches_conv2d", kind="check"),
        Scored("06_lenet", "lenet_output_shape", ("LeNet",), 1.0, 1.0, ""),
        Scored("06_lenet", "lenet_trains_on_fashion_mnist", ("LeNet",), 5.0, 5.0,
               "test accuracy 0.8123 (the grader's own evaluation of your trained weights) after 10 epoch(s) on cpu",
               files={"training curve": str(curve)},
               metrics={"test_accuracy": 0.8123, "epochs": 10, "final_train_loss": 0.50}),
        Scored("07_modern_blocks", "seblock_matches_reference", ("SEBlock",), 0.0, 2.0,
               "not graded: the grader could not run this test: the sandbox could not start", grader_error=True),
    ]
    result = SubmissionResult(student_dir, tests, notes=[f"cell 7: {HOSTILE}"], seconds=52.0, sandbox="bwrap")
    return report.record(result)


def test_feedback_page_renders_cleanly_in_chromium(tmp_path, course):
    try:
        from playwright import sync_api
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[test]')")
    browser_path = _chromium()
    if browser_path is None:
        _unavailable("no chromium binary found (apt-get install chromium)")
    here = course.model_copy(update={"root": tmp_path})
    record = _graded_record(here, tmp_path / "autograded" / "alice")
    page_path = feedback.write(here, "alice", record, tmp_path / "feedback")
    url = page_path.resolve().as_uri()

    console, failed, dialogs, errors, requests = [], [], [], [], []
    with sync_api.sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=browser_path, args=["--no-sandbox", "--disable-gpu"])
        except sync_api.Error as exc:
            _unavailable(f"chromium at {browser_path} does not start: {str(exc).splitlines()[0]}")
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("requestfailed", lambda r: failed.append(f"{r.url[:80]}: {r.failure}"))
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(url, wait_until="load")
        image = page.evaluate("""() => [...document.images].map(i => ({alt: i.alt, w: i.naturalWidth, done: i.complete}))""")
        text = page.inner_text("body")
        pre_fits = page.evaluate("""() => [...document.querySelectorAll('pre')].every(p => p.scrollWidth <= p.clientWidth + 1)""")
        scripts = page.evaluate("() => document.scripts.length")
        shot = tmp_path / "feedback.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    print(f"\nfeedback screenshot: {shot}")

    assert dialogs == [] and errors == [], (dialogs, errors)
    assert console == [] and failed == [], (console, failed)
    assert all(u == url or u.startswith("data:image/png;base64,") for u in requests), [u[:80] for u in requests]
    assert scripts == 0  # the hostile <script> is text, not an element
    assert image == [{"alt": "training curve", "w": 500, "done": True}], image  # plot_curve: 5 x 3.2 in at 100 dpi
    assert pre_fits  # long counterexamples wrap instead of running off the page
    for fact in ("alice", "9 / 15 points", "Points per assignment", "Convolutions for images", "corr2d_matches_conv2d",
                 "expected tensor([[19., 25.], [37., 43.]])", HOSTILE, "Test accuracy 0.8123 (measured by the grader)",
                 "NOT GRADED YET", "pending"):
        assert fact in text, fact
    assert shot.stat().st_size > 10_000
