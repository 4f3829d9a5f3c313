"""A submission is what is inside its folder: links are refused by name, never followed.

A notebook, an assignment folder or a student's folder that is a symbolic link (to solutions/,
to a classmate's work), or a notebook hard-linked to another file, scores zero for its
assignment with a note naming it, and the rest is graded as usual. Nothing a link points to is
read, scored, fingerprinted, copied into autograded/, written into feedback, or collected into
submitted/ (autograder/grading/intake.py).
"""

from __future__ import annotations

import builtins
import csv
import hashlib
import io
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder import notebook
from autograder.grading import grade, intake
from autograder.reports import feedback
from autograder.term import classroom as term, demo, gradebook
from autograder.grading.submission import find_notebooks
from corpus.build import write_submission

LINK = "is a symbolic link; a submission must hold its own files, not links to them"
HARD = "is hard-linked to another file; a submission must hold its own copy"
ESCAPES = "names a place outside the submission folder"


@pytest.fixture(scope="module")
def small(course):
    """The first assignment in course.yaml: the one graded in full here (seconds, not minutes)."""
    return course.assignments[0]


@pytest.fixture(scope="module")
def other(course):
    """The second assignment in course.yaml: the one links point at (refused before any grading)."""
    return course.assignments[1]


# -- ways to make `link` lead to `target` ----------------------------------------------------------
def absolute(link: Path, target: Path, spare: Path) -> None:
    os.symlink(target.resolve(), link)


def relative(link: Path, target: Path, spare: Path) -> None:
    os.symlink(os.path.relpath(target, link.parent), link)


def chain(link: Path, target: Path, spare: Path) -> None:
    """link -> spare/hop1 -> (relative) spare/hop2 -> target."""
    spare.mkdir(parents=True, exist_ok=True)
    os.symlink(target.resolve(), spare / "hop2")
    os.symlink("hop2", spare / "hop1")
    os.symlink(spare / "hop1", link)


VARIANTS = [(absolute, "solutions"), (relative, "solutions"), (chain, "solutions"),
            (absolute, "classmate"), (relative, "classmate")]
IDS = [f"{how.__name__}-to-{whose}" for how, whose in VARIANTS]


def _target(course, a, whose: str, tmp: Path, folder: bool = False) -> Path:
    if whose == "solutions":
        home = course.solutions_dir / a.id
    else:  # a classmate's correct submission
        home = write_submission(tmp / "classmate", course, a.id).parent
    return home if folder else home / a.notebook


def _scores(result, aid: str) -> tuple[float, float]:
    tests = [t for t in result.tests if t.assignment == aid]
    return sum(t.score for t in tests), sum(t.max_score for t in tests)


def _zeroed(result, aid: str, note: str) -> None:
    """The assignment is there, out of its points, with zero, and the note says why."""
    got, best = _scores(result, aid)
    assert got == 0 and best > 0, (got, best)
    assert any(note in n for n in result.notes), result.notes
    assert all(note in t.output for t in result.tests if t.assignment == aid and t.kind == "hidden")


# -- grading one folder ------------------------------------------------------------------------------
@pytest.mark.parametrize("how, whose", VARIANTS, ids=IDS)
def test_a_symlinked_notebook_scores_zero_and_is_named(course, other, tmp_path, how, whose):
    target = _target(course, other, whose, tmp_path)
    (tmp_path / "sub" / other.id).mkdir(parents=True)
    how(tmp_path / "sub" / other.id / other.notebook, target, tmp_path / "spare")
    result = grade.grade(tmp_path / "sub", course, only=[other.id], train=False)
    _zeroed(result, other.id, f"{other.id}/{other.notebook} {LINK}")


@pytest.mark.parametrize("how, whose", VARIANTS, ids=IDS)
def test_a_symlinked_assignment_folder_scores_zero_and_is_named(course, other, tmp_path, how, whose):
    target = _target(course, other, whose, tmp_path, folder=True)
    (tmp_path / "sub").mkdir()
    how(tmp_path / "sub" / other.id, target, tmp_path / "spare")
    result = grade.grade(tmp_path / "sub", course, only=[other.id], train=False)
    _zeroed(result, other.id, f"{other.id} {LINK} ({other.id}/{other.notebook} was not read)")


