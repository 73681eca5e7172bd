"""The faulty PKCS#11 module the tests build (tests/native/faulty_pkcs11.c) and run
certkit on: SoftHSMv2 behind it, with the defect an environment variable names."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from helpers import CERTKIT, REPO
from softhsm import SoftHsmToken, module_path

SOURCE = REPO / "tests" / "native" / "faulty_pkcs11.c"
# a C_Sign case (ECDSA), cases around it that sign nothing, and one more C_Sign after it
SELECTION = "sha-256 or ecdsa-p256.generate or aes-cbc or rsa-2048-pkcs1.generate"


@pytest.fixture(scope="module")
def faulty_module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    assert compiler, "a C compiler is needed (scripts/test runs on Debian with gcc)"
    library = tmp_path_factory.mktemp("native") / "libfaulty_pkcs11.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o",
                    str(library), str(SOURCE), "-ldl"], check=True, timeout=120)
    return library


def run_with_fault(token: SoftHsmToken, library: Path, fault: str, out: Path,
                   *extra: str, selection: str = SELECTION
                   ) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    url = token.url().replace(module_path(), str(library))
    env = {**os.environ, "CERTKIT_FAULTY_PKCS11_TARGET": module_path(),
           "CERTKIT_FAULTY_PKCS11_FAULT": fault}
    done = subprocess.run([*CERTKIT, "run", "--device", url, "--profile", "pkcs11", "-k",
                           selection, "--out", str(out), *extra], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    return done, json.loads((out / "results.json").read_text())


