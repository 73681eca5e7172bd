"""`gmssl:` completes and fails, for the library's real defects, each shown once with its vector.

Read from gmssl 3.2.2's sm2.py: public keys are parsed with lstrip("04"),
which strips characters, not the prefix byte; the user ID is hard-wired to
1234567812345678; decryption never compares C3 nor checks that C1 is on the
curve; verification never checks that s lies in [1, n-1]. A malformed signature makes
it raise, which is a refusal: GB/T 32918.2 asks that it be rejected, not how, so
`conformance.sm2-verify.malformed` passes (the serial protocol's BadParameter binds only
modules that speak it).
"""

from __future__ import annotations

from typing import Any

import pytest

from helpers import REPO, certify, verdicts

KAT_FAILURES = {
    # the parsing defect breaks the standard's own key (04 || 09F9...) and the ID defect
    # every non-default-ID vector: the known answers cannot pass
    "kat.sm2-verify.gbt32918", "kat.sm2-sign.gbt32918", "kat.sm2-verify.vectors",
    "kat.sm2-sign.interop", "kat.sm2-encrypt.interop",
}
CONFORMANCE_FAILURES = {
    "conformance.sm2-verify.range", "conformance.sm2-verify.binding",
    "conformance.sm2-verify.key-encoding",
    # d = 0 accepted; encryption to a key off the curve; the ID hard-wired; and when the
    # KDF output is all zero, None instead of a new k (one one-byte message in 256)
    "conformance.sm2-keys.range", "conformance.sm2-encrypt.public-key",
    "conformance.sm2-sign.id-length", "conformance.sm2-encrypt.kdf-zero",
    "conformance.sm2-decrypt.integrity", "conformance.sm2-decrypt.points",
}


@pytest.fixture(scope="module")
def gmssl_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # smoke, with enough one-byte encryptions to meet an all-zero KDF output for certain
    folder = tmp_path_factory.mktemp("gmssl")
    profile = folder / "profile.toml"
    profile.write_text((REPO / "certkit" / "profiles" / "smoke.toml").read_text().replace(
        "sm2_zero_kdf_encryptions = 1000", "sm2_zero_kdf_encryptions = 2500"))
    return certify("gmssl:", folder / "out", str(profile))


def failures(document: dict[str, Any], case_id: str) -> list[dict[str, Any]]:
    return next(case["failures"] for case in document["cases"] if case["id"] == case_id)


def test_gmssl_fails_exactly_its_sm2_cases(gmssl_run: dict[str, Any]) -> None:
    outcome = verdicts(gmssl_run)
    assert gmssl_run["verdict"] == "fail"
    failed = {case for case, verdict in outcome.items() if verdict == "fail"}
    assert failed == KAT_FAILURES | CONFORMANCE_FAILURES
    assert "error" not in outcome.values()
    for case in ("kat.sm3.lengths", "kat.sm4-ecb.vectors", "kat.sm4-cbc.vectors",
                 "kat.sm2-decrypt.gbt32918", "kat.sm2-decrypt.interop",
                 "conformance.sm4-ecb.malformed", "conformance.sm4-cbc.malformed",
                 "conformance.sm2-verify.malformed"):
        assert outcome[case] == "pass", case


def test_what_gmssl_lacks_is_not_applicable_naming_the_capability(
        gmssl_run: dict[str, Any]) -> None:
    cases = {case["id"]: case for case in gmssl_run["cases"]}
    for case_id, capability in (("kat.hmac-sm3.keys", "HMAC-SM3"), ("kat.zuc.keystream", "ZUC"),
                                ("kat.sm4-gcm.vectors", "SM4-GCM"),
                                ("kat.random.output", "RANDOM"),
                                ("selftest.healthy", "SELFTEST"),
                                ("keys.export-refused", "KEY-DESTROY")):
        assert cases[case_id]["verdict"] == "not-applicable"
        assert capability in cases[case_id]["missing"]


def test_public_key_parsing_defect_is_shown(gmssl_run: dict[str, Any]) -> None:
    found = failures(gmssl_run, "conformance.sm2-verify.key-encoding")
    flagged = {flag for failure in found for flag in failure["flags"]}
    assert {"PublicXLeadingZero", "PublicXBegins04", "PublicXBegins40"} <= flagged
    assert all(f["expected"] == "True" and f["got"] != "True" for f in found)


def test_fixed_user_id_defect_is_shown(gmssl_run: dict[str, Any]) -> None:
    found = failures(gmssl_run, "conformance.sm2-verify.binding")
    # A default-ID signature verifies under another ID: the ID never reaches Z_A.
    assert found and all("WrongId" in f["flags"] for f in found)
    assert all(f["expected"] == "rejected (False or refused)" and f["got"] == "True"
               for f in found)


def test_missing_range_check_is_shown(gmssl_run: dict[str, Any]) -> None:
    found = failures(gmssl_run, "conformance.sm2-verify.range")
    # (r, s + n) verifies: s is used without checking it lies in [1, n-1].
    accepted = [f for f in found if "OutOfRangeEncoding" in f["flags"] and f["got"] == "True"]
    assert accepted, found


def test_missing_decryption_checks_are_shown(gmssl_run: dict[str, Any]) -> None:
    integrity = failures(gmssl_run, "conformance.sm2-decrypt.integrity")
    # A tampered C3 or C2 gives back plaintext instead of a refusal.
    assert integrity and all(f["expected"] == "refused, no output" for f in integrity)
    assert all(f["clause"] == "GB/T 32918.4-2016 7.1" for f in integrity)
    assert any(all(c in "0123456789abcdef" for c in f["got"]) for f in integrity)
    points = failures(gmssl_run, "conformance.sm2-decrypt.points")
    # the crafted off-curve C1: a module that skips the on-curve check outputs plaintext
    assert any("OffCurveCrafted" in f["flags"] and f["expected"] == "refused, no output"
               for f in points)
