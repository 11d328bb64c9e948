"""Shared fixtures for the project's own tests."""
from pathlib import Path

import pytest

from grader import manifest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def course():
    return manifest.load(ROOT)
