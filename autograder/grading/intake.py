"""What a submission is: its own regular files, read without following links.

A submission folder belongs to one student, and the grader reads it with the instructor's
rights. Anything in it that is not the student's own file would make the grader read
something else on the student's behalf: a symbolic link (to `solutions/`, to a classmate's
notebook), a hard link (the same file under another name), a FIFO, a device, a name with
`..`. Such entries are refused with a note naming them, and never opened.

Everything else is opened one path component at a time, relative to the descriptor of the
folder above it, with O_NOFOLLOW: there is no moment between a check and a read in which a
component could be swapped for a link. A file is accepted only if fstat on the open
descriptor says it is a regular file with one link.

Why every hard-linked file (st_nlink > 1) is refused: a hard link is indistinguishable from
the file it shares an inode with, and finding where the other name lives would mean
scanning the whole file system for that inode. Nothing that honestly produces a submission
makes hard links (Jupyter's save, nbgrader's submit and collect, git checkouts, zip and tar
extraction all write fresh files), so refusing them all costs an honest student nothing and
closes `ln solutions/02/x.ipynb` and `ln ../alice/02/x.ipynb` alike.

The folder itself, as its path is given, is the caller's choice and is trusted (`course
grade FOLDER`, Gradescope's /autograder/submission), except where a student could have
made it: term.py opens a student's folder under submitted/, and an exchange submission
being collected, with `follow_root=False`.

Every place that reads a submission goes through this module: finding notebooks
(submission.find_notebooks), loading them (notebook.read, via `Member`), fingerprints,
copies into autograded/, collection from the exchange (term.py) and feedback images.
"""

from __future__ import annotations

import errno
import itertools
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath
from typing import Callable, Iterator, Literal

LINK = "is a symbolic link; a submission must hold its own files, not links to them"
HARD_LINK = "is hard-linked to another file; a submission must hold its own copy"
SPECIAL = "is not a regular file (a pipe, socket or device); a submission must hold its own files"
FOLDER = "is a folder, not a file"
ESCAPES = "names a place outside the submission folder"
SWAPPED = "was replaced while it was being opened"
# A walk reads a bounded amount whatever a submission holds (a zip of a million empty files, folders
# nested thousands deep): deeper folders are refused without being entered, and a walk that has met
# MAX_ENTRIES files and folders refuses the next one and stops. Far above what any assignment needs.
MAX_DEPTH = 32
MAX_ENTRIES = 20_000
DEEP = f"is more than {MAX_DEPTH} folders deep; a submission's folders are not read that far"
CROWDED = f"comes after the first {MAX_ENTRIES} files and folders; the rest of so large a submission is not read"
TOO_LARGE = ("was not collected: the submission as a whole is larger than the course allows "
             "(nbgrader's max_dir_size); nothing of it was collected")
REASONS = (LINK, HARD_LINK, SPECIAL, DEEP, CROWDED, TOO_LARGE)  # what an inert link may say it stands for

# What collect leaves in place of a refused entry: a link that cannot lead anywhere (nothing
# can exist below /dev/null, which is not a folder), whose text says why. Its name stays, so
# the grader names the file; its content never arrives.
INERT = "/dev/null/refused: "

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC  # NONBLOCK: a FIFO must not hang us


class Refused(Exception):
    """An entry that is not the submission's own file or folder; str() names it and says why."""

    def __init__(self, name: str, why: str, wanted: str | None = None) -> None:
        self.name, self.why, self.wanted = name, why, wanted
        tail = f" ({wanted} was not read)" if wanted and wanted != name else ""
        super().__init__(f"{name} {why}{tail}")