@pytest.mark.parametrize("how, whose", VARIANTS[:3], ids=IDS[:3])
def test_a_symlinked_notebook_in_a_flat_upload_scores_zero_and_is_named(course, other, tmp_path, how, whose):
    """Gradescope's layout (the notebook straight in the folder): the same refusal."""
    (tmp_path / "upload").mkdir()
    how(tmp_path / "upload" / other.notebook, _target(course, other, whose, tmp_path), tmp_path / "spare")
    result = grade.grade(tmp_path / "upload", course, only=[other.id], train=False)
    _zeroed(result, other.id, f"{other.notebook} {LINK}")


@pytest.mark.parametrize("whose", ["classmate", "solutions copy", "own backup"])
def test_a_hard_linked_notebook_scores_zero_and_is_named(course, other, tmp_path, whose):
    """A hard link cannot be told from its other name, wherever that lives; even a backup of
    one's own inside the submission is refused, since the grader cannot tell that it is one."""
    mine = tmp_path / "sub" / other.id / other.notebook
    if whose == "own backup":
        write_submission(tmp_path / "sub", course, other.id)
        os.link(mine, mine.with_name("backup.ipynb"))
    else:
        if whose == "classmate":
            theirs = _target(course, other, "classmate", tmp_path)
        else:  # the instructor's file, on the same file system as the submission
            theirs = tmp_path / "instructor" / other.notebook
            theirs.parent.mkdir()
            shutil.copy(course.solutions_dir / other.id / other.notebook, theirs)
        mine.parent.mkdir(parents=True)
        os.link(theirs, mine)
    result = grade.grade(tmp_path / "sub", course, only=[other.id], train=False)
    _zeroed(result, other.id, f"{other.id}/{other.notebook} {HARD}")


def test_the_rest_of_the_submission_is_graded_as_usual(course, small, other, tmp_path):
    write_submission(tmp_path / "sub", course, small.id)
    os.symlink(course.solutions_dir / other.id, tmp_path / "sub" / other.id)
    result = grade.grade(tmp_path / "sub", course, only=[small.id, other.id], train=False)
    got, best = _scores(result, small.id)
    assert got == best > 0
    _zeroed(result, other.id, f"{other.id} {LINK}")
    assert not any(small.id in n for n in result.notes)


def test_a_notebook_swapped_for_a_link_after_it_was_found_is_not_read(course, other, tmp_path):
    """Finding and reading are one: the notebook is opened through the submission folder,
    component by component, when it is loaded, not by a path checked earlier."""
    sub = tmp_path / "sub"
    write_submission(sub, course, other.id)
    found, problems = find_notebooks(sub, course)
    assert set(found) == {other.id} and problems == {}
    nb = sub / other.id / other.notebook
    nb.unlink()
    os.symlink(course.solutions_dir / other.id / other.notebook, nb)
    with pytest.raises(notebook.NotebookError, match=f"{other.id}/{other.notebook} is a symbolic link"):
        notebook.load_cells(found[other.id])
    (sub / other.id).rename(tmp_path / "moved")
    os.symlink(course.solutions_dir / other.id, sub / other.id)
    with pytest.raises(notebook.NotebookError, match=f"{other.id} is a symbolic link"):
        notebook.load_cells(found[other.id])


# -- the intake itself: a path escaping through a linked folder, or by its name ---------------------
def _outside(tmp: Path) -> tuple[Path, bytes]:
    secret = f"outside the submission {os.urandom(8).hex()}".encode()
    (tmp / "outside" / "b").mkdir(parents=True)
    (tmp / "outside" / "b" / "nb.ipynb").write_bytes(secret)
    return tmp / "outside", secret


