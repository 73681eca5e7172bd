"""`gmssl:` completes and fails, for the library's real defects, each shown with its vector."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import certify, verdicts

DEFECTIVE = {
    "kat.sm2-verify.gbt32918", "kat.sm2-sign.gbt32918", "kat.sm2-verify.vectors",
    "kat.sm2-sign.interop", "kat.sm2-encrypt.interop", "kat.sm2-decrypt.integrity",
}


@pytest.fixture(scope="module")
def gmssl_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return certify("gmssl:", tmp_path_factory.mktemp("gmssl") / "out")


def failures(document: dict[str, Any], case_id: str) -> list[dict[str, Any]]:
    return next(case["failures"] for case in document["cases"] if case["id"] == case_id)


def test_gmssl_fails_exactly_its_sm2_cases(gmssl_run: dict[str, Any]) -> None:
    outcome = verdicts(gmssl_run)
    assert gmssl_run["verdict"] == "fail"
    assert {case for case, verdict in outcome.items() if verdict == "fail"} == DEFECTIVE
    assert "error" not in outcome.values()
    for case in ("kat.sm3.lengths", "kat.sm4-ecb.vectors", "kat.sm4-cbc.vectors",
                 "kat.sm2-decrypt.gbt32918", "kat.sm2-decrypt.interop"):
        assert outcome[case] == "pass", case


def test_what_gmssl_lacks_is_not_applicable_naming_the_capability(
        gmssl_run: dict[str, Any]) -> None:
    cases = {case["id"]: case for case in gmssl_run["cases"]}
    for case_id, capability in (("kat.hmac-sm3.keys", "HMAC-SM3"), ("kat.zuc.keystream", "ZUC"),
                                ("kat.sm4-gcm.vectors", "SM4-GCM"),
                                ("kat.random.output", "RANDOM")):
        assert cases[case_id]["verdict"] == "not-applicable"
        assert capability in cases[case_id]["missing"]


def test_public_key_parsing_defect_is_shown(gmssl_run: dict[str, Any]) -> None:
    # gmssl strips the characters '0' and '4' (lstrip("04")), not the 04 prefix byte.
    flagged = {flag for failure in failures(gmssl_run, "kat.sm2-verify.vectors")
               for flag in failure["flags"]}
    assert {"PublicXLeadingZero", "PublicXBegins04", "PublicXBegins40"} <= flagged
    annex = failures(gmssl_run, "kat.sm2-verify.gbt32918")[0]
    assert annex["expected"] == "True" and "gmssl verify_with_sm3 raised" in annex["got"]


def test_fixed_user_id_defect_is_shown(gmssl_run: dict[str, Any]) -> None:
    wrong_id = [f for f in failures(gmssl_run, "kat.sm2-verify.vectors") if "WrongId" in f["flags"]]
    assert any(f["expected"] == "False" and f["got"] == "True" for f in wrong_id)
    signed = failures(gmssl_run, "kat.sm2-sign.interop")
    assert any("NonDefaultId" in f["flags"] for f in signed)


def test_missing_decryption_checks_are_shown(gmssl_run: dict[str, Any]) -> None:
    found = failures(gmssl_run, "kat.sm2-decrypt.integrity")
    integrity = [f for f in found if "IntegrityCheck" in f["flags"]]
    # A tampered C3 or C2 gives back plaintext instead of AuthFailed.
    assert integrity and all(f["expected"] == "AuthFailed" for f in integrity)
    assert all(all(c in "0123456789abcdef" for c in f["got"]) for f in integrity)
    assert any("InvalidPoint" in f["flags"] for f in found)
