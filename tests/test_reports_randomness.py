"""The randomness section of the reports: series tables, the decision rule, P-value histograms."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_reports import XSS, _case, _document, render_html, render_junit, render_markdown

from helpers import run_cli

# (passed, P-value counts in tenths, uniformity P or None where 6.3 is not applied)
SeriesNumbers = tuple[int, tuple[int, ...], float | None]

PASSING_SERIES: dict[str, SeriesNumbers] = {
    "monobit": (20, (0, 2, 3, 2, 1, 0, 2, 3, 4, 3), None),
    "poker_m8": (19, (3, 6, 0, 2, 2, 0, 2, 1, 0, 4), None),
    "serial_m5_p1": (20, (3, 2, 1, 0, 2, 4, 2, 2, 4, 0), None),
}
FAILING_SERIES: dict[str, SeriesNumbers] = {
    "monobit": (20, (1, 0, 1, 3, 3, 2, 1, 3, 2, 4), 0.637119),
    "runs_distribution": (17, (8, 2, 3, 0, 4, 3, 0, 0, 0, 0), 0.000296032),  # pass count
    "longest_run_ones_m128": (20, (11, 6, 0, 0, 2, 0, 0, 0, 1, 0), 8.59871e-10),  # uniformity
    "linear_complexity_m500": (20, (2, 2, 1, 0, 2, 4, 3, 2, 2, 2), 0.834308),
}


def randomness_metrics(series: dict[str, SeriesNumbers], *, samples: int = 20,
                       min_pass: int = 19, failed_attempts: tuple[int, ...] = ()
                       ) -> dict[str, Any]:
    """Metrics as suites/randomness/battery_phase.py records them, failing series counted."""
    failed = sum(1 for passed, _, p in series.values()
                 if passed < min_pass or (p is not None and p < 0.0001))
    attempts = (*failed_attempts, failed)
    metrics: dict[str, Any] = {f"attempt.{n}.failed_series": count
                               for n, count in enumerate(attempts, start=1)}
    metrics.update(attempts=len(attempts), samples=samples, bits=20000, alpha=0.01,
                   series=len(series), series_failed=failed)
    for name, (passed, histogram, uniformity_p) in series.items():
        metrics[f"{name}.passed"] = passed
        metrics[f"{name}.min_pass"] = min_pass
        if uniformity_p is not None:
            metrics[f"{name}.uniformity_p"] = uniformity_p
        for index, count in enumerate(histogram):
            metrics[f"{name}.p_hist.{index}"] = count
    return metrics


def randomness_document() -> dict[str, Any]:
    """A KAT case, a passing GM/T 0062 phase (no uniformity) and a failing GM/T 0005 phase."""
    return _document([
        _case("kat.sm3.gbt32905", "pass", clauses=("GB/T 32905-2016 A.1",), checks=64),
        _case("randomness.periodic", "pass", suite="randomness", requires=("RANDOM",),
              clauses=("GM/T 0062-2018 9",), checks=3,
              metrics=randomness_metrics(PASSING_SERIES)),
        _case("randomness.gmt0005", "fail", suite="randomness", requires=("RANDOM",),
              clauses=("GM/T 0005-2021 6.2", "GM/T 0005-2021 6.3"), checks=8, failed=2,
              failures=[{"vectors": "generated", "tc_id": "runs_distribution",
                         "comment": "20 samples of 20000 bits; failing: #0 P=0.000032",
                         "expected": ">= 19 of 20 samples with P >= 0.01", "got": "17 of 20",
                         "check": "pass count (GM/T 0005-2021 6.2)", "result": "",
                         "flags": [], "inputs": {}}],
              metrics=randomness_metrics(FAILING_SERIES)),
    ], verdict="fail", suites=("kat", "randomness"))


def _section(html: str, case_id: str) -> str:
    """The HTML of one case's randomness results."""
    start = html.index(f'<div class="case-detail" id="randomness-{case_id}">')
    return html[start:html.index("</figure>\n</div>\n</div>", start)]


def _row(markdown: str, series: str) -> list[str]:
    rows = [line for line in markdown.splitlines() if line.startswith(f"| {series} |")]
    assert rows, series
    return rows


