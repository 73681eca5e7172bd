"""Shared fixtures: running certkit in process and as the installed command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from certkit.runner import execute, finish, start
from certkit.vectors import VectorStore

CERTKIT = [sys.executable, "-m", "certkit"]
REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def certify(device_url: str, out_dir: Path, profile: str = "smoke",
            vectors: VectorStore | None = None) -> dict[str, Any]:
    """Run certkit in this process and return its results.json document."""
    session = start(device_url, profile, out_dir, vectors=vectors)
    execute(session)
    return json.loads(finish(session).read_text())


def verdicts(document: dict[str, Any]) -> dict[str, str]:
    return {case["id"]: case["verdict"] for case in document["cases"]}


def failing(document: dict[str, Any]) -> set[str]:
    return {case["id"] for case in document["cases"] if case["verdict"] != "pass"
            and case["verdict"] != "not-applicable"}


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 600,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CERTKIT, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, env={**os.environ, **(env or {})}, check=False)


@pytest.fixture(scope="session")
def clean_smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One smoke run of the clean emulator, shared by the tests that compare against it."""
    return certify("emulator:", tmp_path_factory.mktemp("clean") / "out")


@pytest.fixture
def vectors_copy(tmp_path: Path) -> Path:
    """A private copy of the installed vectors folder, for tampering with."""
    target = tmp_path / "vectors"
    shutil.copytree(VectorStore().root, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target