@pytest.mark.parametrize("layout", ["absolute parent", "relative grandparent", "chained parent", "dotdot name", "absolute name"])
def test_a_path_escaping_the_submission_is_refused(tmp_path, layout):
    outside, secret = _outside(tmp_path)
    root = tmp_path / "root"
    root.mkdir()
    rel, named = "a/b/nb.ipynb", None
    if layout == "absolute parent":  # root/a -> outside
        os.symlink(outside, root / "a")
        named = f"a {LINK} (a/b/nb.ipynb was not read)"
    elif layout == "relative grandparent":  # root/a/b -> ../../outside/b
        (root / "a").mkdir()
        os.symlink("../../outside/b", root / "a" / "b")
        named = f"a/b {LINK} (a/b/nb.ipynb was not read)"
    elif layout == "chained parent":
        chain(root / "a", outside, tmp_path / "spare")
        named = f"a {LINK}"
    elif layout == "dotdot name":
        rel, named = "../outside/b/nb.ipynb", f"../outside/b/nb.ipynb {ESCAPES}"
    else:
        rel = str(outside / "b" / "nb.ipynb")
        named = f"{rel} {ESCAPES}"
    for look in (intake.read_bytes, intake.entry):
        with pytest.raises(intake.Refused) as refused:
            look(root, rel)
        assert named in str(refused.value)
    if layout.endswith("parent"):  # a walk reports the linked folder and does not enter it
        seen = list(intake.walk(root))
        assert [e.kind for e in seen if e.link] == ["refused"] and all(e.kind != "file" for e in seen)


def test_a_file_whose_other_hard_link_is_gone_is_its_own_again(tmp_path):
    (tmp_path / "root").mkdir()
    (tmp_path / "elsewhere").write_bytes(b"mine")
    os.link(tmp_path / "elsewhere", tmp_path / "root" / "nb.ipynb")
    with pytest.raises(intake.Refused, match=f"nb.ipynb {HARD}"):
        intake.read_bytes(tmp_path / "root", "nb.ipynb")
    (tmp_path / "elsewhere").unlink()
    assert intake.read_bytes(tmp_path / "root", "nb.ipynb") == b"mine"


def test_fingerprints_of_link_free_folders_are_unchanged(course, small, other, tmp_path):
    """Records written before links were refused still match: a resumed run does not regrade everyone."""
    sub = tmp_path / "sub"
    for a in (small, other):
        write_submission(sub, course, a.id)
    (sub / small.id / ".ipynb_checkpoints").mkdir()
    (sub / small.id / ".ipynb_checkpoints" / "x.ipynb").write_text("ignored")
    (sub / "notes.txt").write_text("hello")
    h = hashlib.sha256()  # the fingerprint as it was computed before (rglob, sorted)
    h.update((course.root / "course.yaml").read_bytes())
    h.update(b"no-train")
    for p in sorted(sub.rglob("*")):
        if p.is_file() and ".ipynb_checkpoints" not in p.parts:
            h.update(str(p.relative_to(sub)).encode())
            h.update(p.read_bytes())
    assert term.fingerprint(course, sub, False) == h.hexdigest()


