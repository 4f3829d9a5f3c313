"""Mutants an instructor has looked at and found equivalent, or allowed by the task's text, with
the reason, kept beside the tests.

Mutation analysis cannot decide equivalence, and the differential check (equivalence.py) only
compares function stubs. Some survivors are equivalent for a reason it cannot see, such as a
device move that changes nothing on a machine with one device. An instructor writes them down
in the hidden-test module, matched by stub and the mutant's description, and the audit counts
them as equivalent, with the reason, instead of as survivors. An entry that no longer matches
a generated mutant is reported, so the list cannot go stale silently.
"""

from __future__ import annotations

_EXPLAINED: dict[tuple[str, str, str], str] = {}


def equivalent(assignment: str, stub: str, description: str, why: str) -> None:
    """The mutant of `stub` described exactly so (as `course audit` prints it) behaves like the reference,
    or differs only in what the task's text leaves open."""
    if not why.strip():
        raise ValueError(f"say why the mutant of {assignment}/{stub} '{description}' is equivalent")
    _EXPLAINED[(assignment, stub, description)] = why


def forget() -> None:
    """Drop every entry (a new course's content is being loaded)."""
    _EXPLAINED.clear()


def why(assignment: str, stub: str, description: str) -> str | None:
    return _EXPLAINED.get((assignment, stub, description))


def entries(assignment: str) -> list[tuple[str, str, str]]:
    """(stub, description, why) for one assignment."""
    return [(s, d, w) for (a, s, d), w in _EXPLAINED.items() if a == assignment]