class Member(type(Path())):  # type: ignore[misc]  # PosixPath: pathlib's concrete class here
    """A path found inside a submission that remembers its folder, so that readers
    (notebook.read) open it through this module instead of following links.

    Paths derived from it (`.parent`, `/`, `relative_to`) lack `submission` and read as plain paths.
    """

    submission: Path
    member: PurePosixPath

    @classmethod
    def at(cls, root: Path | str, rel: PurePath | str) -> "Member":
        m = cls(root, rel)
        m.submission, m.member = Path(root), PurePosixPath(rel)
        return m


def inside(path: PurePath) -> tuple[Path, PurePosixPath] | None:
    """(submission folder, relative path) when `path` is a `Member`, else None."""
    root = getattr(path, "submission", None)
    return (root, path.member) if isinstance(path, Member) and root is not None else None


def _parts(rel: PurePath | str) -> tuple[str, ...]:
    text = str(rel)
    p = PurePosixPath(text)
    if p.is_absolute() or ".." in p.parts or "\0" in text:
        raise Refused(text, ESCAPES)
    return p.parts


def _readlink(name: str, dir_fd: int | None) -> str:
    try:
        return os.readlink(name, dir_fd=dir_fd)
    except OSError:
        return ""


def _verdict(st: os.stat_result, name: str, dir_fd: int | None) -> str | None:
    """Why an entry (lstat'ed, never followed) is not the submission's own; None when it is."""
    if stat.S_ISLNK(st.st_mode):
        text = _readlink(name, dir_fd)
        return text[len(INERT):] if text.startswith(INERT) and text[len(INERT):] in REASONS else LINK
    if stat.S_ISREG(st.st_mode):
        return HARD_LINK if st.st_nlink > 1 else None
    return None if stat.S_ISDIR(st.st_mode) else SPECIAL


def _why(name: str, dir_fd: int | None) -> str | None:
    try:
        return _verdict(os.stat(name, dir_fd=dir_fd, follow_symlinks=False), name, dir_fd)
    except OSError:
        return None


def _open_root(root: Path | str, follow_root: bool) -> int:
    try:
        return os.open(root, _DIR if not follow_root else _DIR & ~os.O_NOFOLLOW)
    except OSError:
        why = None if follow_root else _why(str(root), None)
        if why:
            raise Refused(Path(root).name, why) from None
        raise


def _descend(root_fd: int, names: tuple[str, ...], wanted: str) -> int:
    """A descriptor of root/names..., opened folder by folder without following any link."""
    fd = os.dup(root_fd)
    try:
        for i, name in enumerate(names):
            try:
                nfd = os.open(name, _DIR, dir_fd=fd)
            except OSError as exc:
                why = _why(name, fd)
                if why:
                    raise Refused("/".join(names[: i + 1]), why, wanted) from None
                if exc.errno == errno.ENOTDIR:  # a file where a folder should be: the file is missing
                    raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), wanted) from None
                raise
            os.close(fd)
            fd = nfd
        return fd
    except BaseException:
        os.close(fd)
        raise


def open_member(root: Path | str, rel: PurePath | str, *, follow_root: bool = True) -> int:
    """A read-only descriptor of root/rel, which must be the submission's own regular file.

    Raises Refused (a link anywhere on the way, a hard link, a pipe...), FileNotFoundError.
    """
    names = _parts(rel)
    if not names:
        raise Refused(str(rel) or ".", FOLDER)
    wanted = "/".join(names)
    rfd = _open_root(root, follow_root)
    try:
        dfd = _descend(rfd, names[:-1], wanted)
    finally:
        os.close(rfd)
    try:
        try:  # look first (lstat): a link or a hard-linked file is refused without being opened
            seen = os.stat(names[-1], dir_fd=dfd, follow_symlinks=False)
        except FileNotFoundError:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), wanted) from None
        why = _file_verdict(seen, names[-1], dfd)
        if why:
            raise Refused(wanted, why)
        try:
            fd = os.open(names[-1], _FILE, dir_fd=dfd)
        except OSError as exc:  # swapped for a link since the lstat (ELOOP), or gone
            why = _why(names[-1], dfd)
            if why:
                raise Refused(wanted, why) from None
            if exc.errno == errno.ENOENT:
                raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), wanted) from None
            raise
        st = os.fstat(fd)  # the file actually opened: the one looked at, and still the submission's own
        why = _file_verdict(st, names[-1], dfd) or (None if (st.st_dev, st.st_ino) == (seen.st_dev, seen.st_ino) else SWAPPED)
        if why:
            os.close(fd)
            raise Refused(wanted, why)
        return fd
    finally:
        os.close(dfd)


