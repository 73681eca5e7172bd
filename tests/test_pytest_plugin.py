"""The pytest plugin: certkit's cases as pytest items, gated through pytest's own JUnit XML."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest


def run_pytest(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str],
                                                      ET.Element | None]:
    """pytest in a subprocess, in an empty folder, with JUnit XML; returns it parsed."""
    junit = tmp_path / "junit.xml"
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={junit}",
         "-q", *args],
        cwd=work, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    root = ET.parse(junit).getroot() if junit.exists() else None
    return result, root


def outcomes(root: ET.Element) -> dict[str, str]:
    """Each testcase's outcome: passed, failure, error or skipped."""
    found = {}
    for case in root.iter("testcase"):
        children = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        found[case.get("name", "")] = children[0] if children else "passed"
    return found


def test_the_clean_emulator_passes_as_pytest_items(tmp_path: Path,
                                                   clean_smoke: dict[str, object]) -> None:
    result, root = run_pytest(tmp_path, "--certkit-device", "emulator:",
                              "--certkit-profile", "smoke")
    assert result.returncode == 0, result.stdout + result.stderr
    assert root is not None
    found = outcomes(root)
    expected = {case["id"]: case["verdict"] for case in clean_smoke["cases"]}  # type: ignore[index]
    assert set(found) == set(expected)  # one item per case
    assert {found[case_id] for case_id, verdict in expected.items() if verdict == "pass"} == {
        "passed"}
    assert {found[case_id] for case_id, verdict in expected.items()
            if verdict == "not-applicable"} <= {"skipped"}
    classnames = {case.get("classname") for case in root.iter("testcase")}
    assert "certkit.kat" in classnames  # as in certkit's own JUnit report
    assert "certkit: PASS" in result.stdout


def test_a_faulty_emulator_fails_exactly_the_item_that_catches_it(tmp_path: Path) -> None:
    result, root = run_pytest(tmp_path, "--certkit-device",
                              "emulator:?fault=sm4-cbc-no-chaining", "--certkit-profile", "smoke")
    assert result.returncode == 1
    assert root is not None
    failed = {name for name, outcome in outcomes(root).items() if outcome != "passed"
              and outcome != "skipped"}
    assert failed == {"kat.sm4-cbc.vectors"}
    failure = next(case for case in root.iter("testcase")
                   if case.get("name") == "kat.sm4-cbc.vectors").find("failure")
    assert failure is not None
    # the failing vectors, as a reader reproduces them
    assert "checks failed" in failure.get("message", "")
    assert "sm4/cbc.json tcId" in (failure.text or "")
    assert "expected:" in (failure.text or "") and "got:" in (failure.text or "")


def test_not_applicable_is_a_skip_that_says_so(tmp_path: Path) -> None:
    result, root = run_pytest(tmp_path, "--certkit-device", "emulator:",
                              "--certkit-profile", "performance-quick",
                              "-k", "aes-cbc or sm2-sign", "--certkit-out",
                              str(tmp_path / "out"))
    # every item pytest ran passed or skipped, yet certkit's record is incomplete (the
    # deselected cases did not run): pytest's status agrees with certkit's verdict
    assert result.returncode == 2, result.stdout + result.stderr
    assert "certkit: INCOMPLETE" in result.stdout
    assert root is not None
    skipped = next(case for case in root.iter("testcase")
                   if case.get("name") == "performance.aes-cbc").find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "not applicable: missing AES-CBC (not a pass)"
    assert outcomes(root)["performance.sm2-sign"] == "passed"
    # --certkit-out keeps certkit's own record; deselected cases leave it incomplete
    document = json.loads((tmp_path / "out" / "results.json").read_text())
    assert {case["id"] for case in document["cases"]} == {"performance.aes-cbc",
                                                          "performance.sm2-sign"}
    assert document["complete"] is False
    assert (tmp_path / "out" / "report.html").exists()


def test_a_bad_device_url_is_a_usage_error(tmp_path: Path) -> None:
    result, _ = run_pytest(tmp_path, "--certkit-device", "nosuch:", "--certkit-profile",
                           "smoke")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "unknown device URL scheme 'nosuch:'" in result.stderr


def test_without_a_device_the_plugin_adds_nothing(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "test_own.py").write_text("def test_own():\n    pass\n")
    result, root = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert root is not None
    assert set(outcomes(root)) == {"test_own"}
    assert "certkit" not in result.stdout
    help_text = subprocess.run([sys.executable, "-m", "pytest", "--help"], capture_output=True,
                               text=True, check=False, cwd=tmp_path).stdout
    assert "--certkit-device=URL" in help_text
