"""certkit on code it did not write: two SM libraries from PyPI (gmalg, pure Python; gmalglib,
a C core) certified through the vendor-style adapter plugins in tests/third_party, installed
as a vendor ships one. Each library fails exactly its real defects, each with its evidence
(docs/third-party-verdicts.md explains every verdict); everything else it offers passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers import CERTKIT, REPO

ADAPTERS = REPO / "tests" / "third_party"

# case -> what its first failure shows
GMALG_DEFECTS = {
    # an empty user ID is refused ("verify requires pk, ID"): Z is defined for ENTL = 0
    "kat.sm2-verify.vectors": "RequireArgumentError",
    "kat.sm2-sign.interop": "RequireArgumentError",
    "conformance.sm2-keys.range": "d = 0",
    "conformance.sm2-encrypt.public-key": "off the curve",
    # "ID more than 8192 bytes" for an ID of 8191
    "conformance.sm2-sign.id-length": "DataOverflowError",
}
GMALG_ERRORS = {
    # the empty message: A5's "t all zero" holds for an empty t, so it draws k forever
    "conformance.sm2-encrypt.empty": "hang: public_encrypt SM2",
}
GMALGLIB_DEFECTS = {
    # when t is all zero it redraws the KDF input but keeps the first C1: undecryptable
    "conformance.sm2-encrypt.kdf-zero": "KDF output is all zero",
    # an empty message gives C1 || 32 zero bytes: C3 is not SM3(x2 || y2)
    "conformance.sm2-encrypt.empty": "refused, or C1 || SM3(x2 || y2), no C2 04",
}


@pytest.fixture(scope="module")
def adapters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("adapters")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(ADAPTERS)], check=True, timeout=300)
    return target


def certify_library(adapters: Path, scheme: str, out: Path,
                    encryptions: int) -> tuple[int, dict[str, Any]]:
    """smoke, with as many one-byte encryptions as it takes to meet an all-zero KDF output
    for certain (a C library affords 2500; gmalg's pure Python gets smoke's 1000)."""
    profile = out.parent / "profile.toml"
    text = (REPO / "certkit" / "profiles" / "smoke.toml").read_text(encoding="utf-8")
    profile.write_text(text.replace("sm2_zero_kdf_encryptions = 1000",
                                    f"sm2_zero_kdf_encryptions = {encryptions}"),
                       encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(adapters)}
    done = subprocess.run([*CERTKIT, "run", "--device", f"{scheme}:", "--profile", str(profile),
                           "--operation-timeout", "5", "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    return done.returncode, json.loads((out / "results.json").read_text())


def first_problem(case: dict[str, Any]) -> str:
    if case["failures"]:
        failure = case["failures"][0]
        return f"{failure['comment']} {failure['expected']} {failure['got']}"
    return case["error"] or ""


@pytest.mark.parametrize(("scheme", "encryptions", "defects", "errors"), [
    ("gmalg", 1000, GMALG_DEFECTS, GMALG_ERRORS),
    ("gmalglib", 2500, GMALGLIB_DEFECTS, {}),
])
def test_a_third_party_library_fails_exactly_its_defects(
        adapters: Path, tmp_path: Path, scheme: str, encryptions: int,
        defects: dict[str, str], errors: dict[str, str]) -> None:
    code, document = certify_library(adapters, scheme, tmp_path / "out", encryptions)
    assert code == 1 and document["verdict"] == "fail"
    cases = {case["id"]: case for case in document["cases"]}
    failed = {case_id for case_id, case in cases.items() if case["verdict"] == "fail"}
    errored = {case_id for case_id, case in cases.items() if case["verdict"] == "error"}
    assert failed == set(defects) and errored == set(errors), (failed, errored)
    for case_id, shown in {**defects, **errors}.items():
        assert shown in first_problem(cases[case_id]), (case_id, first_problem(cases[case_id]))
    passed = {case_id for case_id, case in cases.items() if case["verdict"] == "pass"}
    # what the libraries do right passes, the refusal class never counting against them
    assert {"kat.sm3.gbt32905", "kat.sm4-cbc.vectors", "kat.zuc.keystream",
            "conformance.sm2-decrypt.integrity", "conformance.sm2-decrypt.points",
            "conformance.sm2-verify.malformed", "conformance.sm4-cbc.malformed"} <= passed
    plugin = next(p for p in document["plugins"] if p["name"] == scheme)
    assert plugin["distribution"] == "certkit-adapters"
