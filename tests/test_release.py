"""assignments/ is exactly what nbgrader makes of solutions/, and nothing leaks."""

from __future__ import annotations

import json
import re

import pytest

from autograder import config
from autograder.authoring import release
from autograder.notebook import load_cells
from conftest import ROOT

AIDS = [a.id for a in config.load(ROOT / "course.yaml").assignments]  # every assignment, as course.yaml lists them

MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


@pytest.fixture(scope="module")
def regenerated(course, tmp_path_factory):
    return release.generate(course, release_dir=tmp_path_factory.mktemp("release"))


def _files(folder):
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file() and ".hypothesis" not in p.parts)


def test_committed_assignments_match_regeneration(course, regenerated):
    committed = course.assignments_dir
    assert _files(regenerated) == _files(committed), "assignments/ holds different files: run `course release`"
    for rel in _files(regenerated):
        fresh, kept = regenerated / rel, committed / rel
        if rel.suffix == ".ipynb":
            assert json.loads(fresh.read_text()) == json.loads(kept.read_text()), (
                f"assignments/{rel} is stale: run `course release` and commit the result"
            )
        else:
            assert fresh.read_bytes() == kept.read_bytes()


def _solution_lines(path):
    """Lines that occur only inside ### BEGIN/END SOLUTION blocks of the solution notebook.

    A line the instructor also wrote in the open (a check cell, an example) is public by
    definition; everything else in a solution block must stay out of the release.
    """
    hidden, public = [], set()
    for cell in load_cells(path):
        inside = False
        for line in cell.source.splitlines():
            if MARKER.match(line):
                inside = line.strip().startswith("### BEGIN")
                continue
            text = line.strip()
            if text and not text.startswith("#"):
                (hidden.append(text) if inside else public.add(text))
    return [line for line in hidden if line not in public]


@pytest.mark.parametrize("aid", AIDS)
def test_no_solution_line_leaks_into_the_release(course, aid):
    a = course.assignment(aid)
    secret = [
        line for line in _solution_lines(course.solutions_dir / a.id / a.notebook)
        if len(line) > 8
    ]
    assert secret, "the solution notebook has no solution block"
    released = (course.assignments_dir / a.id / a.notebook).read_text()
    text = "\n".join(
        line.strip() for cell in json.loads(released)["cells"] for line in "".join(cell["source"]).splitlines()
    )
    outputs = json.dumps([cell.get("outputs", []) for cell in json.loads(released)["cells"]])
    leaked = [line for line in secret if line in text.splitlines() or json.dumps(line)[1:-1] in outputs]
    assert not leaked, f"{a.id}: solution lines appear in the release: {leaked[:5]}"


@pytest.mark.parametrize("aid", AIDS)
def test_release_has_stubs_locked_checks_and_course_points(course, aid):
    a = course.assignment(aid)
    cells = load_cells(course.assignments_dir / a.id / a.notebook)
    stubs = [c for c in cells if c.role == "stub"]
    assert stubs and all("raise NotImplementedError()" in c.source for c in stubs)
    assert all(len(c.defined_names()) == 1 and c.defined_names()[0] == c.grade_id for c in stubs)
    points = {c.grade_id: c.points for c in cells if c.role in ("check", "manual")}
    assert points == {**a.checks, **a.manual}
    nb = json.loads((course.assignments_dir / a.id / a.notebook).read_text())
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            assert meta["locked"] and meta.get("checksum"), "check cells must be locked and checksummed"


def test_release_refuses_points_missing_from_course_yaml(course, tmp_path):
    a = course.assignment("02_convolutions")
    yaml_path = tmp_path / "course.yaml"
    import yaml as _yaml

    data = _yaml.safe_load((course.root / "course.yaml").read_text())
    data["assignments"] = [d for d in data["assignments"] if d["id"] == a.id]
    data["assignments"][0]["checks"].pop("check_edge_detection")
    yaml_path.write_text(_yaml.safe_dump(data))
    (tmp_path / "solutions").symlink_to(course.solutions_dir)
    from autograder import config

    broken = config.load(yaml_path)
    with pytest.raises(release.ReleaseError, match="check_edge_detection"):
        release.generate(broken, [a.id], release_dir=tmp_path / "out")
