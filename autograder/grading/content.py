"""A course's own code, found by where it lives: the engine imports it, never names it.

An assignment is one folder, `solutions/<id>/`: its source notebook and the instructor-side
code that belongs to it, each file by its role:

    hidden.py      hidden tests (required): `@hidden_test(stub, ...)` on each test function
    stand_ins.py   the grader's versions of this assignment's stubs, served to later stubs
    probes.py      child-side probes: `def probe_<kind>(ns, params) -> dict`, shipped into the sandbox
    oracles.py     anything else the tests need (references, torchvision adapters): parent only

Code several assignments share (strategies, oracles) lives in `solutions/shared/`. Why under
solutions/: that folder is already the instructor's side (never released, never mounted in a
sandbox), so one rule covers notebooks and tests alike; nbgrader releases only notebooks from it
(`release.py`), and `course check` refuses anything else in a released folder.

The course's folder is importable as the package `course_content` (`course_content.shared`,
`course_content.<id>.hidden`), so content imports its own helpers by relative or absolute import.
One course's content is loaded at a time per process; loading another course unloads the first.
"""

from __future__ import annotations

import ast
import importlib
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

from autograder.config import Course, CourseConfigError

PACKAGE = "course_content"
SHARED = "shared"
ROLES = ("hidden", "stand_ins", "oracles", "probes")  # the files of an assignment folder the engine knows
PROBE_PREFIX = "probe_"
# What a probes.py may import: it runs inside the sandbox, beside the student's code.
PROBE_IMPORTS = frozenset({"torch", "math", "collections", "itertools", "functools", "typing", "__future__",
                           "dataclasses", "numbers", "operator"})


def assignment_of(module_name: str) -> str:
    """The assignment a content module belongs to, from its import name (its folder)."""
    parts = module_name.split(".")
    if len(parts) < 3 or parts[0] != PACKAGE or parts[1] == SHARED:
        raise CourseConfigError(f"{module_name} is not inside an assignment folder (solutions/<id>/); hidden "
                                "tests, stand-ins and promises belong to one assignment")
    return parts[1]


@dataclass
class Content:
    """The loaded code of one course: which files each assignment has."""

    root: Path  # the course's solutions/ folder: which course is loaded
    files: dict[str, dict[str, Path]] = field(default_factory=dict)  # assignment -> role -> file

    def probe_files(self) -> dict[str, Path]:
        """Child-side probe files, named for the sandbox (one per assignment that has one)."""
        return {f"probes_{aid}.py": roles["probes"] for aid, roles in self.files.items() if "probes" in roles}


_LOADED: Content | None = None  # one course at a time per process


def _unload() -> None:
    global _LOADED
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    _LOADED = None
    from autograder.grading import help, hidden, promises  # registries the content fills
    from autograder.authoring.audit import explained

    for registry in (hidden, help, promises, explained):
        registry.forget()


def _package(root: Path) -> None:
    pkg = types.ModuleType(PACKAGE, "The course's content (see autograder/grading/content.py).")
    pkg.__path__ = [str(root)]
    pkg.__package__ = PACKAGE
    sys.modules[PACKAGE] = pkg


def load(course: Course) -> Content:
    """Import every assignment's content (hidden tests first), once per course per process.

    Errors name the file: a content module that does not import is the instructor's to fix, and
    is raised here, before any submission is graded."""
    global _LOADED
    root = course.solutions_dir.resolve()
    if _LOADED is not None and _LOADED.root == root:
        return _LOADED
    _unload()
    _package(root)
    content = Content(root)
    for a in course.assignments:
        folder = root / a.id
        roles = {r: folder / f"{r}.py" for r in ROLES if (folder / f"{r}.py").is_file()}
        content.files[a.id] = roles
        for role in ("stand_ins", "hidden", "oracles"):
            if role in roles:
                _import(f"{PACKAGE}.{a.id}.{role}", roles[role])
    _LOADED = content
    return content


def module(course: Course, aid: str, role: str) -> types.ModuleType:
    """One content module of an assignment (its oracles, say), for tools and benchmarks."""
    load(course)
    name = f"{PACKAGE}.{aid}.{role}"
    _import(name, course.solutions_dir / aid / f"{role}.py")
    return sys.modules[name]


def _import(name: str, path: Path) -> None:
    try:
        importlib.import_module(name)
    except CourseConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - the instructor's file: say which and why
        raise CourseConfigError(f"{path}: could not be imported ({type(exc).__name__}: {exc})") from exc


def probe_kinds(path: Path) -> list[str]:
    """The probe kinds a probes.py defines, read from its text (it is never imported in the parent)."""
    tree = ast.parse(path.read_text(), str(path))
    return [n.name[len(PROBE_PREFIX):] for n in tree.body
            if isinstance(n, ast.FunctionDef) and n.name.startswith(PROBE_PREFIX)]


def probe_import_problems(path: Path) -> list[str]:
    """A probes.py runs in the sandbox: it may import torch and a few standard modules, nothing of
    the grader or of the course (no reference answer may reach the child)."""
    problems = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or "."] if isinstance(node, ast.ImportFrom) else []
        if isinstance(node, ast.ImportFrom) and node.level:
            names = ["." * node.level + (node.module or "")]
        for n in names:
            if n.split(".")[0] not in PROBE_IMPORTS:
                problems.append(f"{path}:{node.lineno}: imports {n}; a probe runs in the sandbox and may import only "
                                f"{', '.join(sorted(PROBE_IMPORTS - {'__future__'}))}")
    return problems
