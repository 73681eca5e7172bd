"""The report's performance section: charts of throughput and latency, declared against measured."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from certkit.reports import render_html, render_junit, render_markdown
from certkit.reports.view import build_view
from helpers import certify

PROFILE = """name = "report-test"
description = "two performance cases, one declared figure missed and one met"
suites = ["performance"]
include = ["performance.sm4-cbc", "performance.sm2-sign"]

[params.performance]
sizes = [16, 4096]
repetitions = 5
warmup_s = 0.005
repetition_s = 0.001

[params.performance.declared]
"SM4-CBC.encrypt.4096.mb_s" = 1000000
"SM2.sign.ops_s" = 1
"""


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("perf-report")
    (root / "report-test.toml").write_text(PROFILE, encoding="utf-8")
    return certify("emulator:", root / "out", str(root / "report-test.toml"))


def _svgs(html: str, section: str) -> list[ET.Element]:
    start = html.index(f'<section id="{section}"')
    body = html[start:html.index("</section>", start)]
    return [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", body, re.DOTALL)]


def test_the_run_fails_on_the_missed_declaration_only(document: dict[str, Any]) -> None:
    verdicts = {case["id"]: case["verdict"] for case in document["cases"]}
    assert verdicts == {"performance.sm4-cbc": "fail", "performance.sm2-sign": "pass"}


def test_html_charts_throughput_and_latency_and_rates(document: dict[str, Any]) -> None:
    html = render_html(document)
    charts = _svgs(html, "performance")
    titles = [chart.get("aria-label") for chart in charts]
    assert titles == ["Operations per second",
                      "Throughput by payload size (MB/s, median and quartiles)",
                      "Latency per call by payload size (microseconds, log scale)"]
    ns = "{http://www.w3.org/2000/svg}"
    throughput, latency = charts[1], charts[2]
    # one line per operation, a point per payload size, the sizes on the axis
    assert len(throughput.findall(f"{ns}polyline")) == 2
    assert len(throughput.findall(f"{ns}circle")) == 4
    ticks = [text.text for text in throughput.findall(f"{ns}text")]
    assert "16 B" in ticks and "4 KiB" in ticks
    # p50, p95 and p99 for each operation
    assert len(latency.findall(f"{ns}polyline")) == 6
    # the declared figure is marked, red as it was missed
    marks = [line for line in throughput.findall(f"{ns}line")
             if line.get("stroke-width") == "3" and line.find(f"{ns}title") is not None]
    assert len(marks) == 1 and marks[0].get("stroke") == "#c62828"


def test_the_report_shows_declared_and_measured(document: dict[str, Any]) -> None:
    view = build_view(document)
    cbc = next(case for case in view.performance_cases if case.id == "performance.sm4-cbc")
    assert cbc.performance is not None
    (declared,) = cbc.performance.declared
    assert declared.series == "SM4-CBC.encrypt.4096" and declared.declared_met is False
    html = render_html(document)
    assert "at least 1e+06: NOT MET" in html
    assert "at least 1: met" in html
    markdown = render_markdown(document)
    assert "## Performance" in markdown
    assert "| `SM4-CBC.encrypt.4096` | 4 KiB |" in markdown
    assert "**at least 1e+06: NOT MET**" in markdown
    junit = render_junit(document)
    assert "at least 1e+06 MB/s (declared: SM4-CBC.encrypt.4096.mb_s = 1000000)" in junit


def test_series_metrics_leave_the_generic_metrics_table(document: dict[str, Any]) -> None:
    view = build_view(document)
    cbc = next(case for case in view.cases if case.id == "performance.sm4-cbc")
    labels = {field.label for field in cbc.metrics}
    assert "repetitions" in labels  # case-wide figures stay
    assert not any(label.startswith("SM4-CBC.") for label in labels)


def test_a_report_without_performance_figures_has_no_performance_section(
        document: dict[str, Any]) -> None:
    stripped = copy.deepcopy(document)
    for case in stripped["cases"]:
        case["metrics"] = {"repetitions": 5}
    assert 'id="performance"' not in render_html(stripped)
    assert "## Performance" not in render_markdown(stripped)


def test_device_text_in_figures_cannot_break_the_report(document: dict[str, Any]) -> None:
    hostile = copy.deepcopy(document)
    hostile["cases"][0]["title"] = "<script>alert(1)</script>"
    html = render_html(hostile)
    assert "<script>alert(1)</script>" not in html
    for chart in _svgs(html, "performance"):
        assert chart.tag.endswith("svg")
