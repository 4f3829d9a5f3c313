"""Images a report inlines: only a PNG the grader itself wrote, as base64 for a `data:` URL.

A test's `files` name paths (the training curve). Every report that inlines one (feedback page,
Gradescope, PrairieLearn) reads it here, so the rule is the same everywhere: inside the folder the
grader wrote it to, not a link (grading/intake.py), a real PNG by its magic bytes, and no larger
than the report can carry.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from autograder.grading import intake

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_base64(path: str | Path, home: str | Path, limit: int, *, follow_home: bool = True) -> str | None:
    """The PNG at `path` inside `home`, base64; None for anything else (outside, a link, not a PNG, over `limit`)."""
    # Both made absolute the same way (no link followed): the grader may have been given a relative workdir.
    home, p = Path(os.path.abspath(home)), Path(os.path.abspath(path))
    if p.suffix != ".png" or not p.is_relative_to(home):
        return None
    try:
        data = intake.read_bytes(home, p.relative_to(home).as_posix(), follow_root=follow_home, limit=limit)
    except (OSError, ValueError, intake.Refused):
        return None
    return base64.b64encode(data).decode("ascii") if data.startswith(PNG_MAGIC) else None