def _histogram_count(html: str) -> int:
    return len(re.findall(r'<svg class="hist"', html))


def test_html_draws_one_histogram_per_series() -> None:
    html = render_html(randomness_document())
    assert _histogram_count(html) == len(PASSING_SERIES) + len(FAILING_SERIES)
    assert _histogram_count(_section(html, "randomness.periodic")) == len(PASSING_SERIES)
    assert _histogram_count(_section(html, "randomness.gmt0005")) == len(FAILING_SERIES)
    runs = re.search(r'<svg class="hist"[^>]*aria-label="runs_distribution: ([^"]*)"', html)
    assert runs is not None
    assert runs.group(1).startswith("P-value counts by tenth 8, 2, 3, 0, 4, 3, 0, 0, 0, 0")


def test_histograms_have_axes_and_the_uniform_level() -> None:
    section = _section(render_html(randomness_document()), "randomness.gmt0005")
    svgs = re.findall(r'<svg class="hist".*?</svg>', section, re.S)
    assert len(svgs) == len(FAILING_SERIES)
    for svg in svgs:
        assert ">P-value</text>" in svg and ">samples</text>" in svg
        assert svg.count('class="expected"') == 2  # the level and its legend
        assert "uniform: 2 per tenth" in svg
        assert svg.count('<rect class="bar"') == 10
    # the uniform level sits at 2 of the 11 samples the tallest bar reaches
    tallest = re.search(r'aria-label="longest_run_ones_m128.*?</svg>', section, re.S)
    assert tallest is not None
    level = re.search(r'class="expected" x1="\S+" y1="(\S+)"', tallest.group())
    bars = [float(y) for y in re.findall(r'<rect class="bar" x="\S+" y="(\S+)"', tallest.group())]
    assert level is not None and bars[0] == 44.0  # the plot's top: 11 of 11
    assert float(level.group(1)) == pytest.approx(132 - 2 * (132 - 44) / 11, abs=0.1)


def test_failing_series_is_marked_fail_with_its_count_and_threshold() -> None:
    html = render_html(randomness_document())
    section = _section(html, "randomness.gmt0005")
    cells = r"\s*<td>17 / 20</td>\s*<td>19</td>\s*<td>-2</td>\s*<td>0.000296032</td>\s*"
    assert re.search(r'<td class="mono">runs_distribution</td>' + cells
                     + r'<td class="verdict v-fail">FAIL \(pass count\)</td>', section)
    assert re.search(r'<td class="mono">longest_run_ones_m128</td>\s*<td>20 / 20</td>\s*'
                     r'<td>19</td>\s*<td>\+1</td>\s*<td>8.59871e-10</td>\s*'
                     r'<td class="verdict v-fail">FAIL \(uniformity\)</td>', section)
    assert re.search(r'<td class="mono">monobit</td>\s*<td>20 / 20</td>\s*<td>19</td>\s*'
                     r'<td>\+1</td>\s*<td>0.637119</td>\s*'
                     r'<td class="verdict v-pass">PASS</td>', section)
    assert "4 series, 2 failed" in section
    assert section.count('<figure class="hist fail">') == 2
    passing = _section(html, "randomness.periodic")
    assert "FAIL" not in passing and passing.count("<td>n/a</td>") == len(PASSING_SERIES)


def test_decision_rule_is_stated_with_its_numbers() -> None:
    html = render_html(randomness_document())
    assert ("s(1 &minus; &alpha; &minus; 3&radic;(&alpha;(1 &minus; &alpha;)/s)), rounded up"
            in html)
    assert "here s = 20 and &alpha; = 0.01 give 18.47, so at least 19" in html
    assert "&ge; 0.0001" in html
    assert "does not apply it (n/a)" in _section(html, "randomness.periodic")
    assert "does not apply it" not in _section(html, "randomness.gmt0005")
    markdown = render_markdown(randomness_document())
    assert "`s * (1 - alpha - 3 * sqrt(alpha * (1 - alpha) / s))`, rounded up" in markdown
    assert "here s = 20 and alpha = 0.01 give 18.47, so at least 19" in markdown
    assert ">= 0.0001" in markdown


