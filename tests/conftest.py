"""Fixtures shared by certkit's tests."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from certkit.vectors import VectorStore
from helpers import certify


@pytest.fixture(scope="session")
def clean_smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One smoke run of the clean emulator, shared by the tests that compare against it."""
    return certify("emulator:", tmp_path_factory.mktemp("clean") / "out")


@pytest.fixture
def vectors_copy(tmp_path: Path) -> Path:
    """A private copy of the installed vectors folder, for tampering with."""
    target = tmp_path / "vectors"
    shutil.copytree(VectorStore().root, target,
                    ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target
