"""`pip install .` (not only the editable install the tests run from) gives a working certkit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import REPO


def test_regular_install_maps_the_folders_and_certifies(tmp_path: Path) -> None:
    target = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--target", str(target), str(REPO)],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert build.returncode == 0, build.stderr
    for folder in ("drivers/emulator", "suites/kat", "reports/templates", "reports/catalogue",
                   "reports/messages", "vector_files/sm4",
                   "profiles"):
        assert (target / "certkit" / folder).is_dir(), folder
    assert (target / "certkit" / "vector_files" / "MANIFEST.json").is_file()

    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import certkit.drivers.emulator as m, certkit.vectors as v;"
         "print(m.__file__); print(v.default_root())"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=True,
    ).stdout.split()
    assert all(path.startswith(str(target)) for path in where), where

    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "certkit", "run", "--profile", "smoke",
                          "--out", str(out)], capture_output=True, text=True, env=env,
                         cwd=tmp_path, check=False, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads((out / "results.json").read_text())["verdict"] == "pass"