def test_markdown_has_the_series_table_and_text_histograms() -> None:
    markdown = render_markdown(randomness_document())
    assert "## Randomness (GM/T 0005-2021)" in markdown
    assert ("| Series | Passed / samples | Threshold | Margin | Uniformity `P_T` | Verdict |"
            in markdown)
    assert _row(markdown, r"runs\_distribution") == [
        r"| runs\_distribution | 17 / 20 | 19 | -2 | 0.000296032 | **FAIL (pass count)** |"]
    assert _row(markdown, r"longest\_run\_ones\_m128") == [
        r"| longest\_run\_ones\_m128 | 20 / 20 | 19 | +1 | 8.59871e-10 | **FAIL (uniformity)** |"]
    assert _row(markdown, "monobit") == ["| monobit | 20 / 20 | 19 | +1 | n/a | **PASS** |",
                                         "| monobit | 20 / 20 | 19 | +1 | 0.637119 | **PASS** |"]
    blocks = re.findall(r"```text\n(.*?)\n```", markdown, re.S)
    assert len(blocks) == 2
    assert blocks[1].count(" P-value\n") == len(FAILING_SERIES)
    assert ("runs_distribution: FAIL (pass count); 17 / 20 passed, threshold 19; "
            "P_T 0.000296032") in blocks[1]
    assert "\n    8  2  3  0  4  3  0  0  0  0    samples" in blocks[1]
    assert "<- uniform: 2 per tenth" in blocks[1]
    assert all(block.isascii() for block in blocks)


def test_text_histogram_draws_bars_to_scale() -> None:
    markdown = render_markdown(randomness_document())
    chart = markdown[markdown.index("runs_distribution: FAIL"):]
    assert chart.splitlines()[1:6] == [
        "8 |##",
        "  |##",
        "  |##    ##    ## ##",
        "  |## ## ## -- ## ## -- -- -- --  <- uniform: 2 per tenth",
        "0 +------------------------------",
    ]


@pytest.mark.parametrize("render", [render_html, render_markdown, render_junit])
def test_randomness_reports_render_the_same_text_twice(render: Any) -> None:
    assert render(randomness_document()) == render(randomness_document())


def test_other_cases_render_as_before() -> None:
    with_randomness = randomness_document()
    kat_only = _document([with_randomness["cases"][0]], verdict="pass")
    for render in (render_html, render_markdown):
        kat_row = [line for line in render(kat_only).splitlines() if "kat.sm3.gbt32905" in line]
        assert kat_row
        assert all(row in render(with_randomness) for row in kat_row)
    html = render_html(kat_only)
    assert 'id="randomness"' not in html and '<svg class="hist"' not in html
    assert "## Randomness" not in render_markdown(kat_only)


def test_metrics_without_histograms_stay_in_the_metrics_table() -> None:
    document = _document([
        _case("randomness.monobit", "pass", suite="randomness",
              metrics={"p_value": 0.53412345678, "monobit.passed": 20, "monobit.min_pass": 19}),
    ], verdict="pass")
    markdown = render_markdown(document)
    assert "## Randomness" not in markdown
    for row in ("| monobit.passed | 20 |", r"| monobit.min\_pass | 19 |",
                r"| p\_value | 0.534123 |"):
        assert row in markdown


def test_series_metrics_leave_the_metrics_table_and_case_metrics_stay() -> None:
    markdown = render_markdown(randomness_document())
    details = markdown[markdown.index("## Failing evidence"):]
    assert "p\\_hist" not in details and "min\\_pass" not in details
    for row in ("| samples | 20 |", "| series\\_failed | 2 |", "| attempts | 1 |"):
        assert row in details


def test_a_redrawn_sample_set_is_reported() -> None:
    document = randomness_document()
    document["cases"][1]["metrics"] = randomness_metrics(PASSING_SERIES, failed_attempts=(2,))
    for text in (render_html(document), render_markdown(document)):
        assert ("Sample sets drawn: 2 (attempt 1: 2 series failed; attempt 2: 0 series failed); "
                "the table and charts are of the last") in text


