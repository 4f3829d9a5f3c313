"""`course check`: a course against itself, before anyone is graded.

Every mistake an instructor can make while adding or changing an assignment, found here and
named by file and key: course.yaml against the hidden tests (both ways), the visible check and
written-answer cells against course.yaml, stubs against the solution cells, stand-ins, probes,
policy lists and training targets against stubs that exist, duplicate ids, promise tables, and
the leak rules (nothing instructor-side in a released folder). `course release` runs it first.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from autograder import notebook
from autograder.grading import content, help, hidden, promises
from autograder.config import Course, CourseConfigError

CHILD = Path(__file__).resolve().parent.parent / "runtime" / "sandboxed" / "child.py"


def builtin_probes() -> set[str]:
    """The probe kinds child.py defines (read from its text: the child is never imported here)."""
    tree = ast.parse(CHILD.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PROBES" for t in node.targets):
            return {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
    return set()


def _probe_calls(path: Path) -> list[tuple[int, str]]:
    """(line, kind) of every `<x>.probe("kind", ...)` with a literal kind in a hidden-test file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "probe"
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            out.append((node.lineno, node.args[0].value))
    return out


def _stub_problems(a, cells: list[notebook.Cell], where: str) -> list[str]:
    problems = []
    for c in cells:
        if c.role != "stub":
            continue
        names = c.defined_names()
        if c.grade_id not in names:
            problems.append(f"{where}, {c.label}: a stub cell must define a def or class named after its grade id "
                            f"{c.grade_id!r} (it defines {', '.join(names) or 'nothing'})")
    return problems


def _cell_problems(a, cells: list[notebook.Cell], where: str) -> list[str]:
    problems = []
    ids = [c.grade_id for c in cells if c.grade_id]
    for gid, n in Counter(ids).items():
        if n > 1:
            problems.append(f"{where}: grade id {gid!r} is used by {n} cells")
    for role, table, key in (("check", a.checks, "checks"), ("manual", a.manual, "manual")):
        in_notebook = {c.grade_id for c in cells if c.role == role}
        for gid in sorted(in_notebook - set(table)):
            problems.append(f"{where}: {role} cell {gid!r} has no points in course.yaml ({a.id}'s {key}:)")
        for gid in sorted(set(table) - in_notebook):
            problems.append(f"course.yaml: {a.id}'s {key}: names {gid!r}, but {where} has no {role} cell of that id")
    return problems


def check(course: Course) -> list[str]:
    """Everything wrong with the course, one line each, file and key named; empty when it is sound."""
    problems: list[str] = []
    stubs: dict[str, set[str]] = {}
    cells_of: dict[str, list[notebook.Cell]] = {}
    for a in course.assignments:
        where = f"solutions/{a.id}/{a.notebook}"
        path = course.solutions_dir / a.id / a.notebook
        if not path.is_file():
            problems.append(f"course.yaml: {a.id}'s notebook {a.notebook} is not at {where}")
            continue
        try:
            cells = notebook.load_cells(path)
        except notebook.NotebookError as exc:
            problems.append(str(exc))
            continue
        cells_of[a.id] = cells
        stubs[a.id] = {c.grade_id for c in cells if c.role == "stub" and c.grade_id}
        problems += _stub_problems(a, cells, where) + _cell_problems(a, cells, where)
    every_stub = Counter(s for names in stubs.values() for s in names)
    for stub, n in every_stub.items():
        if n > 1:
            owners = [aid for aid, names in stubs.items() if stub in names]
            problems.append(f"stub {stub!r} is defined by {n} assignments ({', '.join(owners)}); a stub name is one "
                            "assignment's")
    for a in course.assignments:
        own = stubs.get(a.id, set())
        for stub in a.must_implement:
            if stub not in own:
                problems.append(f"course.yaml: {a.id}'s must_implement names {stub!r}, which is not a stub of {a.notebook}")
        if a.training is not None and a.training.target not in own:
            problems.append(f"course.yaml: {a.id}'s training target {a.training.target!r} is not a stub of {a.notebook}")

    try:
        loaded = content.load(course)
    except CourseConfigError as exc:
        return problems + [str(exc)]
    problems += hidden.mismatches(course)
    for name, standin in sorted(help.REGISTRY.items()):
        if name not in every_stub:
            where = getattr(standin.call, "__module__", "a stand_ins.py").replace(".", "/").replace(content.PACKAGE, "solutions")
            problems.append(f"{where}.py: stand-in {name!r} stands in for no stub of the course")
    builtin = builtin_probes()
    kinds = set(builtin)
    for aid, roles in loaded.files.items():
        if "hidden" not in roles:
            problems.append(f"solutions/{aid}/hidden.py: missing (every assignment has its hidden tests there)")
        if "probes" in roles:
            problems += content.probe_import_problems(roles["probes"])
            for kind in content.probe_kinds(roles["probes"]):
                if kind in kinds:
                    problems.append(f"{roles['probes']}: probe_{kind} clashes with a probe of the same kind "
                                    "(built in, or another assignment's)")
                kinds.add(kind)
    for a in course.assignments:
        own = stubs.get(a.id, set())
        for t in hidden.registered(a.id).values():
            for stub in t.stubs:
                if stub not in own:
                    problems.append(f"solutions/{a.id}/hidden.py: {t.name} grades {stub!r}, which is not a stub of "
                                    f"{a.notebook}")
            if t.training and a.training is None:
                problems.append(f"solutions/{a.id}/hidden.py: {t.name} is a training test, but course.yaml has no "
                                f"training: section for {a.id}")
        hidden_file = loaded.files.get(a.id, {}).get("hidden")
        if hidden_file:
            for line, kind in _probe_calls(hidden_file):
                if kind not in kinds:
                    problems.append(f"{hidden_file}:{line}: probe kind {kind!r} does not exist (built in: "
                                    f"{', '.join(sorted(builtin))}; or write probe_{kind} in a probes.py)")
        if a.id in cells_of:
            tests = {t.name: t.stubs for t in hidden.registered(a.id).values()}
            problems += promises.audit(a.id, promises.task_texts(cells_of[a.id]), tests)
    problems += leak_problems(course)
    return problems


def leak_problems(course: Course) -> list[str]:
    """Nothing instructor-side in a released folder: only the released notebook and the plain files
    nbgrader copied beside it, no code, no solution line, no hidden test's name."""
    from autograder.authoring import template

    problems = []
    for a in course.assignments:
        folder = course.assignments_dir / a.id
        if not folder.is_dir():
            problems.append(f"assignments/{a.id}/: not generated yet (run `course release --no-exchange {a.id}`)")
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix == ".py" and "__pycache__" not in path.parts:
                problems.append(f"{path.relative_to(course.root)}: code in a released folder (instructor-side files "
                                "stay in solutions/)")
    problems += [f"assignments/{p}" for p in template.leaks(course, course.assignments_dir)]
    return problems
