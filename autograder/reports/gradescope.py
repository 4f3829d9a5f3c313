"""A Gradescope autograder zip that runs this same grader.

Gradescope unpacks the zip into /autograder/source, runs setup.sh once when the image is
built (online), and run_autograder for every submission, which must leave
/autograder/results/results.json. The zip holds the grader package, course.yaml, the
solutions (the hidden tests' oracles: the zip is the instructor's, never a student's) and
the released notebooks (the visible checks).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from autograder import config as course_config

SETUP = """#!/usr/bin/env bash
# Runs once while Gradescope builds the autograder image (online).
set -euo pipefail
apt-get update -qq && apt-get install -y -qq bubblewrap python3-venv python3-pip >/dev/null
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q /autograder/source
# Fashion-MNIST for training tests, fetched now: grading runs offline and never downloads.
mkdir -p /autograder/data
COURSE_DATA_ROOT=/autograder/data /autograder/venv/bin/course --course /autograder/source/course.yaml data --download
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission. AUTOGRADER_ROOT lets a test point it elsewhere.
set -u
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
COURSE="${{COURSE_BIN:-$ROOT/venv/bin/course}}"
export COURSE_DATA_ROOT="${{COURSE_DATA_ROOT:-$ROOT/data}}"
mkdir -p "$ROOT/results"
"$COURSE" --course "$ROOT/source/course.yaml" grade "$ROOT/submission" {only}--results "$ROOT/results/results.json" -q
status=$?
# Exit 2: a prerequisite is missing (data, sandbox; the message above, in the instructor's
# stdout, says which), nothing was graded. Exit 3: some tests could not run; results.json says
# which, and regrading on Gradescope grades them.
if [ ! -s "$ROOT/results/results.json" ]; then
  # The grader itself failed: say so to the student rather than leave Gradescope guessing.
  printf '{{"score": 0, "output": "The autograder failed (exit %s); your instructor has been told. Your submission is safe.", "tests": []}}\\n' "$status" \\
    > "$ROOT/results/results.json"
fi
exit 0
"""

SHIPPED = ("autograder", "solutions", "assignments")
SKIP = {"__pycache__", ".hypothesis", ".ipynb_checkpoints", ".pytest_cache"}


def build(course: course_config.Course, out: Path, assignment: str | None = None) -> Path:
    """Write the zip; with `assignment`, run_autograder grades only that one (one Gradescope assignment each)."""
    if assignment:
        course.assignment(assignment)  # a KeyError naming the known ids
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        _add_text(z, "setup.sh", SETUP)
        _add_text(z, "run_autograder", RUN.format(only=f"--assignment {assignment} " if assignment else ""))
        for name in ("course.yaml", "pyproject.toml", "README.md", "nbgrader_config.py"):
            z.write(course.root / name, name)
        for top in SHIPPED:
            for path in sorted((course.root / top).rglob("*")):
                if path.is_file() and not SKIP & set(path.parts):
                    z.write(path, str(path.relative_to(course.root)))
    return out


def _add_text(z: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o100755 << 16  # executable: Gradescope runs these directly
    z.writestr(info, text)
