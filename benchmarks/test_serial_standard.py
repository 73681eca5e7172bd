"""Wall time of the `standard` profile over the serial emulator on a real pty and on TCP.

The standard profile's SM4 Monte Carlo makes one round trip per iteration,
a million of them, which is why CI certifies over serial with the smoke
profile (and the standard profile less the Monte Carlo) and this runs here.
Run with `pytest benchmarks/test_serial_standard.py --benchmark-only -s`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from certkit.drivers.serial.spawn import EmulatorProcess
from certkit.runner import execute, finish, start

MONTE_CARLO = "kat.sm4-ecb.monte-carlo"
# Beyond the protocol (1 MiB messages in one SM3 request) or absent from it (CCM).
EXPECTED_OTHERWISE = {"kat.sm3.large": {"fail", "not-applicable"},
                      "kat.sm4-ccm.vectors": {"not-applicable"}}


@pytest.mark.parametrize("transport", ["--pty", "--tcp"])
def test_standard_profile_over_serial_wall_time(benchmark, tmp_path: Path,
                                                transport: str) -> None:
    arguments = ["--tcp", "0"] if transport == "--tcp" else ["--pty"]
    with EmulatorProcess(*arguments) as emulator:
        def certify() -> dict:
            session = start(emulator.url, "standard", tmp_path / "out")
            execute(session)
            return json.loads(finish(session).read_text())

        document = benchmark.pedantic(certify, rounds=1, iterations=1)
    cases = {case["id"]: case for case in document["cases"]}
    for case_id, case in cases.items():
        assert case["verdict"] in EXPECTED_OTHERWISE.get(case_id, {"pass"}), case
    monte_carlo_s = cases[MONTE_CARLO]["duration_s"]
    benchmark.extra_info.update(wall_s=benchmark.stats.stats.median,
                                monte_carlo_s=monte_carlo_s,
                                monte_carlo_round_trips_per_s=1_000_000 / monte_carlo_s)
    print(f"\nstandard over {transport[2:]}: {benchmark.stats.stats.median:.1f} s, of which "
          f"the Monte Carlo {monte_carlo_s:.1f} s ({1_000_000 / monte_carlo_s:,.0f} round trips/s)")