def test_disagreeing_numbers_are_pointed_out() -> None:
    document = randomness_document()
    metrics = document["cases"][2]["metrics"]
    metrics["monobit.min_pass"] = 18
    metrics["series_failed"] = 1
    del metrics["linear_complexity_m500.passed"]
    del metrics["linear_complexity_m500.p_hist.9"]
    document["cases"][1]["metrics"]["poker_m8.passed"] = 3  # fails, in a case that passed
    html = render_html(document)
    failing = _section(html, "randomness.gmt0005")
    assert "recorded threshold differs from the rule&#39;s 19 for: monobit" in failing
    assert "the case records 1 failing series; its per-series numbers give 2" in failing
    assert "not recorded for: linear_complexity_m500" in failing
    assert "P-value histogram incomplete for: linear_complexity_m500" in failing
    assert "NOT RECORDED" in failing
    assert _histogram_count(failing) == len(FAILING_SERIES) - 1
    passing = _section(html, "randomness.periodic")
    assert "the case passed, but its per-series numbers fail 1 series" in passing
    markdown = render_markdown(document)
    assert "- the case passed, but its per-series numbers fail 1 series" in markdown
    assert "linear_complexity_m500: NOT RECORDED; not recorded / 20 passed" in markdown
    assert "(P-value histogram not recorded in full)" in markdown


@pytest.mark.parametrize("render", [render_html, render_markdown])
def test_series_names_appear_only_escaped(render: Any) -> None:
    hostile = {f"{XSS}|`\n```": (20, (2,) * 10, 0.5), "a\u202eb": (17, (2,) * 10, 0.5)}
    document = _document([
        _case("randomness.hostile", "fail", suite="randomness",
              metrics=randomness_metrics(hostile)),
    ], verdict="fail", suites=("randomness",))
    text = render(document)
    assert "<script" not in text.lower()
    assert "\u202e" not in text
    assert "alert(1)" in text
    if render is render_markdown:
        blocks = re.findall(r"```text\n(.*?)\n```", text, re.S)
        assert len(blocks) == 1 and blocks[0].isascii()
        assert r"\x3cscript\x3ealert(1)\x3c/script\x3e|\x60\n\x60\x60\x60: PASS" in blocks[0]
    else:
        assert text.isascii()


def _write_bits(path: Path, ones: float, seed: int, samples: int = 20, bits: int = 20000) -> None:
    """Samples whose bits are 1 with probability `ones`, from a seeded generator."""
    generator = np.random.default_rng(seed)
    path.write_bytes(np.packbits(generator.random(samples * bits) < ones).tobytes())


@pytest.mark.parametrize("ones", [0.5, 0.52], ids=["seeded", "biased"])
def test_report_of_a_real_rng_run_agrees_with_the_suite(tmp_path: Path, ones: float) -> None:
    _write_bits(tmp_path / "sample.bin", ones, seed=20261121)
    result = run_cli("rng", str(tmp_path / "sample.bin"), "--samples", "20", "--bits", "20000",
                     "--workers", "1", "--out", str(tmp_path / "out"), timeout=120)
    assert result.returncode in (0, 1), result.stderr
    out = tmp_path / "out"
    document = json.loads((out / "results.json").read_text())
    (case,) = document["cases"]
    names = [key.removesuffix(".p_hist.0") for key in case["metrics"]
             if key.endswith(".p_hist.0")]
    html = render_html(document)
    assert (out / "report.html").read_text() == html  # the CLI's report is this function's
    assert (out / "report.md").read_text() == render_markdown(document)
    assert _histogram_count(html) == len(names) == case["metrics"]["series"]
    for name in names:
        assert len(re.findall(rf'<svg class="hist"[^>]*aria-label="{name}: ', html)) == 1
    # the report's own judgement of every series agrees with the suite's
    assert "The recorded numbers disagree" not in html
    section = _section(html, case["id"])
    failing = len(re.findall(r'<td class="verdict v-fail">FAIL', section))
    assert failing == case["metrics"]["series_failed"]
    assert (failing > 0) == (case["verdict"] == "fail")
    if ones != 0.5:
        assert re.search(r'<td class="mono">monobit</td>\s*<td>\d / 20</td>\s*<td>19</td>', html)
