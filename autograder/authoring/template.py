"""The students' starter repository: the released notebooks and the self-check, nothing hidden.

It holds assignments/, the student-facing part of this package (the pytest plugin, the
helpers the visible checks import, Fashion-MNIST loading, the course.yaml schema), a
course.yaml without the hidden points table, a pyproject so `pip install -e . && pytest
assignments/` works, and a GitHub Actions workflow that runs the self-check on every push
and writes a job summary. `leaks()` proves no solution and no hidden test got in.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from autograder import config as course_config, notebook

# The student side, whole: autograder/student/ and the three shared modules it imports. Never
# grading/, runtime/, authoring/, term/, reports/ or solutions/ (the leak check is this list).
MODULES = ("__init__.py", "config.py", "data.py", "notebook.py",
           "student/__init__.py", "student/selfcheck.py", "student/visible.py")

PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}-student"
version = "1.0.0"
description = "{title}: the student notebooks and their self-check"
requires-python = ">=3.10"
dependencies = [
  "torch>=2.2,<3", "torchvision>=0.17,<1", "matplotlib>=3.7,<4", "nbformat>=5.9,<6",
  "pytest>=8,<10", "hypothesis>=6.90,<7", "pydantic>=2.5,<3", "PyYAML>=6,<7", "tqdm>=4.60,<5",
]

[project.entry-points.pytest11]
course-selfcheck = "autograder.student.selfcheck"

[tool.setuptools]
packages = ["autograder", "autograder.student"]

[tool.pytest.ini_options]
testpaths = ["assignments"]
"""

WORKFLOW = """name: self-check
on: [push, pull_request]
jobs:
  selfcheck:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
      - name: Install
        run: pip install --extra-index-url https://download.pytorch.org/whl/cpu -e .
      - name: Self-check
        run: pytest assignments/ --junitxml=selfcheck.xml -q -rN || true
      - name: Summary
        run: python -m autograder.student.selfcheck_summary selfcheck.xml >> "$GITHUB_STEP_SUMMARY"
      - name: Fail when a check fails
        run: python -m autograder.student.selfcheck_summary selfcheck.xml --exit-code > /dev/null
"""

README = """# {title}

Your notebooks are in `assignments/`, one folder per section. Fill in each stub (the cells
that say `raise NotImplementedError()`), then check yourself:

    pip install -e .
    pytest assignments/                 # every visible check, one line each
    pytest assignments/<id>             # one section (its folder)

Every push runs the same self-check on GitHub (Actions tab, with a summary per check).
Passing the visible checks is a good sign, not a guarantee: the grader tests many more cases.
"""

