"""`certkit run --device pkcs11:...` certifies SoftHSMv2: what it implements passes, each
deviation is reported with the call and the code, the PIN shows up nowhere, and the
Wycheproof files in tests/data/wycheproof run through the importer against the token."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from certkit import profiles
from helpers import CERTKIT, TEST_DATA, run_cli
from softhsm import SoftHsmToken, token

__all__ = ["token"]  # the session fixture, imported for pytest

WYCHEPROOF = TEST_DATA / "wycheproof"
# SoftHSM 2.6.1's failing cases under the pkcs11 profile, with evidence each must show.
# A bad GCM tag answered CKR_GENERAL_ERROR is still a refusal with no plaintext, which is
# all NIST SP 800-38D asks (kat-international passes it); the code PKCS#11 allows for it is
# pkcs11_api's to judge.
EXPECTED_FAILURES = {
    "kat-international.aes-ctr.counter-wrap": "C_Encrypt(CKM_AES_CTR) returned CKR_DATA_LEN_RANGE",
    "pkcs11_api.logout.not-logged-in": "C_Logout returned CKR_OK",
    "pkcs11_api.errors.key-handle-invalid": "returned CKR_OBJECT_HANDLE_INVALID",
    "pkcs11_api.errors.aead-tag": "C_Decrypt(CKM_AES_GCM) returned CKR_GENERAL_ERROR",
    "pkcs11_api.errors.mechanism-param-invalid": "C_EncryptInit(CKM_AES_GCM) returned CKR_OK",
    "pkcs11_api.mechanisms.encrypt-init": "C_EncryptInit(CKM_DES_ECB) returned "
                                          "CKR_MECHANISM_INVALID",
    "pkcs11_api.mechanisms.info-output": "flags 0xffffffffffffffff",
    "pkcs11_api.operations.one-shot-in-multipart": "C_Encrypt returned CKR_OK",
}


def _environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "CERTKIT_PIN"}
    return {**env, **extra}


def _certkit(*args: str, env: dict[str, str], timeout: float = 300
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CERTKIT, *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=timeout, check=False)


def _profile(folder: Path, include: list[str], suites: list[str]) -> Path:
    path = folder / "profile.toml"
    path.write_text(f'name = "pkcs11-test"\nsuites = {json.dumps(suites)}\n'
                    f"include = {json.dumps(include)}\noperation_timeout_s = 60\n")
    return path


def _pkcs11_profile_without_randomness(folder: Path) -> Path:
    """The `pkcs11` profile less its randomness battery (minutes of statistics whose
    decision a test cannot expect; `test_random_draws_feed_the_randomness_suite` covers
    the plumbing)."""
    profile = profiles.load("pkcs11")
    suites = [suite for suite in profile.suites if suite != "randomness"]
    lines = ['name = "pkcs11-no-randomness"', f"suites = {json.dumps(suites)}",
             f"operation_timeout_s = {profile.operation_timeout_s}"]
    for suite, params in profile.params.items():
        lines.append(f"[params.{suite}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in params.items()]
    path = folder / "pkcs11-no-randomness.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def pkcs11_run(token: SoftHsmToken, tmp_path_factory: pytest.TempPathFactory
               ) -> tuple[subprocess.CompletedProcess[str], Path, dict[str, Any], list[str]]:
    """One `certkit run` of the SoftHSM token with the pkcs11 profile's suites, PIN from a
    file."""
    folder = tmp_path_factory.mktemp("pkcs11-run")
    out = folder / "out"
    profile = _pkcs11_profile_without_randomness(folder)
    args = ["run", "--device", token.url(), "--profile", str(profile), "--out", str(out)]
    done = _certkit(*args, env=_environment())
    return done, out, json.loads((out / "results.json").read_text()), args


def test_softhsm_passes_what_it_implements_and_fails_only_its_deviations(
        pkcs11_run: tuple[subprocess.CompletedProcess[str], Path, dict[str, Any], list[str]],
) -> None:
    done, _, document, _ = pkcs11_run
    assert done.returncode == 1 and document["verdict"] == "fail", done.stderr
    verdicts = {case["id"]: case for case in document["cases"]}
    failing = {case_id for case_id, case in verdicts.items() if case["verdict"] != "pass"
               and case["verdict"] != "not-applicable"}
    assert failing == set(EXPECTED_FAILURES)
    for case_id, evidence in EXPECTED_FAILURES.items():
        shown = " ".join(f"{f['expected']} {f['got']}" for f in verdicts[case_id]["failures"])
        assert evidence in shown, (case_id, shown)
    passed = {case_id for case_id, case in verdicts.items() if case["verdict"] == "pass"}
    assert {"kat-international.aes-gcm.vectors", "kat-international.ecdsa-p256.verify",
            "kat-international.rsa-2048-pss.generate", "kat-international.ecdsa-p256.nonces",
            "kat-international.hmac-sha256.rfc4231", "kat-international.sha-512.vectors",
            "kat.random.output", "conformance.declared.random",
            "pkcs11_api.protection.sensitive", "pkcs11_api.login.wrong-pin"} <= passed
    not_applicable = {case_id for case_id, case in verdicts.items()
                      if case["verdict"] == "not-applicable"}
    # SoftHSM has no SM algorithms, no self-test service and no test hooks
    assert all(case_id.startswith(("kat.sm", "kat.zuc", "kat.hmac-sm3", "conformance.sm",
                                   "conformance.declared.sm", "conformance.declared.zuc",
                                   "conformance.declared.hmac-sm3", "keys.", "selftest."))
               for case_id in not_applicable), sorted(not_applicable)
    assert document["device"]["vendor"] == "SoftHSM project"


def _leaks(text: str, pin: str) -> bool:
    return pin in text or pin.encode().hex() in text


def test_no_pin_in_argv_logs_journal_results_or_reports(
        token: SoftHsmToken, tmp_path: Path,
        pkcs11_run: tuple[subprocess.CompletedProcess[str], Path, dict[str, Any], list[str]],
) -> None:
    done, out, _, args = pkcs11_run
    runs = [(args, done, out)]
    profile = _profile(tmp_path, ["kat-international.sha-256.vectors", "pkcs11_api.login.*",
                                  "pkcs11_api.logout.*"], ["kat-international", "pkcs11_api"])
    for name, url, env in (
            ("pin-value", token.url(f"pin-value={token.pin}", pin_source=False), _environment()),
            ("environment", token.url(pin_source=False), _environment(CERTKIT_PIN=token.pin))):
        target = tmp_path / name
        argv = ["run", "--device", url, "--profile", str(profile), "--out", str(target)]
        runs.append((argv, _certkit(*argv, env=env), target))
    for argv, completed, folder in runs:
        assert completed.returncode in (0, 1), completed.stderr
        files = sorted(path for path in folder.rglob("*") if path.is_file())
        assert {"results.json", "journal.jsonl", "report.html", "report.md"} <= \
            {path.name for path in files}
        for path in files:
            assert not _leaks(path.read_text(errors="replace"), token.pin), path
        assert not _leaks(completed.stdout + completed.stderr, token.pin)
        if "pin-value" not in argv[2]:  # the user who types pin-value= puts it in argv
            assert not any(token.pin in arg for arg in argv)
    recorded = json.loads((tmp_path / "pin-value" / "results.json").read_text())
    assert "pin-value=***" in recorded["driver"]["url"]


def test_a_wrong_pin_exits_3_naming_the_code_not_the_pin(token: SoftHsmToken,
                                                          tmp_path: Path) -> None:
    done = _certkit("run", "--device", token.url(pin_source=False), "--out",
                    str(tmp_path / "o"), env=_environment(CERTKIT_PIN="Wrong-PIN-0000"))
    assert done.returncode == 3
    assert "CKR_PIN_INCORRECT" in done.stderr and "$CERTKIT_PIN" in done.stderr
    assert "Wrong-PIN-0000" not in done.stderr


def test_without_a_pin_or_a_terminal_the_error_names_the_sources(token: SoftHsmToken,
                                                                 tmp_path: Path) -> None:
    done = _certkit("run", "--device", token.url(pin_source=False), "--out",
                    str(tmp_path / "o"), env=_environment())
    assert done.returncode == 3
    assert "CERTKIT_PIN" in done.stderr and "pin-source" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_wycheproof_files_run_through_the_importer_against_softhsm(token: SoftHsmToken,
                                                                    tmp_path: Path) -> None:
    folder = tmp_path / "vectors"
    imported = run_cli("vectors", "import", "--wycheproof-root", str(WYCHEPROOF), "--out",
                       str(folder))
    assert imported.returncode == 0, imported.stderr
    assert run_cli("vectors", "verify", "--root", str(folder)).returncode == 0
    profile = _profile(tmp_path, ["kat.wycheproof.*"], ["kat"])
    out = tmp_path / "out"
    done = _certkit("run", "--device", token.url(), "--vectors", str(folder), "--profile",
                    str(profile), "--out", str(out), env=_environment())
    document = json.loads((out / "results.json").read_text())
    cases = {case["id"]: case for case in document["cases"]}
    verdicts = {case_id: case["verdict"] for case_id, case in cases.items()}
    assert verdicts == {
        "kat.wycheproof.aes-cbc-pkcs5": "pass", "kat.wycheproof.hmac-sha256": "pass",
        "kat.wycheproof.ecdsa-secp256r1-sha256": "pass",
        "kat.wycheproof.ecdsa-secp256r1-sha256-p1363": "pass",
        "kat.wycheproof.rsa-signature-2048-sha256": "pass",
        "kat.wycheproof.aes-gcm": "fail", "kat.wycheproof.hmac-sm3": "not-applicable",
        "kat.wycheproof.sm4-gcm": "not-applicable", "kat.wycheproof.sm4-ccm": "not-applicable",
    }, done.stderr
    gcm = cases["kat.wycheproof.aes-gcm"]
    # 81 altered tags refused with CKR_GENERAL_ERROR: refusals, which pass (the code is
    # pkcs11_api's to judge); empty and 257-byte IVs accepted where Wycheproof has them
    # refused, each in encryption and decryption.
    assert gcm["failed"] == 2 * 6
    assert {flag for failure in gcm["failures"] for flag in failure["flags"]} == \
        {"ZeroLengthIv", "LongIv"}


def test_random_draws_feed_the_randomness_suite(token: SoftHsmToken, tmp_path: Path) -> None:
    """C_GenerateRandom through the GM/T 0005 battery: 20 x 10^6 bits, judged (the verdict
    itself is statistics, so only that the battery ran on the token's bytes is asserted)."""
    path = tmp_path / "randomness.toml"
    path.write_text('name = "pkcs11-randomness"\nsuites = ["randomness"]\n'
                    "operation_timeout_s = 60\n[params.randomness.short]\nkind = \"battery\"\n"
                    "bits = 1000000\nsamples = 20\nuniformity = false\n")
    out = tmp_path / "out"
    done = _certkit("run", "--device", token.url(), "--profile", str(path), "--out", str(out),
                    env=_environment())
    (case,) = json.loads((out / "results.json").read_text())["cases"]
    assert case["id"] == "randomness.short" and case["verdict"] in ("pass", "fail"), done.stderr
    assert case["metrics"]["samples"] == 20 and case["checks"] > 0


def test_the_performance_suite_rates_the_token(token: SoftHsmToken, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _certkit("run", "--device", token.url(), "--profile", "performance-quick", "--out",
                    str(out), env=_environment())
    assert done.returncode == 0, done.stderr
    cases = {case["id"]: case for case in json.loads((out / "results.json").read_text())["cases"]}
    rated = {case_id for case_id, case in cases.items() if case["verdict"] == "pass"}
    assert {"performance.aes-cbc", "performance.ecdsa-p256-sign", "performance.random",
            "performance.rsa-2048-generate", "performance.hmac-sha-256"} <= rated
    assert cases["performance.aes-cbc"]["metrics"]["AES-CBC.encrypt.65536.mb_s.median"] > 0
    assert cases["performance.ecdsa-p256-sign"]["metrics"]["ECDSA-P256.sign.ops_s.median"] > 0


def test_softhsm_on_the_sm_smoke_profile_is_not_certified(token: SoftHsmToken,
                                                         tmp_path: Path) -> None:
    """SoftHSM implements none of smoke's SM algorithms: the few cases it passes (RANDOM,
    capability honesty) do not make a certificate, and the report applies no SM standard."""
    out = tmp_path / "out"
    done = _certkit("run", "--device", token.url(), "--profile", "smoke", "--out", str(out),
                    env=_environment())
    assert done.returncode == 2, done.stderr
    document = json.loads((out / "results.json").read_text())
    assert document["verdict"] == "incomplete" and document["summary"]["pass"] >= 1
    assert "none of the capabilities profile 'smoke' certifies" in document["coverage_shortfall"]
    from certkit.reports.view import build_view

    applied = {row.requirement.id for row in build_view(document).standards_applied}
    assert not applied & {"GB/T 32905-2016", "GB/T 32907-2016", "GB/T 32918.2-2016"}, applied
