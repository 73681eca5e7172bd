"""The runner's promises: journal as results come, resume without re-running, timeouts."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from certkit.case_runner import run_case
from certkit.cases import Case
from certkit.checks import Checks
from certkit.device import Device, DeviceInfo
from certkit.journal import JOURNAL_FILE, Journal
from certkit.results import Verdict
from certkit.watchdog import GuardedDevice, Watchdog
from helpers import CERTKIT, run_cli

# A deterministic failure, so its evidence is the same in every run.
DEVICE = "emulator:?fault=sm4-cbc-no-chaining"
# The same module answering 2 ms late, so a run is still going when the test interrupts it;
# resuming names the prompt URL, which reports the same device identity.
SLOW = "&delay-ms=2"
VOLATILE = {"started_at", "ended_at", "sessions", "run_id", "duration_s", "command_line"}


def stable(document: dict[str, Any]) -> dict[str, Any]:
    """results.json without what differs between two runs of the same thing (clock, ids)."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in VOLATILE}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    return strip(document)


def journal_cases(out: Path) -> int:
    path = out / JOURNAL_FILE
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text().splitlines() if '"type": "case"' in line)


def start_run(out: Path, device: str = DEVICE) -> subprocess.Popen[str]:
    return subprocess.Popen([*CERTKIT, "run", "--device", device, "--profile", "smoke",
                             "--out", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for_cases(out: Path, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while journal_cases(out) < count:
        assert process.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.005)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("whole") / "out"
    result = run_cli("run", "--device", DEVICE, "--profile", "smoke", "--out", str(out))
    assert result.returncode == 1, result.stderr
    return json.loads((out / "results.json").read_text())


def test_killed_run_resumes_to_the_same_results(tmp_path: Path,
                                                uninterrupted: dict[str, Any]) -> None:
    out = tmp_path / "out"
    process = start_run(out, DEVICE + SLOW)
    wait_for_cases(out, 5, process)
    process.kill()  # SIGKILL: no handler runs, only the journal survives
    process.wait()
    finished_before = journal_cases(out)
    assert not (out / "results.json").exists()

    resumed = run_cli("run", "--resume", str(out), "--device", DEVICE)
    assert resumed.returncode == 1, resumed.stderr
    document = json.loads((out / "results.json").read_text())
    assert stable(document) == stable(uninterrupted)
    assert len(document["sessions"]) == 2
    # nothing that had finished ran again
    assert journal_cases(out) == len(document["cases"])
    assert finished_before >= 5


def interrupt(out: Path, device: str, after: int) -> tuple[int, str, dict[str, Any]]:
    process = start_run(out, device)
    wait_for_cases(out, after, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr, json.loads((out / "results.json").read_text())


def test_ctrl_c_on_a_clean_device_is_incomplete_exit_2(tmp_path: Path) -> None:
    code, stderr, partial = interrupt(tmp_path / "out", "emulator:?delay-ms=2", after=3)
    assert code == 2, stderr
    assert partial["complete"] is False and partial["stopped"] == "interrupted"
    assert partial["verdict"] == "incomplete"
    assert partial["not_run"] and "--resume" in stderr


def test_ctrl_c_keeps_a_failure_found_before_it(tmp_path: Path,
                                                uninterrupted: dict[str, Any]) -> None:
    out = tmp_path / "out"
    # kat.sm4-cbc.vectors, which catches the fault, is the smoke profile's 6th case.
    code, stderr, partial = interrupt(out, DEVICE + SLOW, after=7)
    # A definite failure outranks "incomplete".
    assert code == 1 and partial["verdict"] == "fail", stderr
    assert partial["complete"] is False and "stopped (interrupted)" in stderr

    assert run_cli("run", "--resume", str(out), "--device", DEVICE).returncode == 1
    assert stable(json.loads((out / "results.json").read_text())) == stable(uninterrupted)


def test_torn_last_journal_line_is_dropped(tmp_path: Path) -> None:
    out = tmp_path / "out"
    journal = Journal.create(out, {"run_id": "x", "device_url": "emulator:", "profile": "smoke",
                                   "operation_timeout_s": 30, "started_at": "t"})
    journal.close()
    with (out / JOURNAL_FILE).open("a") as handle:
        handle.write('{"type": "case", "id": "kat.sm3')  # the process died mid-write
    contents = Journal.read(out)
    assert contents.results == [] and contents.warnings


def test_a_second_run_into_a_journal_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("run", "--profile", "smoke", "--out", str(out)).returncode == 0
    again = run_cli("run", "--profile", "smoke", "--out", str(out))
    assert again.returncode == 3 and "--resume" in again.stderr


class SlowDevice(Device):
    info = DeviceInfo("test", "slow", "0", "0")
    capabilities = frozenset({"SM3"})

    def digest(self, algorithm: str, data: bytes) -> bytes:
        time.sleep(30)
        return b""


def test_an_operation_over_the_timeout_errors_its_case() -> None:
    device = GuardedDevice(SlowDevice(), timeout_s=0.3)

    def run(dut: Device, checks: Checks) -> None:
        checks.count += 1
        dut.digest("SM3", b"abc")

    case = Case("t.slow", "slow", "t", frozenset({"SM3"}), (), run)
    started = time.monotonic()
    with Watchdog(device):
        result = run_case(case, device)
    assert time.monotonic() - started < 5
    assert result.verdict is Verdict.ERROR
    assert "hang: digest SM3 of 3 bytes exceeded 0.3 s" in (result.error or "")


def test_missing_capabilities_make_a_case_not_applicable_naming_them() -> None:
    case = Case("t.gcm", "gcm", "t", frozenset({"SM4-GCM", "SM3"}), (), lambda d, c: None)
    result = run_case(case, SlowDevice())
    assert result.verdict is Verdict.NOT_APPLICABLE and result.missing == ("SM4-GCM",)


def test_a_case_that_checks_nothing_is_an_error() -> None:
    case = Case("t.empty", "empty", "t", frozenset(), (), lambda d, c: None)
    result = run_case(case, SlowDevice())
    assert result.verdict is Verdict.ERROR and result.error == "the case made no checks"


def test_resume_accepts_the_same_device_on_another_url_and_refuses_another(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = start_run(out, "emulator:?delay-ms=2")
    wait_for_cases(out, 3, process)
    process.kill()
    process.wait()
    # gmssl: is another driver: refused, naming what differs
    other = run_cli("run", "--resume", str(out), "--device", "gmssl:")
    assert other.returncode == 3 and "another driver" in other.stderr
    # the same module with another transport tuning (delay-ms) is accepted
    same = run_cli("run", "--resume", str(out), "--device", "emulator:")
    assert same.returncode == 0, same.stderr
    document = json.loads((out / "results.json").read_text())
    assert [s["device_url"] for s in document["sessions"]] == ["emulator:?delay-ms=2",
                                                               "emulator:"]
