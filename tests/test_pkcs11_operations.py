"""The life of a PKCS#11 operation, proved on a module that conforms and on one defect at a
time: a failure ends its operation, a single-part call cannot end a multi-part one, and no
function writes past the output buffer it is given (canary bytes behind every buffer).

The module is SoftHSMv2 behind tests/native/faulty_pkcs11.c: `conforming` refuses a
single-part call inside a multi-part operation, which SoftHSM itself answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faulty_pkcs11 import faulty_module, run_with_fault  # noqa: F401 (the fixture)
from softhsm import SoftHsmToken, token  # noqa: F401 (the fixture)

CASES = {"pkcs11_api.operations.error-ends", "pkcs11_api.operations.one-shot-in-multipart",
         "pkcs11_api.operations.output-bounds", "pkcs11_api.operations.incremental-digest"}


def verdicts(document: dict[str, Any]) -> dict[str, str]:
    return {case["id"]: case["verdict"] for case in document["cases"]}


@pytest.mark.parametrize(("fault", "failing"), [
    ("conforming", set()),
    ("error-keeps-operation", {"pkcs11_api.operations.error-ends"}),
    ("one-shot-in-multipart", {"pkcs11_api.operations.one-shot-in-multipart"}),
    ("writes-past-buffer", {"pkcs11_api.operations.output-bounds"}),
    # SoftHSM 2.6 as it is: it answers C_Encrypt between C_EncryptUpdate and C_EncryptFinal
    ("none", {"pkcs11_api.operations.one-shot-in-multipart"}),
])
def test_each_operation_defect_fails_its_case_and_the_conforming_module_passes(
        token: SoftHsmToken, faulty_module: Path, tmp_path: Path,  # noqa: F811
        fault: str, failing: set[str]) -> None:
    done, document = run_with_fault(token, faulty_module, fault, tmp_path / "out",
                                    selection="operations")
    got = verdicts(document)
    assert set(got) == CASES, done.stderr
    assert {case for case, verdict in got.items() if verdict != "pass"} == failing, done.stderr
    assert all(got[case] == "fail" for case in failing)
    if fault == "writes-past-buffer":
        bounds = next(c for c in document["cases"] if c["id"] in failing)
        assert "wrote past the end of its 16-byte output buffer (8 canary bytes" in \
            bounds["failures"][0]["got"]
