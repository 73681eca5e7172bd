"""`certkit compare`: flags what got worse between two runs, and not the noise between them."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from certkit.compare import Change, compare, judge_figure
from certkit.suites.performance.scheme import SeriesFigures, SeriesName
from helpers import certify, run_cli

# Three cases of the quick profile: enough series to tempt a noisy rule, few enough for
# seconds per run. The fault slows SM4-CBC by 30 % of its work (23 % less throughput).
PROFILE = """name = "compare-test"
description = "SM4-ECB, SM4-CBC and SM3 at three sizes"
suites = ["performance"]
include = ["performance.sm4-ecb", "performance.sm4-cbc", "performance.sm3"]

[params.performance]
sizes = [16, 4096, 65536]
repetitions = 11
warmup_s = 0.02
repetition_s = 0.002
size_budget_s = 0.5
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two runs of the clean emulator and one of the emulator with SM4-CBC 30 % slower."""
    root = tmp_path_factory.mktemp("compare")
    profile = root / "compare-test.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    paths = {}
    for name, url in (("base", "emulator:"), ("again", "emulator:"),
                      ("slow", "emulator:?fault=sm4-cbc-slow")):
        certify(url, root / name, str(profile))
        paths[name] = root / name / "results.json"
    return paths


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_30_percent_slower_operation_is_flagged(runs: dict[str, Path]) -> None:
    comparison = compare(_load(runs["base"]), _load(runs["slow"]))
    flagged = {str(item.series) for item in comparison.regressions}
    cbc = {str(item.series) for item in comparison.figures if item.case_id ==
           "performance.sm4-cbc"}
    # SM4-CBC's series, and no other (a figure the host disturbed too often is not judged)
    assert flagged and flagged <= cbc, flagged
    assert not comparison.verdicts  # slower, not wrong: every case still passes
    result = run_cli("compare", str(runs["base"]), str(runs["slow"]))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "REGRESSION  SM4-CBC." in result.stdout


def test_two_runs_of_the_same_device_are_not_flagged(runs: dict[str, Path]) -> None:
    for base, new in (("base", "again"), ("again", "base")):
        comparison = compare(_load(runs[base]), _load(runs[new]))
        assert not comparison.regressions, [
            (str(f.series), f.base.median, f.new.median if f.new else None)
            for f in comparison.regressions]
    result = run_cli("compare", str(runs["base"].parent), str(runs["again"].parent))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no regression" in result.stdout


def test_a_busy_host_does_not_fail_the_gate(runs: dict[str, Path], tmp_path: Path) -> None:
    """The same device measured again while two processes keep both CPUs busy: every
    figure drops, the host reference with it, and the gate stays green."""
    profile = runs["base"].parent.parent / "compare-test.toml"
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
               for _ in range(os.cpu_count() or 2)]
    try:
        certify("emulator:", tmp_path / "loaded", str(profile))
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    loaded = _load(tmp_path / "loaded" / "results.json")
    comparison = compare(_load(runs["base"]), loaded)
    assert not comparison.regressions, [
        (str(f.series), f.ratio, f.host_drift, f.p_value) for f in comparison.regressions]
    drifts = {f.host_drift for f in comparison.figures if f.host_drift is not None}
    assert drifts, "both runs kept the host reference"


def test_a_slower_figure_that_is_not_clear_is_too_noisy_to_judge(
        runs: dict[str, Path]) -> None:
    base, new = _load(runs["base"]), copy.deepcopy(_load(runs["base"]))
    case = next(c for c in new["cases"] if c["id"] == "performance.sm3")
    series = next(name for name in case["samples"] if name.startswith("SM3."))
    # half the repetitions 40 % slower, half as before: the median drops, the ranks overlap
    values = case["samples"][series]
    case["samples"][series] = [v * 0.6 if i % 2 else v for i, v in enumerate(values)]
    median_key = f"{series}.mb_s.median"
    case["metrics"][median_key] *= 0.7
    item = next(f for f in compare(base, new).figures if str(f.series) == series)
    assert item.change is Change.NOISY and item.p_value is not None
    result_text = run_cli("compare", str(runs["base"]), str(runs["base"])).stdout
    assert "no regression" in result_text


def test_a_case_turning_from_pass_to_fail_is_flagged(clean_smoke: dict[str, Any],
                                                     tmp_path: Path) -> None:
    faulty = certify("emulator:?fault=sm4-cbc-no-chaining", tmp_path / "faulty")
    comparison = compare(clean_smoke, faulty)
    assert [(v.case_id, v.base, v.new, v.change) for v in comparison.verdicts] == [
        ("kat.sm4-cbc.vectors", "pass", "fail", Change.REGRESSION)]
    (tmp_path / "clean.json").write_text(json.dumps(clean_smoke), encoding="utf-8")
    result = run_cli("compare", str(tmp_path / "clean.json"), str(tmp_path / "faulty"))
    assert result.returncode == 1
    assert "REGRESSION  kat.sm4-cbc.vectors  pass  fail" in result.stdout
    # the other way round it is a fix, which passes the gate
    assert run_cli("compare", str(tmp_path / "faulty"),
                   str(tmp_path / "clean.json")).returncode == 0


# -- the rule, on figures made up to the point ------------------------------------------


def figures(median: float, spread: float, name: str = "SM4-CBC.encrypt.4096") -> SeriesFigures:
    """A rate with quartiles `spread` (a fraction of the median) apart."""
    subject, operation, size = name.split(".")
    return SeriesFigures(SeriesName(subject, operation, int(size)), "mb_s", median,
                         median * (1 - spread / 2), median * (1 + spread / 2), {}, 100.0, None)


@pytest.mark.parametrize(("base", "new", "expected"), [
    (figures(100, 0.02), figures(77, 0.02), Change.REGRESSION),  # 30 % longer, quiet host
    (figures(100, 0.02), figures(92, 0.02), Change.SLOWER),  # within the 10 % allowance
    (figures(100, 0.40), figures(77, 0.40), Change.SLOWER),  # noisy runs: not proven
    (figures(100, 0.02), figures(130, 0.02), Change.FASTER),
    (figures(100, 0.02), figures(101, 0.02), Change.SAME),
])
def test_the_rule_weighs_the_drop_against_both_spreads(base: SeriesFigures, new: SeriesFigures,
                                                        expected: Change) -> None:
    assert judge_figure(base, new, 10.0) is expected


def test_a_figure_the_host_disturbed_throughout_is_not_judged() -> None:
    base = figures(100, 0.02)
    crowded = dataclasses.replace(figures(50, 0.02), disturbed=6.0, repetitions=11.0)
    assert judge_figure(base, crowded, 10.0) is Change.NOISY
    assert judge_figure(crowded, base, 10.0) is Change.NOISY
    # a few disturbed repetitions do not silence the rule
    few = dataclasses.replace(figures(50, 0.02), disturbed=2.0, repetitions=11.0)
    assert judge_figure(base, few, 10.0) is Change.REGRESSION


def test_the_allowance_is_the_max_regression_option() -> None:
    base, new = figures(100, 0.02), figures(85, 0.02)
    assert judge_figure(base, new, 10.0) is Change.REGRESSION
    assert judge_figure(base, new, 20.0) is Change.SLOWER


def document(cases: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schema_version": 1, "verdict": "pass", "complete": True,
            "device": {"vendor": "v", "model": "m", "serial": "1", "firmware": "1.0"},
            "host": {"hostname": "h", "machine": "x86_64"}, "profile": {"name": "p"},
            "cases": cases, "not_run": []}


def perf_case(metrics: dict[str, float], verdict: str = "pass") -> dict[str, Any]:
    return {"id": "performance.sm4-cbc", "verdict": verdict, "metrics": metrics}


RATE = {"SM4-CBC.encrypt.65536.mb_s.median": 150.0, "SM4-CBC.encrypt.65536.mb_s.p25": 149.0,
        "SM4-CBC.encrypt.65536.mb_s.p75": 151.0}


def test_a_payload_the_new_firmware_refuses_is_a_regression() -> None:
    new = {"SM4-CBC.encrypt.refused_bytes": 65536.0, "SM4-CBC.encrypt.largest_bytes": 4096.0}
    comparison = compare(document([perf_case(RATE)]), document([perf_case(new)]))
    (item,) = comparison.regressions
    assert item.note == "refused (65536 bytes and more)"


def test_a_payload_left_out_for_time_is_shown_not_judged() -> None:
    new = {"SM4-CBC.encrypt.skipped_bytes": 65536.0}
    comparison = compare(document([perf_case(RATE)]), document([perf_case(new)]))
    assert not comparison.regressions
    assert [item.change for item in comparison.figures] == [Change.UNMEASURED]


def test_verdict_changes_other_than_from_pass_do_not_gate() -> None:
    base = document([{"id": "a", "verdict": "fail", "metrics": {}},
                     {"id": "b", "verdict": "fail", "metrics": {}},
                     {"id": "c", "verdict": "pass", "metrics": {}}])
    new = document([{"id": "a", "verdict": "pass", "metrics": {}},
                    {"id": "b", "verdict": "error", "metrics": {}},
                    {"id": "c", "verdict": "not-applicable", "metrics": {}},
                    {"id": "d", "verdict": "fail", "metrics": {}}])
    changes = {v.case_id: v.change for v in compare(base, new).verdicts}
    assert changes == {"a": Change.FIXED, "b": Change.CHANGED, "c": Change.REGRESSION,
                       "d": Change.NEW}


def test_a_case_that_did_not_run_is_a_regression_and_other_devices_are_warned_of() -> None:
    base = document([{"id": "a", "verdict": "pass", "metrics": {}}])
    new = document([])
    new["not_run"] = [{"id": "a"}]
    new["device"] = {**new["device"], "serial": "2"}
    comparison = compare(base, new)
    assert [(v.case_id, v.new) for v in comparison.regressions] == [("a", "not run")]
    assert any("different devices" in warning for warning in comparison.warnings)


def test_json_and_markdown_outputs(tmp_path: Path) -> None:
    slower = {key: value * 0.7 for key, value in RATE.items()}
    (tmp_path / "base.json").write_text(json.dumps(document([perf_case(RATE)])))
    (tmp_path / "new.json").write_text(json.dumps(document([perf_case(slower)])))
    result = run_cli("compare", "--format", "json", str(tmp_path / "base.json"),
                     str(tmp_path / "new.json"))
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["regression"] is True
    assert data["figures"][0]["series"] == "SM4-CBC.encrypt.65536"
    assert data["figures"][0]["ratio"] == pytest.approx(0.7)
    result = run_cli("compare", "--format", "markdown", "--max-regression", "40",
                     str(tmp_path / "base.json"), str(tmp_path / "new.json"))
    assert result.returncode == 0
    assert "| change | series |" not in result.stdout  # nothing beyond the allowance to list
    assert "no regression" in result.stdout


def test_unreadable_input_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(document([])))
    result = run_cli("compare", str(tmp_path / "bad.json"), str(good))
    assert result.returncode == 3
    assert "not a readable results.json" in result.stderr
    future = copy.deepcopy(document([]))
    future["schema_version"] = 2
    (tmp_path / "future.json").write_text(json.dumps(future))
    assert run_cli("compare", str(good), str(tmp_path / "future.json")).returncode == 3
