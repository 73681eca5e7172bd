"""The performance suite on a PKCS#11 token (SoftHSMv2 through the `pkcs11:` driver)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import softhsm  # tests/softhsm.py: a missing SoftHSM fails these tests, it never skips them
from certkit.suites.performance.scheme import series_figures
from helpers import certify

token = softhsm.token  # the session's SoftHSM token, as a fixture of this module

PROFILE = """name = "performance-token"
description = "what a token offers, quickly"
suites = ["performance"]
include = ["performance.aes-cbc", "performance.sha-256", "performance.random",
           "performance.ecdsa-p256-*", "performance.rsa-2048-pss-sign", "performance.sm2-sign"]

[params.performance]
sizes = [16, 4096]
repetitions = 5
warmup_s = 0.005
repetition_s = 0.001
"""


def test_the_suite_measures_what_softhsm_offers(token: Any, tmp_path: Path) -> None:
    profile = tmp_path / "performance-token.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    document = certify(token.url(), tmp_path / "out", str(profile))
    verdicts = {case["id"]: case["verdict"] for case in document["cases"]}
    assert verdicts == {
        "performance.aes-cbc": "pass", "performance.sha-256": "pass",
        "performance.random": "pass", "performance.ecdsa-p256-sign": "pass",
        "performance.ecdsa-p256-verify": "pass", "performance.ecdsa-p256-generate": "pass",
        "performance.rsa-2048-pss-sign": "pass",
        "performance.sm2-sign": "not-applicable",  # SoftHSM has no SM2
    }, [case["failures"] for case in document["cases"]]
    found = {str(figure.name) for case in document["cases"]
             for figure in series_figures(case["metrics"])}
    assert {"AES-CBC.encrypt.4096", "AES-CBC.decrypt.16", "SHA-256.digest.4096",
            "RANDOM.generate.16", "ECDSA-P256.sign", "ECDSA-P256.verify",
            "ECDSA-P256.generate", "RSA-2048-PSS.sign"} <= found