# -- a class ---------------------------------------------------------------------------------------
def _spy_on_opens(m: pytest.MonkeyPatch, opened: set[tuple[int, int]]) -> None:
    """Record the file (device, inode) behind every descriptor this process opens."""
    real_os_open, real_io_open = os.open, io.open

    def note(fd: int) -> None:
        try:
            st = os.fstat(fd)
        except OSError:
            return
        opened.add((st.st_dev, st.st_ino))

    def os_open(*args, **kwargs):
        fd = real_os_open(*args, **kwargs)
        note(fd)
        return fd

    def io_open(*args, **kwargs):
        f = real_io_open(*args, **kwargs)
        try:
            note(f.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return f

    m.setattr(os, "open", os_open)
    m.setattr(io, "open", io_open)
    m.setattr(builtins, "open", io_open)


def _files(folder: Path) -> list[Path]:
    """Every regular file below folder, which must hold no links at all."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            assert not p.is_symlink(), p
            if name in filenames:
                out.append(p)
    return out


def test_class_grading_never_reads_a_classmate_through_a_link(course, small, tmp_path, monkeypatch):
    """ben's notebook links to ann's, and cat's whole folder is a link to ann's: ann is graded
    as usual; ben and cat score zero with a note, and nothing of ann's is opened on their behalf,
    scored, fingerprinted, copied into their autograded/ folders or written into their feedback."""
    t = demo.make_course(course, tmp_path / "course")
    gradebook.sync(t.course)
    sub = term.submitted_dir(t.course)
    marker = f"ann's own words {os.urandom(8).hex()}"
    ann_nb = write_submission(sub / "ann", t.course, small.id)
    nb = nbformat.read(ann_nb, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(marker))
    nbformat.write(nb, ann_nb)
    (sub / "ben" / small.id).mkdir(parents=True)
    os.symlink(os.path.relpath(ann_nb, sub / "ben" / small.id), sub / "ben" / small.id / small.notebook)
    os.symlink(sub / "ann", sub / "cat")
    assert term.students(t.course) == ["ann", "ben", "cat"]

    first = term.grade_class(t.course, jobs=1, train=False, only=["ann"])
    ann = first.records["ann"]
    assert first.graded == ["ann"] and ann["score"] == ann["max_score"] > 0 and ann["notes"] == []
    assert (term.autograded_dir(t.course, "ann") / small.id / small.notebook).read_bytes() == ann_nb.read_bytes()

    ann_file = (ann_nb.stat().st_dev, ann_nb.stat().st_ino)
    opened: set[tuple[int, int]] = set()
    with monkeypatch.context() as m:
        _spy_on_opens(m, opened)
        run = term.grade_class(t.course, jobs=1, train=False, only=["ben", "cat"])
        prints = {s: term.fingerprint(t.course, sub / s, False) for s in ("ben", "cat")}
        for s in ("ben", "cat"):
            feedback.write(t.course, s, run.records[s], t.course.root / "feedback")
    assert opened and ann_file not in opened
    assert sorted(run.graded) == ["ben", "cat"] and not run.failed

    ben, cat = run.records["ben"], run.records["cat"]
    assert ben["score"] == 0 and ben["max_score"] == ann["max_score"]
    assert any(f"{small.id}/{small.notebook} {LINK}" in n for n in ben["notes"])
    assert cat["score"] == 0 and {x["assignment"] for x in cat["tests"]} == {a.id for a in t.course.assignments}
    assert any(f"submitted/cat {LINK}" in n and "cat was not graded from where it points" in n for n in cat["notes"])
    rows = {(r["student_id"], r["assignment"]): float(r["score"])
            for r in csv.DictReader(gradebook.export_csv(t.course, tmp_path / "g.csv").open())}
    assert rows[("ann", small.id)] > 0 and rows[("ben", small.id)] == 0 and rows[("cat", small.id)] == 0

    ann_hash = hashlib.sha256(ann_nb.read_bytes()).digest()
    for s in ("ben", "cat"):
        assert not (term.autograded_dir(t.course, s) / small.id / small.notebook).exists()
        html = (t.course.root / "feedback" / s / "feedback.html").read_text()
        assert LINK in html
        for p in _files(term.autograded_dir(t.course, s)) + _files(t.course.root / "feedback" / s):
            data = p.read_bytes()
            assert marker.encode() not in data and hashlib.sha256(data).digest() != ann_hash, p

    # ann changes her notebook: ben's and cat's fingerprints do not see it, so they are not regraded.
    nb.cells.append(nbformat.v4.new_markdown_cell("more of ann's words"))
    nbformat.write(nb, ann_nb)
    assert {s: term.fingerprint(t.course, sub / s, False) for s in ("ben", "cat")} == prints
    again = term.grade_class(t.course, jobs=1, train=False, only=["ben", "cat"])
    assert again.graded == [] and sorted(again.skipped) == ["ben", "cat"]


# -- collect -----------------------------------------------------------------------------------------
def test_collect_never_copies_what_a_link_in_the_exchange_points_to(course, small, tmp_path):
    """The exchange's inbound folder is writable by every student: mal swaps her notebook for a
    link to solutions/ and adds links to a secret file and folder, hal hard-links his notebook to
    a copy of the solution, and sly's whole submission is a link.
    submitted/ ends up with none of that content, and grading names each refused file."""
    t = demo.make_course(course, tmp_path / "course")
    term.release_to_exchange(t.course, [small.id], t.exchange)
    solution = t.course.solutions_dir / small.id / small.notebook
    secret = f"the instructor's secret {os.urandom(8).hex()}".encode()
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "key.txt").write_bytes(secret)
    copy_of_solution = tmp_path / "secret" / small.notebook
    shutil.copy(solution, copy_of_solution)
    for s in ("eve", "mal", "hal"):
        demo.fetch(t, s, small.id)
        write_submission(t.homes / s, t.course, small.id)
        demo.submit(t, s, small.id)
    [inbound] = t.exchange.glob("*/inbound")
    [mal] = inbound.glob(f"mal+{small.id}+*")
    (mal / small.notebook).unlink()
    os.symlink(solution, mal / small.notebook)
    os.symlink(tmp_path / "secret" / "key.txt", mal / "notes.txt")
    os.symlink(os.path.relpath(tmp_path / "secret", mal), mal / "data")
    [hal] = inbound.glob(f"hal+{small.id}+*")
    (hal / small.notebook).unlink()
    os.link(copy_of_solution, hal / small.notebook)
    [eve] = inbound.glob(f"eve+{small.id}+*")
    os.symlink(tmp_path / "secret", inbound / eve.name.replace("eve+", "sly+", 1))

    assert term.collect(t.course, [small.id], t.exchange, check_owner=False) == ["eve", "hal", "mal", "sly"]

    sub = term.submitted_dir(t.course)
    forbidden = {solution.read_bytes(), secret}
    for dirpath, dirnames, filenames in os.walk(sub):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            if p.is_symlink():  # what stands for a refused entry leads nowhere
                assert os.readlink(p).startswith("/dev/null/") and not p.exists(), p
            elif p.is_file():
                data = p.read_bytes()
                assert data not in forbidden and secret not in data, p
    assert (sub / "eve" / small.id / small.notebook).read_bytes() == (t.homes / "eve" / small.id / small.notebook).read_bytes()
    assert (sub / "mal" / small.id / small.notebook).is_symlink() and (sub / "sly" / small.id).is_symlink()

    for s, note in (("mal", f"{small.id}/{small.notebook} {LINK}"),
                    ("hal", f"{small.id}/{small.notebook} {HARD}"),
                    ("sly", f"{small.id} {LINK}")):
        _zeroed(grade.grade(sub / s, t.course, only=[small.id], train=False), small.id, note)


def test_a_submission_too_large_to_collect_stops_no_one_else(course, small, tmp_path):
    """nbgrader raises on a submission over max_dir_size, which ended the collect for every student
    after it. Here big's upload arrives as names only (nothing of it read), the classmates after
    big are collected as usual, and grading tells big why each file scored nothing."""
    t = demo.make_course(course, tmp_path / "course")
    term.release_to_exchange(t.course, [small.id], t.exchange)
    for s in ("big", "zoe"):
        demo.fetch(t, s, small.id)
        write_submission(t.homes / s, t.course, small.id)
        demo.submit(t, s, small.id)
    [inbound] = t.exchange.glob("*/inbound")
    [big] = inbound.glob(f"big+{small.id}+*")
    for name in ("data.bin", "more.bin"):  # 120 MB (sparse): over nbgrader's default max_dir_size of 100 MB
        with open(big / name, "wb") as f:
            f.truncate(60 * 1000**2)

    assert term.collect(t.course, [small.id], t.exchange, check_owner=False) == ["big", "zoe"]

    sub = term.submitted_dir(t.course)
    assert (sub / "zoe" / small.id / small.notebook).read_bytes() == (t.homes / "zoe" / small.id / small.notebook).read_bytes()
    for name in (small.notebook, "data.bin", "more.bin"):
        p = sub / "big" / small.id / name
        assert p.is_symlink() and os.readlink(p) == intake.INERT + intake.TOO_LARGE
    _zeroed(grade.grade(sub / "big", t.course, only=[small.id], train=False), small.id,
            f"{small.id}/{small.notebook} {intake.TOO_LARGE}")
    assert _scores(grade.grade(sub / "zoe", t.course, only=[small.id], train=False), small.id)[0] > 0
