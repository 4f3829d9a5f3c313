"""PrairieLearn's external grading: its results.json, and a starter question that runs this grader.

PrairieLearn copies the student's upload into /grade/student, runs the question's entrypoint in
the course's Docker image, and reads /grade/results/results.json (which the entrypoint must
create, folder included). Its format: `score` in [0, 1]; optional `message`, `output`, `images`
and `tests` (name, points, max_points, message, output, images); `gradable: false` marks a
submission that could not be graded, which costs the student neither points nor an attempt. The
file must stay under 1 MB.

Here `gradable: false` means the grader itself failed (a test it could not run: data missing, a
sandbox that would not start) or the upload held nothing to grade. A grader error is never the
student's zero, on PrairieLearn as everywhere else in this grader.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from autograder import config as course_config
from autograder.reports import clean, images

LIMIT = 1_000_000          # bytes: PrairieLearn's documented cap on results.json
IMAGE_BYTES = 300_000      # one image, before base64
SLIM_OUTPUT = 500          # characters per test when the whole file must shrink


def results(record: dict, *, images_from: Path | None = None) -> dict[str, Any]:
    """PrairieLearn's results for one graded submission, from its record (report.record()).

    `images_from`: the folder the grader wrote the test files into (curves); PNGs inside it are
    attached to their test as data URLs. Anything outside it, or not a PNG, is left out."""
    from autograder.reports import report

    rec = report.cleaned_record(record)
    tests = rec.get("tests", [])
    best = sum(t["max_score"] for t in tests)
    # A late penalty (term/deadlines.py, in the record's `late`) counts here as in every report.
    graded = {t["assignment"] for t in tests}
    late = [x for aid, x in (rec.get("late") or {}).items() if aid in graded and isinstance(x, dict)]
    penalty = sum(float(x.get("penalty") or 0) for x in late)
    got = max(0.0, sum(t["score"] for t in tests) - penalty)
    note = report.grader_note(tests)
    lines = ([f"Graded {got:g} / {best:g} points" + (f", after a late penalty of {penalty:g}." if penalty else ".")]
             + [clean.text(x.get("text"), clean.NOTE) for x in late if x.get("text")]
             + [f"Note: {n}" for n in rec.get("notes", [])])
    out: dict[str, Any] = {
        "gradable": True,
        "score": round(got / best, 6) if best else 0.0,
        "message": lines[0],
        "output": clean.text("\n".join(lines), clean.NOTES),
        "tests": [_test(t, images_from) for t in tests],
    }
    if note:
        out.update(gradable=False, message=note, format_errors=[note])
        out.pop("score")
    elif not tests:
        why = "Nothing to grade: the upload held no notebook of this assignment. Upload the notebook with its released name."
        out.update(gradable=False, message=why, format_errors=[why])
        out.pop("score")
    return fit(out)


def _test(t: dict, images_from: Path | None) -> dict[str, Any]:
    output = t.get("output") or ""
    first = next((line for line in output.splitlines() if line.strip()), "")
    if t.get("grader_error"):
        message = "not graded: the grader could not run this test (pending, not zero)"
    else:
        message = "passed" if t["score"] >= t["max_score"] else clean.text(first, 300)
    entry: dict[str, Any] = {
        "name": f"{t['assignment']}: {t['test']}",
        "description": ("visible check" if t.get("kind") == "check" else "hidden test")
                       + (f" of {', '.join(t.get('stubs', []))}" if t.get("stubs") else ""),
        "points": t["score"],
        "max_points": t["max_score"],
        "message": message,
        "output": output,
    }
    images = [img for label, path in (t.get("files") or {}).items()
              if (img := _image(clean.name(label), path, images_from)) is not None]
    if images:
        entry["images"] = images
    return entry


def _image(label: str, path: str, home: Path | None) -> dict[str, str] | None:
    """A PNG the grader wrote inside `home`, as PrairieLearn's {label, url}; None for anything else."""
    data = images.png_base64(path, home, IMAGE_BYTES) if home is not None else None
    return {"label": label, "url": "data:image/png;base64," + data} if data else None


def fit(out: dict[str, Any]) -> dict[str, Any]:
    """Keep the file under PrairieLearn's 1 MB: first drop images, then shorten every test's output."""
    if _size(out) <= LIMIT:
        return out
    dropped = 0
    for t in out.get("tests", []):
        dropped += len(t.pop("images", []))
    if dropped:
        out["output"] = out.get("output", "") + f"\n[{dropped} image(s) left out: results.json must stay under 1 MB]"
    for t in out.get("tests", []):
        if _size(out) <= LIMIT:
            break
        t["output"] = clean.text(t["output"], SLIM_OUTPUT)
    while _size(out) > LIMIT and out.get("tests"):
        out["tests"] = out["tests"][: len(out["tests"]) // 2]
        out["output"] = out.get("output", "") + "\n[some tests left out: results.json must stay under 1 MB]"
    return out


def _size(out: dict) -> int:
    return len(json.dumps(out).encode())


def write(record: dict, path: Path, *, images_from: Path | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results(record, images_from=images_from), indent=1) + "\n", encoding="utf-8")
    return path


# --- the starter question -------------------------------------------------------------------

