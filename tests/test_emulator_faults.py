"""Both directions for every emulator fault: the clean module passes, each fault is caught
by exactly the cases the catalogue names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from certkit.drivers.emulator.faults import FAULTS, verdict_faults
from helpers import certify, failing, verdicts


def test_clean_emulator_passes_every_case(clean_smoke: dict[str, Any]) -> None:
    assert clean_smoke["verdict"] == "pass"
    assert set(verdicts(clean_smoke).values()) == {"pass"}
    assert all(case["checks"] > 0 for case in clean_smoke["cases"])


def test_every_catalogued_case_exists(clean_smoke: dict[str, Any]) -> None:
    from certkit import profiles
    from certkit.case_runner import collect_cases
    from certkit.plugins import load_plugins
    from certkit.vectors import VectorStore

    for fault in verdict_faults():
        known = (set(verdicts(clean_smoke)) if fault.profile == "smoke" else
                 {case.id for case in collect_cases(load_plugins(), profiles.load(fault.profile),
                                                    VectorStore())})
        assert set(fault.caught_by) <= known, fault.name


@pytest.mark.parametrize("fault", sorted(fault.name for fault in verdict_faults()))
def test_fault_is_caught_by_its_cases_only(fault: str, tmp_path: Path) -> None:
    # a RANDOM defect that only a 20 x 10^6-bit look finds is caught in `standard`
    document = certify(f"emulator:?fault={fault}", tmp_path / "out", FAULTS[fault].profile)
    assert document["verdict"] == "fail"
    assert failing(document) == set(FAULTS[fault].caught_by)
    for case in document["cases"]:
        if case["id"] in FAULTS[fault].caught_by:
            assert case["verdict"] == "fail", case
            assert case["failures"], "a failing case keeps its evidence"
            assert all(f["expected"] != f["got"] for f in case["failures"])


def test_two_faults_at_once_are_both_caught(tmp_path: Path) -> None:
    document = certify("emulator:?fault=sm4-cbc-no-chaining&fault=random-repeat", tmp_path / "o")
    assert failing(document) == {"kat.sm4-cbc.vectors", "kat.random.output"}
