"""Certification over the wire: the serial emulator on a real pty or TCP, certkit as the host.

The clean module passes; every fault of the emulator's catalogue is caught
over the wire by the same cases as in process (those needing SM4-CCM
excepted, and asserted not applicable: the protocol has no CCM); every
transport fault leaves every verdict as it was; a module unplugged mid-run
leaves a resumable journal.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from certkit import profiles
from certkit.case_runner import collect_cases, run_case
from certkit.drivers.emulator.faults import FAULTS
from certkit.drivers.serial.host import SerialDevice, open_serial
from certkit.drivers.serial.link import LinkStats
from certkit.drivers.serial.spawn import EmulatorProcess
from certkit.journal import JOURNAL_FILE
from certkit.plugins import load_plugins
from certkit.results import Verdict
from certkit.runner import execute, finish, start
from certkit.url import DeviceURL
from certkit.vectors import VectorStore
from helpers import CERTKIT, certify, failing, run_cli, verdicts

LARGE_CASE = "kat.sm3.large"
NOT_ON_THE_WIRE = "SM4-CCM"  # offered in process; the protocol has no CCM command


def certify_serial(url: str, out: Path, profile: str = "smoke") -> tuple[dict[str, Any],
                                                                         LinkStats]:
    """Run certkit in process against a serial URL; the results and what the line did."""
    session = start(url, profile, out)
    execute(session)
    document = json.loads(finish(session).read_text())
    device = session.device.inner
    assert isinstance(device, SerialDevice)
    return document, device.stats


def profile_toml(base: profiles.Profile, *, exclude: tuple[str, ...]) -> str:
    """A profile file: `base` with more cases excluded."""
    lines = [f"name = {json.dumps(base.name + '-less')}",
             f"suites = {json.dumps(list(base.suites))}",
             f"include = {json.dumps(list(base.include))}",
             f"exclude = {json.dumps([*base.exclude, *exclude])}",
             f"operation_timeout_s = {base.operation_timeout_s}"]
    for suite, params in base.params.items():
        lines.append(f"[params.{suite}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in params.items()
                  if not isinstance(value, dict)]
        for name, table in params.items():
            if isinstance(table, dict):  # a randomness phase
                lines.append(f"[params.{suite}.{json.dumps(name)}]")
                lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    lines += ["[coverage]", f"capabilities = {json.dumps(list(base.coverage.capabilities))}"]
    return "\n".join(lines) + "\n"


def ccm_cases(document: dict[str, Any]) -> set[str]:
    return {case["id"] for case in document["cases"] if NOT_ON_THE_WIRE in case["requires"]}


def assert_ccm_not_applicable(document: dict[str, Any]) -> None:
    """The serial face offers no SM4-CCM: its cases are not applicable, never passed."""
    cases = [case for case in document["cases"] if NOT_ON_THE_WIRE in case["requires"]]
    assert cases, "the profile has SM4-CCM cases, and they must show as not applicable"
    for case in cases:
        assert case["verdict"] == "not-applicable" and NOT_ON_THE_WIRE in case["missing"], case
    assert NOT_ON_THE_WIRE not in document["device"]["capabilities"]


def over_the_wire(in_process: dict[str, Any]) -> dict[str, str]:
    """The verdicts a serial run must give, from an in-process run's document."""
    return {case["id"]: "not-applicable" if NOT_ON_THE_WIRE in case["requires"]
            else case["verdict"] for case in in_process["cases"]}


# -- the clean module ------------------------------------------------------------------


def test_clean_module_passes_smoke_on_a_pty_twice_in_a_row(
        tmp_path: Path, clean_smoke: dict[str, Any]) -> None:
    with EmulatorProcess("--pty", "--test-hooks") as emulator:
        for run in ("first", "second"):  # the second run reopens the same pty
            document, stats = certify_serial(emulator.url, tmp_path / run)
            assert document["verdict"] == "pass", failing(document)
            assert verdicts(document) == over_the_wire(clean_smoke)
            assert_ccm_not_applicable(document)
            assert stats.retransmissions == 0 and stats.discarded == 0
    assert document["driver"] == {"scheme": "serial", "url": emulator.url}
    assert document["device"]["vendor"] == "certkit"
    assert document["device"]["model"].endswith("(serial face)")
    assert {"SELFTEST", "TEST-HOOKS", "KEY-DESTROY"} <= set(document["device"]["capabilities"])