ENV_ROOT = "PL_GRADE_ROOT"  # where /grade is; a test points it at a temporary folder

RUN = """#!/usr/bin/env bash
# PrairieLearn runs this in the grading container for each submission. It must leave
# $ROOT/results/results.json whatever happens. PL_GRADE_ROOT lets a test point it elsewhere.
set -u
ROOT="${{PL_GRADE_ROOT:-/grade}}"
COURSE="${{COURSE_BIN:-/grader/venv/bin/course}}"
COURSE_FILE="${{PL_COURSE_FILE:-/grader/source/course.yaml}}"
export COURSE_DATA_ROOT="${{COURSE_DATA_ROOT:-/grader/data}}"
OUT="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -f "$OUT"
"$COURSE" --course "$COURSE_FILE" grade "$ROOT/student" {only}--prairielearn "$OUT" -q
status=$?
# Exit 2: a prerequisite is missing (data, sandbox), nothing graded. Exit 3: some tests could
# not run; results.json already says so (gradable: false). Either way the student loses nothing.
if [ ! -s "$OUT" ]; then
  printf '{{"gradable": false, "message": "The autograder failed (exit %s); your instructor has been told. This submission costs you nothing.", "format_errors": ["The autograder failed (exit %s); this is not a problem with your work."]}}\\n' "$status" "$status" > "$OUT"
fi
exit 0
"""

DOCKERFILE = """# The grading image for PrairieLearn: this grader, its course, and Fashion-MNIST, built online once.
# docker build -t YOUR_DOCKERHUB_USER/cnn-course-grader . && docker push YOUR_DOCKERHUB_USER/cnn-course-grader
FROM python:3.11-slim
RUN apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null && rm -rf /var/lib/apt/lists/*
COPY source /grader/source
RUN python -m venv /grader/venv && /grader/venv/bin/pip install -q /grader/source
RUN COURSE_DATA_ROOT=/grader/data /grader/venv/bin/course --course /grader/source/course.yaml data --download
"""

QUESTION = """<pl-question-panel>
  <p>{title}: upload your notebook <code>{notebook}</code>, as you saved it in Jupyter.</p>
  <p>The grader runs hidden tests on every function you wrote; the visible checks in the notebook
  are a good sign, not a guarantee. If the grader itself fails, the submission is not counted.</p>
  <pl-file-upload file-names="{notebook}"></pl-file-upload>
</pl-question-panel>

<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
  <pl-file-preview></pl-file-preview>
</pl-submission-panel>
"""

SHIPPED = ("autograder", "solutions", "assignments")
SKIP = {"__pycache__", ".hypothesis", ".ipynb_checkpoints", ".pytest_cache"}


def question_info(course: course_config.Course, assignment: course_config.Assignment, image: str) -> dict[str, Any]:
    """A question's info.json. The uuid is derived from the course and assignment ids, so building
    the starter again gives the same question, not a new one."""
    trains = assignment.training is not None
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"cnn-course:{course.id}:{assignment.id}")),
        "title": assignment.title,
        "topic": course.title,
        "tags": ["notebook", "autograder"],
        "type": "v3",
        "singleVariant": True,
        "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True,
            "image": image,
            "entrypoint": "/grade/serverFilesCourse/cnn_grader/run.sh",
            "serverFilesCourse": ["cnn_grader/"],
            # PrairieLearn's ceiling is 600 s; a training test on a CPU takes a few minutes.
            "timeout": 600 if trains else 180,
        },
    }


def build(course: course_config.Course, out: Path, assignment: str | None = None,
          image: str = "YOUR_DOCKERHUB_USER/cnn-course-grader") -> Path:
    """Write a PrairieLearn starter into `out`: questions/<id>/ (info.json, question.html) per
    assignment, serverFilesCourse/cnn_grader/run.sh, and image/ (Dockerfile plus the grader's
    source, the instructor's: solutions and hidden tests are inside, never show it to students)."""
    import shutil

    chosen = [course.assignment(assignment)] if assignment else list(course.assignments)
    out = Path(out)
    for a in chosen:
        q = out / "questions" / a.id
        q.mkdir(parents=True, exist_ok=True)
        (q / "info.json").write_text(json.dumps(question_info(course, a, image), indent=2) + "\n")
        (q / "question.html").write_text(QUESTION.format(title=a.title, notebook=a.notebook))
    runner = out / "serverFilesCourse" / "cnn_grader" / "run.sh"
    runner.parent.mkdir(parents=True, exist_ok=True)
    runner.write_text(RUN.format(only=f"--assignment {assignment} " if assignment else ""))
    runner.chmod(0o755)
    source = out / "image" / "source"
    source.mkdir(parents=True, exist_ok=True)
    (out / "image" / "Dockerfile").write_text(DOCKERFILE)
    for name in ("course.yaml", "pyproject.toml", "README.md", "nbgrader_config.py"):
        if (course.root / name).is_file():
            shutil.copy(course.root / name, source / name)
    for top in SHIPPED:
        for path in sorted((course.root / top).rglob("*")):
            if path.is_file() and not path.is_symlink() and not SKIP & set(path.parts):
                dest = source / path.relative_to(course.root)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, dest)
    return out
