"""Shared fixtures for the grader's own test suite.

Tests never download: Fashion-MNIST comes from $COURSE_DATA_ROOT, which CI (.ci/run) and this
file, when it is unset, point at the repository's ../shared/data where that exists; nothing here
depends on course.yaml's data_root or on the per-user default.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Before any course is loaded (the data root is read from the environment at every use).
_SHARED_DATA = ROOT.parent / "shared" / "data"
if not os.environ.get("COURSE_DATA_ROOT") and _SHARED_DATA.is_dir():
    os.environ["COURSE_DATA_ROOT"] = str(_SHARED_DATA)

# The notebooks under tests/ are fixtures, not self-check targets.
collect_ignore_glob = ["**/*.ipynb"]


@pytest.fixture(scope="session")
def course():
    from autograder import config

    return config.load(ROOT / "course.yaml")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
