"""The randomness suite on devices and files: cases, checks with evidence, pvalues.csv, profiles."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from certkit import profiles
from certkit.cases import SuiteContext
from certkit.checks import Checks
from certkit.device import Device, DeviceInfo
from certkit.errors import ConfigError
from certkit.randomness.series import select
from certkit.suites.randomness import collect
from certkit.suites.randomness.phases import parse
from certkit.suites.randomness.single_draw import poker_m
from certkit.vectors import VectorStore
from helpers import certify, run_cli

SMALL = """
name = "rng-small"
description = "a small battery for tests"
suites = ["randomness"]

[params.randomness]
workers = 1
chunk_bytes = 1000

[params.randomness.small]
bits = 20000
samples = 40
"""


def _profile(tmp_path: Path, text: str = SMALL) -> str:
    path = tmp_path / "profile.toml"
    path.write_text(text)
    return str(path)


def _case(document: dict, case_id: str) -> dict:
    return next(case for case in document["cases"] if case["id"] == case_id)


def test_seeded_samples_pass_with_metrics_and_raw_values(tmp_path: Path) -> None:
    sample_file = tmp_path / "seeded.bin"
    _write_samples(sample_file, 40, 20000, seed=11)
    document = certify(f"file:{sample_file}", tmp_path / "out", profile=_profile(tmp_path))
    case = _case(document, "randomness.small")
    assert (document["verdict"], case["verdict"]) == ("pass", "pass")
    assert case["checks"] == 2 * 22  # pass count and uniformity per series
    metrics = case["metrics"]
    assert metrics["dft.min_pass"] == 38 and metrics["samples"] == 40
    assert sum(metrics[f"poker_m4.p_hist.{i}"] for i in range(10)) == 40
    assert 0 <= metrics["runs.uniformity_p"] <= 1
    with (tmp_path / "out" / "pvalues.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["sample", "series", "p", "q"]
    assert len(rows) == 40 * 22
    assert {r["series"] for r in rows} == {s.name for s in select(20_000)}
    assert metrics["monobit.passed"] == sum(float(r["p"]) >= 0.01 for r in rows
                                            if r["series"] == "monobit")


def test_emulator_random_runs_every_check(tmp_path: Path) -> None:
    """The emulator draws from os.urandom: its verdict is chance, its checks are not."""
    document = certify("emulator:", tmp_path / "out", profile=_profile(tmp_path))
    case = _case(document, "randomness.small")
    assert case["verdict"] in ("pass", "fail") and case["error"] is None
    assert case["checks"] == 44 and case["metrics"]["attempts"] == 1


def test_stuck_generator_fails_on_uniformity_with_evidence(tmp_path: Path) -> None:
    """RANDOM repeating itself gives identical samples: each looks random, the set does not."""
    document = certify("emulator:?fault=random-repeat", tmp_path / "out",
                       profile=_profile(tmp_path))
    case = _case(document, "randomness.small")
    assert case["verdict"] == "fail"
    uniformity = [f for f in case["failures"] if "uniformity" in f["check"]]
    assert uniformity and uniformity[0]["expected"] == "uniformity P_T >= 0.0001"
    assert "Q-value counts in 10 bins" in uniformity[0]["comment"]


class ConstantRandom(Device):
    """A generator stuck at one byte value."""

    info = DeviceInfo("test", "constant", "0", "0")
    capabilities = frozenset({"RANDOM"})

    def __init__(self, value: int = 0) -> None:
        self.value = value
        self.calls = 0

    def random(self, length: int) -> bytes:
        self.calls += 1
        return bytes([self.value]) * length


def _cases(params: dict) -> dict:
    return {case.id: case for case in collect(SuiteContext(VectorStore(), params))}


def test_battery_failure_names_the_series_and_the_failing_samples() -> None:
    case = _cases({"workers": 1, "p": {"bits": 20000, "samples": 5,
                                       "series": ["monobit", "runs"]}})["randomness.p"]
    checks = Checks()
    case.run(ConstantRandom(0xFF), checks)
    assert checks.failed == 4 and checks.count == 4
    first = checks.failures[0]
    assert (first.tc_id, first.got, first.expected) == ("monobit", "0 of 5",
                                                        ">= 5 of 5 samples with P >= 0.01")
    assert "#0 P=0.000000" in first.comment


def test_retry_draws_a_fresh_set_and_records_both_attempts() -> None:
    device = ConstantRandom()
    case = _cases({"workers": 1, "chunk_bytes": 2500,
                   "p": {"bits": 20000, "samples": 2, "series": ["monobit"], "retries": 1,
                         "uniformity": False}})["randomness.p"]
    checks = Checks()
    case.run(device, checks)
    assert device.calls == 4  # two samples, twice
    assert checks.metrics["attempts"] == 2 and checks.metrics["attempt.1.failed_series"] == 1


def test_single_draw_poker_fails_a_stuck_generator_after_its_retry() -> None:
    device = ConstantRandom()
    case = _cases({"s": {"kind": "single-draw", "bits": 256, "retries": 1}})["randomness.s"]
    checks = Checks()
    case.run(device, checks)
    assert (checks.count, checks.failed, device.calls) == (1, 1, 2)
    assert checks.failures[0].inputs["random"] == "00" * 32


@pytest.mark.parametrize(("bits", "m"), [(128, 2), (319, 2), (320, 4), (10239, 4), (10240, 8)])
def test_single_draw_poker_block_size(bits: int, m: int) -> None:
    assert poker_m(bits) == m


def test_short_answer_is_a_failed_check() -> None:
    class Short(ConstantRandom):
        def random(self, length: int) -> bytes:
            return b"\x00" * (length - 1)

    case = _cases({"workers": 1, "p": {"bits": 20000, "samples": 1}})["randomness.p"]
    checks = Checks()
    case.run(Short(), checks)
    assert checks.failed == 1 and checks.failures[0].tc_id == "draw"


@pytest.mark.parametrize("params", [
    {"p": {"bits": 20000, "sampels": 3}},
    {"p": {"bits": 12345}},
    {"p": {"kind": "other"}},
    {"p": {"bits": 20000, "series": ["poker_m4", "poker_m4"]}},
    {"p": {"bits": 20000, "series": ["no_such_test"]}},
    {"threads": 2},
])
def test_bad_params_are_configuration_errors(params: dict) -> None:
    with pytest.raises(ConfigError):
        parse(params)


def test_gmt0062_class_e_profiles() -> None:
    profile = profiles.load("gmt0062-e")
    _, phases = parse(profile.params["randomness"])
    shape = {p.name: (getattr(p, "samples", 1), p.bits, len(getattr(p, "series", ())),
                      p.retries) for p in phases}
    assert shape == {"factory": (50, 10**6, 18, 1), "power-on": (20, 10**6, 18, 1),
                     "periodic": (20, 20000, 15, 1), "single": (1, 256, 0, 1)}
    periodic = next(p for p in phases if p.name == "periodic")
    assert "matrix_rank" in {s.name for s in periodic.series}
    assert not {"dft", "universal_l7"} & {s.name for s in periodic.series}
    for phase in ("factory", "power-on", "periodic", "single"):
        single = profiles.load(f"gmt0062-e-{phase}")
        assert single.params["randomness"][phase] == profile.params["randomness"][phase]


def _write_samples(path: Path, count: int, bits: int, seed: int, p_one: float = 0.5) -> bytes:
    rng = np.random.default_rng(seed)
    data = np.packbits(rng.random(count * bits) < p_one).tobytes()
    path.write_bytes(data)
    return data


def test_rng_file_reports_like_run(tmp_path: Path) -> None:
    sample_file = tmp_path / "good.bin"
    data = _write_samples(sample_file, 30, 20000, seed=1)
    done = run_cli("rng", str(sample_file), "--bits", "20000", "--workers", "1",
                   "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    document = json.loads((tmp_path / "out" / "results.json").read_text())
    assert document["verdict"] == "pass"
    assert document["device"]["serial"].startswith("sha256:")
    assert (tmp_path / "out" / "report.html").exists()
    rows = (tmp_path / "out" / "pvalues.csv").read_text().splitlines()
    assert rows[0] == "sample,series,p,q" and len(rows) == 1 + 30 * 22

    ascii_file = tmp_path / "good.txt"
    text = "".join(map(str, np.unpackbits(np.frombuffer(data, np.uint8))))
    ascii_file.write_text("\n".join(text[i : i + 1000] for i in range(0, len(text), 1000)))
    done = run_cli("rng", str(ascii_file), "--format", "ascii", "--bits", "20000",
                   "--workers", "1", "--out", str(tmp_path / "ascii"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "ascii" / "pvalues.csv").read_text() == "\n".join(rows) + "\n"


def test_rng_biased_file_fails_with_exit_1(tmp_path: Path) -> None:
    sample_file = tmp_path / "biased.bin"
    _write_samples(sample_file, 20, 20000, seed=2, p_one=0.53)
    done = run_cli("rng", str(sample_file), "--bits", "20000", "--samples", "20",
                   "--workers", "1", "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    failed = {case["id"] for case in json.loads(
        (tmp_path / "out" / "results.json").read_text())["cases"] if case["verdict"] == "fail"}
    assert failed == {"randomness.gmt0005"}


@pytest.mark.parametrize("args", [
    ["--bits", "20000", "--samples", "99"],  # more than the file holds
    ["--bits", "12345"],  # no Annex A set
    ["--format", "ascii"],  # binary bytes are not '0'/'1'
    ["--profile", "gmt0062-e", "--samples", "2"],  # several phases
])
def test_rng_usage_errors_exit_3(tmp_path: Path, args: list[str]) -> None:
    sample_file = tmp_path / "few.bin"
    _write_samples(sample_file, 3, 20000, seed=3)
    done = run_cli("rng", str(sample_file), *args, "--out", str(tmp_path / "out"))
    assert done.returncode == 3, done.stderr
    assert "certkit: error:" in done.stderr


def test_rng_with_a_gmt0062_profile(tmp_path: Path) -> None:
    sample_file = tmp_path / "periodic.bin"
    _write_samples(sample_file, 20, 20000, seed=4)
    done = run_cli("rng", str(sample_file), "--profile", "gmt0062-e-periodic", "--workers", "1",
                   "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    document = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [case["id"] for case in document["cases"]] == ["randomness.periodic"]
    assert document["profile"]["name"] == "gmt0062-e-periodic"
