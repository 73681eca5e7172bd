"""A vendor's native library runs in a worker process: a crash, an abort or a hang inside it
is that case's `error`, named after the function and the signal, and the run goes on.

The library here is real native code: tests/native/faulty_pkcs11.c, built by the test,
passes every call through to SoftHSMv2 but the one its fault names."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from faulty_pkcs11 import SELECTION, faulty_module, run_with_fault  # noqa: F401 (fixture)
from helpers import CERTKIT
from softhsm import SoftHsmToken, module_path, token  # noqa: F401 (the fixture)


def verdicts(document: dict[str, Any]) -> dict[str, str]:
    return {case["id"]: case["verdict"] for case in document["cases"]}


@pytest.mark.parametrize(("fault", "said"), [
    ("sign-segfault", "the PKCS#11 library crashed in C_Sign: signal 11 (SIGSEGV)"),
    ("sign-abort", "the PKCS#11 library crashed in C_Sign: signal 6 (SIGABRT)"),
    ("sign-hang", "the PKCS#11 library hung in C_Sign: no answer after"),
])
def test_a_library_that_dies_in_c_sign_errors_that_case_and_the_run_goes_on(
        token: SoftHsmToken, faulty_module: Path, tmp_path: Path,  # noqa: F811
        fault: str, said: str) -> None:
    clean, baseline = run_with_fault(token, faulty_module, "none", tmp_path / "clean")
    assert clean.returncode == 0, clean.stderr
    done, document = run_with_fault(token, faulty_module, fault, tmp_path / "faulty",
                                    "--operation-timeout", "3")
    assert done.returncode == 2, done.stderr
    got, expected = verdicts(document), verdicts(baseline)
    signing = {"kat-international.ecdsa-p256.generate",
               "kat-international.rsa-2048-pkcs1.generate"}
    assert set(got) == set(expected) and document["complete"] is True
    for case in document["cases"]:
        if case["id"] in signing:
            assert case["verdict"] == "error" and case["error"].startswith(said), case
        else:
            assert case["verdict"] == expected[case["id"]], case["id"]
    assert document["diagnostics"]["worker"]["lost"] == len(signing)


def test_isolate_none_runs_the_library_in_certkits_own_process(
        token: SoftHsmToken, faulty_module: Path, tmp_path: Path) -> None:  # noqa: F811
    """The opt-out is honest: the same crash then takes certkit down, and the journal keeps
    what came before it."""
    url = token.url("isolate=none").replace(module_path(), str(faulty_module))
    env = {**os.environ, "CERTKIT_FAULTY_PKCS11_TARGET": module_path(),
           "CERTKIT_FAULTY_PKCS11_FAULT": "sign-segfault"}
    out = tmp_path / "out"
    done = subprocess.run([*CERTKIT, "run", "--device", url, "--profile", "pkcs11", "-k",
                           SELECTION, "--out", str(out)], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == -11, done.stderr
    assert (out / "journal.jsonl").read_text().count('"type": "case"') >= 1


def test_a_token_that_states_no_key_sizes_is_asked_not_refused_for_it(
        token: SoftHsmToken, faulty_module: Path, tmp_path: Path) -> None:  # noqa: F811
    """Key sizes 0..0 in C_GetMechanismInfo are no information: the driver declares the
    capabilities and hands every key to the token. SoftHSM computes AES and every HMAC key
    of 32 bytes and more, and refuses shorter HMAC keys itself (CKR_KEY_SIZE_RANGE): each
    refusal in the result is the token's, none the driver's."""
    done, document = run_with_fault(token, faulty_module, "mechanism-info-zero",
                                    tmp_path / "out", selection="hmac-sha256 or aes-cbc")
    cases = {case["id"]: case for case in document["cases"]}
    assert set(cases) == {"kat-international.aes-cbc.vectors",
                          "kat-international.hmac-sha256.rfc4231",
                          "kat-international.hmac-sha256.keys"}, done.stderr
    assert cases["kat-international.aes-cbc.vectors"]["verdict"] == "pass"
    for case_id in ("kat-international.hmac-sha256.rfc4231", "kat-international.hmac-sha256.keys"):
        case = cases[case_id]
        assert case["checks"] > case["failed"] > 0  # the long keys computed
        assert all("C_SignInit(CKM_SHA256_HMAC) returned CKR_KEY_SIZE_RANGE" in failure["got"]
                   for failure in case["failures"]), case["failures"]
