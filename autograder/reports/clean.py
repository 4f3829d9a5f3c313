"""Every text a report carries is cleaned here, once, by `text()`: the one function every writer uses.

Student code influences test outputs (counterexamples, exception messages), notes (cell labels,
grade ids), the captured output and names (a student's folder). Those reach results.json
(Gradescope), JUnit XML, the Markdown job summary, the instructor's terminal, the gradebook's CSV
and the HTML feedback. `text()`:

* strips ANSI escape sequences and every control character except newline and tab (a CR LF or a
  lone CR becomes a newline), C1 controls, bidirectional overrides, the XML non-characters U+FFFE
  and U+FFFF, and turns lone surrogates into U+FFFD. What is left is valid XML 1.0 character data,
  UTF-8 encodable, and inert on a terminal;
* replaces the grader's own paths with neutral names: the course root (`<course>`), the
  submission folder (paths inside it become relative; the folder itself `<submission>`), the
  sandbox's runtime folder (`<grader>`), the temp folder (`<tmp>`), Python's prefix, standard
  library and site-packages (`<python>`, `<site-packages>`) and the user's home (`~`);
* caps the length, keeping the head and the tail around "[... N characters cut]", so that a child
  sending a 16 MB message cannot make a 16 MB report. Gradescope documents no size limit for
  results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/); the caps below
  keep it to a few hundred KB in the worst case (about OUTPUT characters per test).

Escaping for a format (XML, HTML, Markdown) is the writer's job; cleaning is this module's.
"""

from __future__ import annotations

import os
import re
import sys
import sysconfig
import tempfile
from functools import lru_cache
from pathlib import Path

# Caps, in characters.
OUTPUT = 4000          # one test's output
NOTE = 1000            # one note
NOTES = 8000           # all notes of a submission together
STUDENT_OUTPUT = 8000  # the student's captured stdout/stderr
NAME = 200             # a name: a test, a stub, a student, an assignment

_ANSI = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]"            # CSI: colours, cursor movement, erase
    r"|\][^\x07\x1b]*(?:\x07|\x1b\\)?"        # OSC: window titles, hyperlinks
    r"|[PX^_][^\x1b]*(?:\x1b\\)?"             # DCS, SOS, PM, APC strings
    r"|[@-Z\\-_]|[ -/]+[0-~]?)?"              # two-character escapes (and a bare ESC)
)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# C0 except tab and newline, DEL, C1, bidi embeddings/overrides/isolates, XML non-characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")

_LINE_BREAK = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]")

_registered: dict[str, str] = {}


def grader_path(path: os.PathLike | str, name: str) -> None:
    """Name one more of the grader's own paths (every course root config.load read is one already)."""
    for p in {str(path), os.path.realpath(path)}:
        if len(p) > 1:
            _registered.setdefault(p.rstrip("/"), name)
    _table.cache_clear()


def _course_roots() -> tuple[str, ...]:
    from autograder import config

    return tuple(sorted(config.LOADED_ROOTS))


def _defaults() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    tmp = tempfile.gettempdir()
    for t in {tmp, os.path.realpath(tmp)}:
        # The sandbox's runtime folder (course-runtime-*) first: it is the grader's code.
        out.append((re.escape(t.rstrip("/")) + r"/course-runtime-[^/\s'\":]*", "<grader>"))
    paths: dict[str, str] = {}
    for key in ("purelib", "platlib"):
        if sysconfig.get_paths().get(key):
            paths[sysconfig.get_paths()[key]] = "<site-packages>"
    for p in sys.path:
        if p.endswith(("site-packages", "dist-packages")):
            paths.setdefault(p, "<site-packages>")
    for key in ("stdlib", "platstdlib"):
        if sysconfig.get_paths().get(key):
            paths.setdefault(sysconfig.get_paths()[key], "<python>")
    for prefix in (sys.prefix, sys.exec_prefix):
        if prefix not in ("/", "/usr", "/usr/local"):
            paths.setdefault(prefix, "<python>")
    paths.setdefault(str(Path(__file__).resolve().parent.parent), "<grader>")
    paths.setdefault(tmp, "<tmp>")
    home = os.path.expanduser("~")
    if home not in ("/", "", "~"):
        paths.setdefault(home, "~")
    for p, name in list(paths.items()):
        paths.setdefault(os.path.realpath(p), name)
    out += [(re.escape(p.rstrip("/")), name) for p, name in paths.items() if len(p.rstrip("/")) > 1]
    return out


