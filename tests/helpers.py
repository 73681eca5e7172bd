"""Helpers the tests share: running certkit in process and as a command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from certkit.runner import execute, finish, start
from certkit.vectors import VectorStore

CERTKIT = [sys.executable, "-m", "certkit"]
REPO = Path(__file__).resolve().parent.parent
# Reference data the tests read, copied into the project with its source (tests/data/README.md).
TEST_DATA = REPO / "tests" / "data"


def certify(device_url: str, out_dir: Path, profile: str = "smoke",
            vectors: VectorStore | None = None) -> dict[str, Any]:
    """Run certkit in this process and return its results.json document."""
    session = start(device_url, profile, out_dir, vectors=vectors)
    execute(session)
    return json.loads(finish(session).read_text())


def verdicts(document: dict[str, Any]) -> dict[str, str]:
    return {case["id"]: case["verdict"] for case in document["cases"]}


def failing(document: dict[str, Any]) -> set[str]:
    """Cases that did not pass and were applicable: failed or errored."""
    return {case["id"] for case in document["cases"]
            if case["verdict"] not in ("pass", "not-applicable")}


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 600,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CERTKIT, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, env={**os.environ, **(env or {})}, check=False)
