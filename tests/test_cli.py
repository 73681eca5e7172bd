"""The command line: exit statuses, one-line errors, what a run writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import run_cli


def test_plain_run_certifies_the_emulator_and_writes_the_reports(tmp_path: Path) -> None:
    result = run_cli("run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    results_path = Path(result.stdout.strip())
    out = tmp_path / results_path.parent
    document = json.loads((tmp_path / results_path).read_text())
    assert document["verdict"] == "pass" and document["profile"]["name"] == "standard"
    assert document["driver"]["url"] == "emulator:"
    assert {p["name"] for p in document["plugins"]} >= {"emulator", "gmssl", "kat", "reports"}
    for name in ("report.html", "report.md", "junit.xml", "journal.jsonl"):
        assert (out / name).stat().st_size > 0
    assert "PASS" in result.stderr.splitlines()[-1]


def test_a_fault_fails_the_run_with_exit_1(tmp_path: Path) -> None:
    result = run_cli("run", "--device", "emulator:?fault=zuc-skip-first-word", "--profile",
                     "smoke", "--out", str(tmp_path / "o"))
    assert result.returncode == 1
    assert "FAIL" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--device", "nosuch:thing"], "unknown device URL scheme 'nosuch:'"),
    (["--device", "emulator:?speed=fast"], "unknown option(s) speed"),
    (["--device", "emulator:?fault=not-a-fault"], "unknown fault(s) not-a-fault"),
    (["--profile", "no-such-profile"], "profile 'no-such-profile' not found"),
])
def test_configuration_errors_are_one_line_and_exit_3(args: list[str], message: str,
                                                      tmp_path: Path) -> None:
    result = run_cli("run", *args, "--out", str(tmp_path / "o"))
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_a_tampered_vector_file_is_named_and_exits_3(vectors_copy: Path, tmp_path: Path) -> None:
    target = vectors_copy / "sm4" / "cbc.json"
    target.write_text(target.read_text().replace('"ct": "2677', '"ct": "3677', 1))
    result = run_cli("run", "--vectors", str(vectors_copy), "--out", str(tmp_path / "o"))
    assert result.returncode == 3
    assert "sm4/cbc.json" in result.stderr and "altered" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    verify = run_cli("vectors", "verify", "--root", str(vectors_copy))
    assert verify.returncode == 3 and "sm4/cbc.json" in verify.stderr


def test_vectors_verify_passes_on_the_shipped_vectors() -> None:
    result = run_cli("vectors", "verify")
    assert result.returncode == 0, result.stderr
    assert "manifest SHA-256" in result.stdout


def test_info_prints_the_device_identity() -> None:
    result = run_cli("info", "--device", "gmssl:")
    assert result.returncode == 0
    info = json.loads(result.stdout)
    assert info["vendor"] == "gmssl (PyPI)" and "SM3" in info["capabilities"]


@pytest.mark.parametrize("what", ["devices", "suites", "cases", "profiles", "faults", "plugins"])
def test_list_commands_answer(what: str) -> None:
    result = run_cli("list", what)
    assert result.returncode == 0 and result.stdout.strip(), result.stderr


def test_report_render_reproduces_the_run_reports(tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert run_cli("run", "--profile", "smoke", "--out", str(out)).returncode == 0
    for fmt, name in (("html", "report.html"), ("md", "report.md"), ("junit", "junit.xml")):
        rendered = run_cli("report", "render", str(out / "results.json"), "--format", fmt)
        assert rendered.returncode == 0
        assert rendered.stdout == (out / name).read_text()