@lru_cache(maxsize=64)
def _table(submission: str | None, roots: tuple[str, ...]) -> tuple[re.Pattern, list[str]]:
    """One alternation of every path, longest first (so the most specific name wins)."""
    entries: list[tuple[str, str]] = []
    if submission:
        for s in {submission, os.path.realpath(submission)}:
            s = s.rstrip("/")
            if len(s) > 1:
                entries += [(re.escape(s) + "/+", ""), (re.escape(s), "<submission>")]
    for root in roots:
        for p in {root, os.path.realpath(root)}:
            entries.append((re.escape(p.rstrip("/")), "<course>"))
    entries += [(re.escape(p), name) for p, name in _registered.items()]
    entries += _defaults()
    entries.sort(key=lambda e: len(e[0]), reverse=True)
    # A path ends where a name character does not follow it: /tmp must not match /tmpdata.
    # (A sentence's full stop may follow it.)
    pattern = "|".join(f"(?P<g{i}>{rx})(?![\\w\\-]|\\.[\\w\\-])" if not rx.endswith(("/+", "*")) else f"(?P<g{i}>{rx})"
                       for i, (rx, _) in enumerate(entries))
    return re.compile(pattern or r"(?!x)x"), [name for _, name in entries]


def _scrub(s: str, submission: str | None) -> str:
    if "/" not in s:
        return s
    pattern, names = _table(submission, _course_roots())
    return pattern.sub(lambda m: names[int(m.lastgroup[1:])], s)


def _strip(s: str) -> str:
    s = _SURROGATE.sub("\ufffd", s)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = _ANSI.sub("", s)
    return _CONTROL.sub("", s)


def text(value: object, limit: int | None = None, *, submission: os.PathLike | str | None = None,
         line: bool = False) -> str:
    """`value` as text fit for any report: see the module's docstring. Idempotent.

    `line`: a single line (a name, a table cell): newlines and tabs become spaces too."""
    s = value if isinstance(value, str) else "" if value is None else str(value)
    if line:
        s = _LINE_BREAK.sub(" ", s)
    sub = str(submission) if submission else None
    if limit is not None and len(s) > 4 * limit + 256:
        # Bound the work on huge input: clean only what can be kept.
        keep = 2 * limit
        head, tail = (_scrub(_strip(p), sub) for p in (s[:keep], s[-keep:]))
        return _cap(head, tail, limit, len(s) - 2 * keep)
    s = _scrub(_strip(s), sub)
    if limit is None or len(s) <= limit:
        return s
    return _cap(s, "", limit, 0)


def _cap(head: str, tail: str, limit: int, dropped: int) -> str:
    total = len(head) + len(tail) + dropped
    room = max(limit - len(f"\n[... {total} characters cut]\n"), 0)
    h = room * 2 // 3
    t = room - h
    if tail:
        kept_head, kept_tail = head[:h], tail[len(tail) - t:] if t else ""
    else:
        kept_head, kept_tail = head[:h], head[max(len(head) - t, h):] if t else ""
    cut = total - len(kept_head) - len(kept_tail)
    return f"{kept_head}\n[... {cut} characters cut]\n{kept_tail}"


def name(value: object, *, submission: os.PathLike | str | None = None) -> str:
    """A name (a test, a stub, a student, an assignment): one clean line of at most NAME characters."""
    return text(value, NAME, submission=submission, line=True)


def notes(items: list[object], *, submission: os.PathLike | str | None = None) -> list[str]:
    """Notes, each cleaned and capped, all together within NOTES characters."""
    out: list[str] = []
    used = 0
    for i, item in enumerate(items):
        note = text(item, NOTE, submission=submission)
        if used + len(note) > NOTES:
            out.append(f"[... {len(items) - i} more note(s) cut]")
            break
        out.append(note)
        used += len(note)
    return out