SUMMARY = '''"""Turn the self-check's JUnit XML into a Markdown job summary (used by the GitHub workflow)."""

import sys
from xml.etree import ElementTree as ET


def main() -> int:
    root = ET.parse(sys.argv[1]).getroot()
    cases = list(root.iter("testcase"))
    failed = [c for c in cases if c.find("failure") is not None or c.find("error") is not None]
    if "--exit-code" in sys.argv:
        return 1 if failed or not cases else 0
    print(f"### Self-check: {len(cases) - len(failed)} of {len(cases)} visible checks pass")
    print()
    print("| check | result |")
    print("|---|---|")
    for c in cases:
        bad = c.find("failure") if c.find("failure") is not None else c.find("error")
        why = "" if bad is None else (bad.get("message") or "").splitlines()[0][:200].replace("|", "\\\\|")
        print(f"| {c.get('name')} | {'pass' if bad is None else 'fail: ' + why} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def build(course: course_config.Course, out: Path) -> Path:
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; the template goes into a new folder")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(course.assignments_dir, out / "assignments", ignore=shutil.ignore_patterns(*_CACHES))
    pkg = out / "autograder"
    (pkg / "student").mkdir(parents=True)
    here = Path(__file__).resolve().parent.parent
    for name in MODULES:
        shutil.copy(here / name, pkg / name)
    (pkg / "student" / "selfcheck_summary.py").write_text(SUMMARY)
    raw = yaml.safe_load((course.root / "course.yaml").read_text())
    for a in raw.get("assignments", []):
        a.pop("hidden", None)  # the names and points of hidden tests stay with the instructor
    raw.pop("extensions", None)  # who was given more time is no classmate's business
    (out / "course.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    (out / "pyproject.toml").write_text(PYPROJECT.format(name=course.id, title=course.title))
    (out / "README.md").write_text(README.format(title=course.title))
    (out / ".gitignore").write_text(".pytest_cache/\n__pycache__/\n*.egg-info/\n.ipynb_checkpoints/\nselfcheck.xml\n")
    wf = out / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "selfcheck.yml").write_text(WORKFLOW)
    problems = unexpected_files(course, out) + leaks(course, out)
    if problems:
        shutil.rmtree(out)
        raise RuntimeError("the template would leak:\n" + "\n".join(problems))
    return out


TOP_FILES = ("course.yaml", "pyproject.toml", "README.md", ".gitignore", ".github/workflows/selfcheck.yml")
_CACHES = (".hypothesis", ".ipynb_checkpoints", "__pycache__", ".pytest_cache")


def shipped(course: course_config.Course) -> set[str]:
    """Every file the template holds, by relative path: the released folders, the student-facing
    modules, and the repository's own files. Nothing else belongs in it."""
    files = set(TOP_FILES) | {f"autograder/{m}" for m in MODULES} | {"autograder/student/selfcheck_summary.py"}
    for path in course.assignments_dir.rglob("*"):
        rel = path.relative_to(course.assignments_dir.parent)
        if path.is_file() and not set(rel.parts) & set(_CACHES):
            files.add(rel.as_posix())
    return files


def unexpected_files(course: course_config.Course, folder: Path) -> list[str]:
    """Files in a template folder that are not on the list of what it ships (an allowlist: whatever
    is added to the course later, be it code, data or notes, is refused until it is listed)."""
    allowed = shipped(course)
    return [f"{p.relative_to(folder).as_posix()}: not part of the student template"
            for p in sorted(Path(folder).rglob("*"))
            if p.is_file() and p.relative_to(folder).as_posix() not in allowed
            and not set(p.relative_to(folder).parts) & set(_CACHES)]


def _solution_lines(course: course_config.Course) -> set[str]:
    lines = set()
    for a in course.assignments:
        path = course.solutions_dir / a.id / a.notebook
        for cell in (notebook.load_cells(path) if path.is_file() else []):  # a missing one is `course check`'s to report
            inside = False
            for line in cell.source.splitlines():
                if re.match(r"\s*### BEGIN SOLUTION", line):
                    inside = True
                elif re.match(r"\s*### END SOLUTION", line):
                    inside = False
                elif inside and len(line.strip()) > 12:
                    lines.add(line.strip())
    return lines


def leaks(course: course_config.Course, folder: Path) -> list[str]:
    """Anything in `folder` that students must not see: solution lines, hidden tests, oracles."""
    problems = []
    secret = _solution_lines(course)
    hidden_names = {n for a in course.assignments for n in a.hidden}
    released = {line.strip() for a in course.assignments if (course.assignments_dir / a.id / a.notebook).is_file()
                for c in notebook.load_cells(course.assignments_dir / a.id / a.notebook) for line in c.source.splitlines()}
    forbidden_files = {"oracles.py", "grade.py", "child.py", "sandbox.py", "policy.py", "strategies.py", "checks.py"}
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(folder)
        if "hidden" in rel.parts or "solutions" in rel.parts or path.name in forbidden_files:
            problems.append(f"{rel}: grader-only file")
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        stripped = {line.strip() for line in text.splitlines()}
        if path.suffix == ".ipynb":
            stripped = {line.strip() for c in notebook.load_cells(path) for line in c.source.splitlines()}
        # A line that is also in the released notebooks is public (a shared import, a signature).
        for line in sorted((stripped & secret) - released):
            problems.append(f"{rel}: solution line {line!r}")
        for name in sorted(hidden_names):
            if re.search(rf"\b{re.escape(name)}\b", text):
                problems.append(f"{rel}: names hidden test {name}")
    return problems