def test_clean_module_passes_smoke_over_tcp(tmp_path: Path,
                                            clean_smoke: dict[str, Any]) -> None:
    with EmulatorProcess("--tcp", "0", "--test-hooks") as emulator:
        document, _ = certify_serial(emulator.url, tmp_path / "out")
    assert document["verdict"] == "pass", failing(document)
    assert verdicts(document) == over_the_wire(clean_smoke)
    assert_ccm_not_applicable(document)


def test_standard_profile_but_the_monte_carlo_over_a_pty(tmp_path: Path) -> None:
    """The standard profile's cases, less the million round trips (benchmarks/ runs those).

    kat.sm3.large hashes messages of 1 MiB and more in one operation; one
    frame carries at most 65535 bytes and the protocol has no incremental
    SM3, so no module can be asked. The host refuses to send it and says
    why; the case fails with that reason (or, once cases can require a
    large-message capability, is not applicable). It never passes.
    """
    profile = tmp_path / "standard-less-monte-carlo.toml"
    profile.write_text(profile_toml(profiles.load("standard"),
                                    exclude=("kat.sm4-ecb.monte-carlo",)))
    with EmulatorProcess("--pty", "--test-hooks") as emulator:
        document, _ = certify_serial(emulator.url, tmp_path / "out", str(profile))
    in_process = certify("emulator:", tmp_path / "in-process", str(profile))
    serial, expected = verdicts(document), over_the_wire(in_process)
    assert "kat.sm4-ecb.monte-carlo" not in serial and LARGE_CASE in serial
    assert expected.pop(LARGE_CASE) == "pass"
    large = next(case for case in document["cases"] if case["id"] == LARGE_CASE)
    # One frame cannot carry a megabyte and the protocol has no incremental SM3.
    assert serial.pop(LARGE_CASE) == "not-applicable" and large["missing"] == ["LARGE-MESSAGES"]
    assert serial == expected
    assert_ccm_not_applicable(document)


# -- crypto faults: caught over the wire as in process ------------------------------------


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_crypto_fault_is_caught_over_the_wire_by_its_cases(fault: str, tmp_path: Path) -> None:
    with EmulatorProcess("--pty", "--test-hooks", "--fault", fault) as emulator:
        document, _ = certify_serial(emulator.url, tmp_path / "out")
    assert_ccm_not_applicable(document)
    catching = set(FAULTS[fault].caught_by)
    ran = set(verdicts(document))
    expected = (catching & ran) - ccm_cases(document)
    if not expected:
        # Stated, never silently passed: every case that catches this fault in
        # process either needs SM4-CCM, which the wire does not carry, or is not
        # in this profile (a performance fault).
        assert catching <= ccm_cases(document) | (catching - ran), fault
        assert failing(document) == set() and document["verdict"] == "pass"
        return
    assert document["verdict"] == "fail"
    assert failing(document) == expected
    for case in document["cases"]:
        if case["id"] in expected:
            assert case["verdict"] == "fail" and case["failures"], case


# -- transport faults: nothing changes ----------------------------------------------------


TRANSPORT = {
    "corrupt-crc": ("corrupt-crc=0.1", "bad_frames"),
    "drop-response": ("drop-response=0.01", "timeouts"),
    "delay-response": ("delay-response=0.03", None),
    "garbage-before": ("garbage-before=0.2", "skipped_bytes"),
    "byte-at-a-time": ("byte-at-a-time=0.2", None),
}


def injected(emulator: EmulatorProcess, fault: str) -> int:
    found = re.search(rf"{re.escape(fault)} (\d+)", emulator.stderr())
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize("fault", sorted(TRANSPORT))
def test_transport_fault_changes_no_verdict(fault: str, tmp_path: Path,
                                            clean_smoke: dict[str, Any]) -> None:
    spec, counter = TRANSPORT[fault]
    emulator = EmulatorProcess("--pty", "--test-hooks", "--fault", spec, "--delay", "0.05",
                               "--seed", "7")
    with emulator:
        document, stats = certify_serial(f"{emulator.url}?timeout=0.15", tmp_path / "out")
        emulator.stop()
    assert verdicts(document) == over_the_wire(clean_smoke)
    assert injected(emulator, fault) > 0, emulator.stderr()
    if counter is not None:
        assert getattr(stats, counter) > 0
    if fault in ("corrupt-crc", "drop-response"):
        assert stats.retransmissions >= injected(emulator, fault)