def _file_verdict(st: os.stat_result, name: str, dir_fd: int) -> str | None:
    """Why an entry that should be a file is not the submission's own regular file; None when it is."""
    if stat.S_ISDIR(st.st_mode):
        return FOLDER
    return _verdict(st, name, dir_fd)


MAX_FILE_BYTES = 64 * 1024**2  # far above any notebook of this course; a larger file is refused unread


def read_bytes(root: Path | str, rel: PurePath | str, *, follow_root: bool = True, limit: int = MAX_FILE_BYTES) -> bytes:
    """The content of the submission's own regular file root/rel (see open_member), at most `limit` bytes."""
    with os.fdopen(open_member(root, rel, follow_root=follow_root), "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise Refused(f"{PurePath(rel).as_posix()} is larger than {limit // 1024**2} MiB; a submission's file may not be")
    return data


def entry(root: Path | str, rel: PurePath | str, *, follow_root: bool = True) -> os.stat_result | None:
    """lstat of root/rel, None when it is not there; Refused when it or a folder above it is not
    the submission's own (a link, a hard-linked file, a pipe...)."""
    names = _parts(rel)
    wanted = "/".join(names) or "."
    rfd = _open_root(root, follow_root)
    try:
        if not names:
            return os.fstat(rfd)
        try:
            dfd = _descend(rfd, names[:-1], wanted)
        except FileNotFoundError:
            return None
    finally:
        os.close(rfd)
    try:
        try:
            st = os.stat(names[-1], dir_fd=dfd, follow_symlinks=False)
        except FileNotFoundError:
            return None
        why = _verdict(st, names[-1], dfd)
        if why:
            raise Refused(wanted, why)
        return st
    finally:
        os.close(dfd)


def names(root: Path | str, rel: PurePath | str = "", *, follow_root: bool = True) -> list[str]:
    """The names in the submission's own folder root/rel (nothing is followed or opened)."""
    parts = _parts(rel)
    rfd = _open_root(root, follow_root)
    try:
        dfd = _descend(rfd, parts, "/".join(parts) or ".")
    finally:
        os.close(rfd)
    try:
        return _listing(dfd)
    finally:
        os.close(dfd)


def _listing(dfd: int) -> list[str]:
    """A folder's names, sorted; at most MAX_ENTRIES + 1 of them are read, however many it holds."""
    with os.scandir(dfd) as found:  # scandir duplicates the descriptor; dfd stays open
        return sorted(e.name for e in itertools.islice(found, MAX_ENTRIES + 1))


@dataclass(frozen=True)
class Entry:
    """One thing in a submission, as found (lstat), never followed."""

    rel: PurePosixPath  # "." for the folder itself
    kind: Literal["dir", "file", "refused"]
    stat: os.stat_result
    refused: Refused | None = None
    link: str = ""  # a symbolic link's text, read but never followed


def walk(root: Path | str, *, follow_root: bool = True,
         skip: Callable[[PurePosixPath, os.stat_result], bool] | None = None) -> Iterator[Entry]:
    """Every entry below root, sorted, depth first (as sorted(rglob) orders paths); links and
    other refused entries are reported and not entered. `skip(rel, lstat)` leaves entries out."""
    try:
        rfd = _open_root(root, follow_root)
    except Refused as exc:
        yield Entry(PurePosixPath("."), "refused", os.lstat(root), exc, _readlink(str(root), None))
        return
    try:
        yield from _walk(rfd, PurePosixPath(), skip, itertools.count(1))
    except _Stop:
        return
    finally:
        os.close(rfd)


class _Stop(Exception):
    """The walk met MAX_ENTRIES: it ends here, at every level."""


def _walk(dfd: int, here: PurePosixPath, skip: Callable[[PurePosixPath, os.stat_result], bool] | None,
          seen: Iterator[int]) -> Iterator[Entry]:
    for name in _listing(dfd):
        rel = here / name
        try:
            st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
        except FileNotFoundError:
            continue
        if skip and skip(rel, st):
            continue
        if next(seen) > MAX_ENTRIES:
            yield Entry(rel, "refused", st, Refused(str(rel), CROWDED))
            raise _Stop
        why = _verdict(st, name, dfd) or (DEEP if stat.S_ISDIR(st.st_mode) and len(rel.parts) > MAX_DEPTH else None)
        if why:
            yield Entry(rel, "refused", st, Refused(str(rel), why), _readlink(name, dfd) if stat.S_ISLNK(st.st_mode) else "")
        elif stat.S_ISDIR(st.st_mode):
            try:
                cfd = os.open(name, _DIR, dir_fd=dfd)
            except OSError:  # swapped since the lstat
                yield Entry(rel, "refused", st, Refused(str(rel), _why(name, dfd) or LINK))
                continue
            try:
                yield Entry(rel, "dir", st)
                yield from _walk(cfd, rel, skip, seen)
            finally:
                os.close(cfd)
        else:
            yield Entry(rel, "file", st)


def leave_inert(path: Path, why: str) -> None:
    """Put a link that leads nowhere at `path`, whose text records why the entry was refused."""
    os.symlink(INERT + why, path)


def copy_tree(src: Path | str, dest: Path | str, *, follow_src: bool = False,
              skip: Callable[[PurePosixPath, os.stat_result], bool] | None = None,
              file_mode: int = 0o644, dir_mode: int = 0o755, refuse_files: str | None = None) -> list[Refused]:
    """Copy a submission's own files and folders from src to a new dest; returns what was refused.

    Each refused entry is left in dest as an inert link (`INERT`): its name stays, so grading
    names it; its target's content is never read. A src that is itself a link makes dest one.
    `refuse_files` (one of REASONS): every file is left so, for that reason, and none is read.
    """
    dest = Path(dest)
    if dest.is_symlink():
        dest.unlink()
    refused: list[Refused] = []
    dest.parent.mkdir(parents=True, exist_ok=True)
    entries = walk(src, follow_root=follow_src, skip=skip)
    first = next(entries, None)
    if first is not None and first.rel == PurePosixPath("."):
        assert first.refused is not None
        leave_inert(dest, first.refused.why)
        return [first.refused]
    dest.mkdir(mode=dir_mode, exist_ok=True)
    for e in itertools.chain([first] if first else [], entries):
        target = dest / e.rel
        if e.kind == "dir":
            target.mkdir(mode=dir_mode)
            continue
        if e.kind == "file" and refuse_files:
            reason = Refused(str(e.rel), refuse_files)
        elif e.kind == "file":
            try:
                src_fd = open_member(src, e.rel, follow_root=follow_src)
            except FileNotFoundError:  # gone since it was listed
                continue
            except Refused as exc:  # swapped since it was listed
                reason = exc
            else:
                with os.fdopen(src_fd, "rb") as fin:
                    out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, file_mode)
                    with os.fdopen(out, "wb") as fout:
                        shutil.copyfileobj(fin, fout)
                        fout.flush()
                        os.utime(fout.fileno(), ns=(e.stat.st_atime_ns, e.stat.st_mtime_ns))
                continue
        else:
            assert e.refused is not None
            reason = e.refused
        refused.append(reason)
        leave_inert(target, reason.why)
    return refused
