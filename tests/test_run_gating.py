"""What a CI gate reads off a run: exit codes it can trust, coverage in the verdict, filters
recorded, resumes that never mix runs, console text it can read, outputs that fail cleanly."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from certkit.case_runner import run_case
from certkit.cases import Case
from certkit.checks import Checks
from certkit.device import Device, DeviceInfo
from certkit.progress import Progress
from certkit.results import Verdict
from certkit.watchdog import GuardedDevice, Watchdog
from helpers import CERTKIT, run_cli

# -- exit codes -------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["run", "--devcie", "emulator:"],
    ["rng", "."],
    ["compare", "a", "nonexistent"],
    ["list", "nothing"],
])
def test_click_usage_errors_exit_3(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 3, result.stderr


def test_help_and_version_still_exit_0() -> None:
    assert run_cli("--help").returncode == 0
    assert run_cli("run", "--help").returncode == 0
    assert run_cli("--version").returncode == 0


# -- coverage ---------------------------------------------------------------------------


def test_a_device_with_none_of_the_profiles_algorithms_is_not_certified(tmp_path: Path) -> None:
    profile = tmp_path / "sm.toml"
    # the emulator passes kat.random.output but offers no SM9: a run of an "SM9 profile"
    # that passed only RANDOM certifies nothing
    profile.write_text('name = "sm"\nsuites = ["kat"]\ninclude = ["kat.random.*"]\n'
                       '[coverage]\ncapabilities = ["SM9-SIGN"]\n', encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("run", "--profile", str(profile), "--out", str(out))
    document = json.loads((out / "results.json").read_text())
    assert result.returncode == 2, result.stderr
    assert document["verdict"] == "incomplete"
    assert document["summary"]["pass"] >= 1  # something passed, and still no certificate
    assert "none of the capabilities" in document["coverage_shortfall"]
    assert "INCOMPLETE" in result.stderr and "not certified" in result.stderr
    report = (out / "report.md").read_text()
    assert "not certified by this profile" in report
    junit = (out / "junit.xml").read_text()
    assert "run.verdict" in junit and "none of the capabilities" in junit


def test_the_same_profile_certifies_a_device_that_offers_its_algorithms(tmp_path: Path) -> None:
    profile = tmp_path / "sm.toml"
    profile.write_text('name = "sm"\nsuites = ["kat"]\ninclude = ["kat.sm3.*"]\n'
                       '[coverage]\ncapabilities = ["SM3"]\n', encoding="utf-8")
    result = run_cli("run", "--profile", str(profile), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr


def test_standards_applied_skip_not_applicable_cases(tmp_path: Path) -> None:
    # gmssl: offers no SM4-GCM/CCM, ZUC or RANDOM; a standard cited only by those cases
    # is not "applied" (ZUC: GM/T 0001)
    out = tmp_path / "out"
    run_cli("run", "--device", "gmssl:", "--profile", "smoke", "-k", "zuc or sm3",
            "--out", str(out))
    from certkit.reports.view import build_view

    view = build_view(json.loads((out / "results.json").read_text()))
    applied = {row.requirement.id for row in view.standards_applied}
    assert "GB/T 32905-2016" in applied
    assert not any(name.startswith(("GM/T 0001", "GB/T 33133")) for name in applied)


# -- filters and the dry run ---------------------------------------------------------------


def test_k_and_case_filters_are_recorded_and_said(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("run", "-k", "sm3 and not large", "--case", "kat.*", "--profile",
                     "smoke", "--out", str(out))
    assert result.returncode == 0, result.stderr
    document = json.loads((out / "results.json").read_text())
    ids = [case["id"] for case in document["cases"]]
    assert ids and all("sm3" in case_id and case_id.startswith("kat.") for case_id in ids)
    assert document["selection"] == {"keyword": "sm3 and not large", "cases": ["kat.*"]}
    assert "not a full run of the profile" in result.stderr
    assert "filtered run" in (out / "report.md").read_text()


@pytest.mark.parametrize(("args", "message"), [
    (["-k", "sm3 and"], "expected a word"),
    (["-k", "no-such-thing"], "selects no case"),
    (["--case", "kat.nope"], "--case 'kat.nope' matches no case"),
])
def test_filters_that_select_nothing_are_usage_errors(args: list[str], message: str,
                                                      tmp_path: Path) -> None:
    result = run_cli("run", *args, "--out", str(tmp_path / "out"))
    assert result.returncode == 3 and message in result.stderr, result.stderr


def test_list_is_a_dry_run_naming_what_is_not_applicable_and_why(tmp_path: Path) -> None:
    result = run_cli("run", "--list", "--device", "gmssl:", "--profile", "smoke", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = dict(line.split("\t", 1) for line in result.stdout.splitlines())
    assert rows["kat.sm3.gbt32905"].startswith("will run\tabout")
    assert rows["kat.sm4-gcm.vectors"] == "not-applicable\tlacks SM4-GCM"
    assert "applicable; about" in result.stderr
    assert not list(tmp_path.iterdir())  # nothing written


# -- resume -------------------------------------------------------------------------------


def interrupted_run(out: Path, device: str) -> None:
    process = subprocess.Popen([*CERTKIT, "run", "--device", device, "--profile", "smoke",
                                "--out", str(out)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    journal = out / "journal.jsonl"
    while not (journal.exists() and journal.read_text().count('"type": "case"') >= 3):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.01)
    process.kill()
    process.wait()


@pytest.mark.parametrize(("args", "named"), [
    (["--profile", "standard"], "--profile standard differs from the run's profile smoke"),
    (["--device", "emulator:?delay-ms=2"], "other options"),
    (["--device", "gmssl:"], "another driver"),
])
def test_resume_refuses_another_profile_url_or_options(tmp_path: Path, args: list[str],
                                                       named: str) -> None:
    out = tmp_path / "out"
    interrupted_run(out, "emulator:?fault=sm4-cbc-no-chaining&delay-ms=2")
    result = run_cli("run", "--resume", str(out), *args)
    assert result.returncode == 3 and named in result.stderr, result.stderr


def test_resume_may_change_transport_tuning_and_prints_journal_warnings(tmp_path: Path) -> None:
    out = tmp_path / "out"
    interrupted_run(out, "emulator:?fault=sm4-cbc-no-chaining&delay-ms=2")
    with (out / "journal.jsonl").open("a") as journal:
        journal.write('{"type": "case", "id": "torn')
    result = run_cli("run", "--resume", str(out), "--device",
                     "emulator:?fault=sm4-cbc-no-chaining")
    assert result.returncode == 1, result.stderr
    assert "warning:" in result.stderr and "torn last line dropped" in result.stderr


# -- timeouts -----------------------------------------------------------------------------


class HangingDevice(Device):
    info = DeviceInfo("t", "hang", "1", "0")
    capabilities = frozenset({"SM3"})

    def digest(self, algorithm: str, data: bytes) -> bytes:
        try:
            time.sleep(30)
        except Exception as exc:  # a library's catch-all must not swallow certkit's timeout
            raise RuntimeError(f"library error: {exc}") from None
        return b""


def digest_case(size: int) -> Case:
    def run(dut: Device, checks: Checks) -> None:
        checks.count += 1
        dut.digest("SM3", bytes(size))

    return Case("t.hang", "hang", "t", frozenset({"SM3"}), (), run)


def test_a_hang_is_an_error_attributed_to_the_watchdog_not_the_device() -> None:
    device = GuardedDevice(HangingDevice(), timeout_s=0.3)
    with Watchdog(device):
        result = run_case(digest_case(4 << 20), device)
    assert result.verdict is Verdict.ERROR, result
    assert result.error is not None
    assert result.error.startswith("hang: digest SM3 of 4 MiB exceeded 0.3 s")
    assert "certkit's operation timeout" in result.error and "library" not in result.error


def test_profiles_scale_the_timeout_by_payload_size() -> None:
    device = GuardedDevice(HangingDevice(), timeout_s=0.2, per_mib_s=0.2)
    started = time.monotonic()
    with Watchdog(device):
        result = run_case(digest_case(2 << 20), device)
    assert result.verdict is Verdict.ERROR and "exceeded 0.6 s" in (result.error or "")
    assert time.monotonic() - started >= 0.6


# -- console ------------------------------------------------------------------------------


class Stream:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def test_device_strings_are_inert_on_the_console(tmp_path: Path) -> None:
    from certkit.runner import finish, start

    session = start("emulator:", "smoke", tmp_path / "out")
    session.run.device_info = DeviceInfo("evil\x1b[2J\x1b]0;owned\x07", "m\nfake line",
                                         "1", "0")
    stream = Stream()
    Progress(stream).certkit_run_started(run=session.run)
    finish(session)
    assert "\x1b" not in stream.text and "\x07" not in stream.text
    assert stream.text.count("\n") == 1 and "\\u001b" in stream.text


def test_the_console_names_a_long_case_with_rate_and_eta_and_summarises_failures(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from certkit import progress
    from certkit.runner import execute, finish, start
    from certkit.selection import Selection

    monkeypatch.setattr(progress, "PLAIN_INTERVAL_S", 0.0)
    stream = Stream()
    session = start("emulator:?fault=sm4-cbc-no-chaining", "standard", tmp_path / "out",
                    observers=[Progress(stream)],
                    selection=Selection("power-on or sm4-cbc.vectors"))
    execute(session)
    finish(session)
    assert "running randomness.power-on: " in stream.text
    assert "samples tested" in stream.text and "ETA" in stream.text
    summary = stream.text[stream.text.index("short summary"):]
    assert "FAIL  kat.sm4-cbc.vectors: sm4/cbc.json tcId" in summary


# -- output errors ------------------------------------------------------------------------


def small_filesystem(tmp_path: Path, size_kib: int) -> Path:
    """A tmpfs of `size_kib` KiB (root only: CI and these machines run as root)."""
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(mount)],
                   check=True)
    return mount


@pytest.mark.parametrize("size_kib", [48, 12])
def test_a_full_disk_is_one_line_exit_2_and_the_journal_resumes(tmp_path: Path,
                                                               size_kib: int) -> None:
    mount = small_filesystem(tmp_path, size_kib)
    try:
        out = mount / "out"
        result = run_cli("run", "--profile", "smoke", "--out", str(out))
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("certkit: error: cannot write ") and "[Errno 28]" in last
        assert not list(out.glob("*.tmp"))
        journal = (out / "journal.jsonl").read_bytes()
        moved = tmp_path / "moved"
        moved.mkdir()
        (moved / "journal.jsonl").write_bytes(journal)
    finally:
        subprocess.run(["umount", str(mount)], check=True)
    resumed = run_cli("run", "--resume", str(moved))
    assert resumed.returncode == 0, resumed.stderr


def test_an_unreachable_device_still_leaves_results_and_a_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("run", "--device", f"serial:{tmp_path / 'no-such-port'}", "--out",
                     str(out))
    assert result.returncode == 2, result.stderr
    document = json.loads((out / "results.json").read_text())
    assert document["verdict"] == "incomplete"
    assert document["stopped"].startswith("device could not be opened: Unreachable")
    assert (out / "report.html").is_file() and (out / "report.md").is_file()


# -- randomness in the default profile ---------------------------------------------------


def test_standard_looks_at_random_and_scales_down_on_a_slow_device(tmp_path: Path) -> None:
    profile = tmp_path / "slow-link.toml"
    text = (Path(__file__).resolve().parents[1] / "certkit" / "profiles" / "standard.toml"
            ).read_text(encoding="utf-8").replace("budget_s = 120", "budget_s = 1")
    profile.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    # 30 ms a draw of at most 64 KiB: about 2 MB/s, so 1 s carries about 17 of 20 samples
    result = run_cli("run", "--device", "emulator:?delay-ms=30", "--profile", str(profile),
                     "-k", "power-on", "--out", str(out))
    assert result.returncode == 0, result.stderr
    case = json.loads((out / "results.json").read_text())["cases"][0]
    assert case["id"] == "randomness.power-on" and case["verdict"] == "pass"
    assert case["metrics"]["samples_planned"] == 20 and case["metrics"]["samples"] < 20
    assert "Scaled down:" in (out / "report.md").read_text()
    assert "Scaled down:" in (out / "report.html").read_text()