def test_all_transport_faults_at_once_over_tcp_change_no_verdict(
        tmp_path: Path, clean_smoke: dict[str, Any]) -> None:
    rates = ("corrupt-crc=0.05", "drop-response=0.01", "delay-response=0.02",
             "garbage-before=0.1", "byte-at-a-time=0.1")
    faults = [argument for spec in rates for argument in ("--fault", spec)]
    with EmulatorProcess("--tcp", "0", "--test-hooks", *faults, "--delay", "0.05",
                         "--seed", "11") as emulator:
        document, stats = certify_serial(f"{emulator.url}?timeout=0.15", tmp_path / "out")
    assert verdicts(document) == over_the_wire(clean_smoke)
    assert stats.retransmissions > 0 and stats.skipped_bytes > 0


# -- unplugged mid-run ------------------------------------------------------------------


def journal_case_ids(out: Path) -> list[str]:
    path = out / JOURNAL_FILE
    if not path.exists():
        return []
    return [json.loads(line)["id"] for line in path.read_text().splitlines()
            if line.endswith("}") and '"type": "case"' in line]


def test_a_module_unplugged_mid_run_gives_exit_2_and_a_resumable_journal(
        tmp_path: Path) -> None:
    link, out = tmp_path / "ttyDUT", tmp_path / "out"
    # Every response 5 ms late, so that the run is still going when the module dies.
    slow = EmulatorProcess("--pty", "--link", str(link), "--fault", "delay-response=1",
                           "--delay", "0.005")
    with slow:
        run = subprocess.Popen([*CERTKIT, "run", "--device", f"serial:{link}?timeout=0.5",
                                "--profile", "smoke", "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(journal_case_ids(out)) < 3:
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.01)
        slow.kill()
        _, stderr = run.communicate(timeout=60)
    assert run.returncode == 2, stderr
    partial = json.loads((out / "results.json").read_text())
    assert partial["complete"] is False and partial["verdict"] == "incomplete"
    assert partial["stopped"].startswith("device unreachable")
    finished = journal_case_ids(out)
    assert [case["id"] for case in partial["cases"]] == finished and len(finished) >= 3
    assert partial["not_run"] and "--resume" in stderr

    with EmulatorProcess("--pty", "--link", str(link)):  # the module is back, on a new pty
        resumed = run_cli("run", "--resume", str(out), timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    document = json.loads((out / "results.json").read_text())
    assert document["complete"] is True and document["verdict"] == "pass"
    assert len(document["sessions"]) == 2
    assert journal_case_ids(out)[:len(finished)] == finished
    assert len(journal_case_ids(out)) == len(document["cases"])  # nothing finished ran again


# -- wire evidence for a failing case ------------------------------------------------------


def test_a_failing_case_has_the_exchange_that_failed_in_its_trace(tmp_path: Path) -> None:
    plugins = load_plugins()
    cases = {case.id: case for case in collect_cases(plugins, profiles.load("smoke"),
                                                     VectorStore())}
    with EmulatorProcess("--pty", "--fault", "sm4-ecb-decrypt-key-order") as emulator, \
            open_serial(DeviceURL.parse(f"{emulator.url}?trace=1")) as device:
        device.trace_mark()
        result = run_case(cases["kat.sm4-ecb.gbt32907"], device)
        excerpt = device.trace_excerpt()
    assert result.verdict is Verdict.FAIL
    assert excerpt is not None
    directions = {record["dir"] for record in excerpt["records"]}
    assert directions == {"host>module", "module>host"}
    answers = "".join(r["hex"] for r in excerpt["records"] if r["dir"] == "module>host")
    assert result.failures
    assert all(failure.got in answers for failure in result.failures)
    requests = "".join(r["hex"] for r in excerpt["records"] if r["dir"] == "host>module")
    assert all(failure.inputs["ct"] in requests for failure in result.failures)
