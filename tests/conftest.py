"""Shared fixtures for the grader's own test suite.

Tests never download: Fashion-MNIST comes from the configured data root (course.yaml,
or $COURSE_DATA_ROOT), which CI points at ../shared/data.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

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
