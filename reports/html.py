"""The HTML certification report: one self-contained, print-friendly page."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2

from .view import LABELS, P_BINS, VERDICTS, CaseView, SeriesView, SuiteCounts, build_view

_LABEL_WIDTH = 120
_BAR_WIDTH = 360
_SUMMARY_WIDTH = 260
_ROW_HEIGHT = 26
_BAR_HEIGHT = 16

# One P-value histogram: a plot of P_BINS bars with room for the title, the
# counts above the bars, the axes' ticks and labels.
_HIST_WIDTH = 236
_HIST_HEIGHT = 176
_HIST_LEFT = 44
_HIST_RIGHT = _HIST_WIDTH - 8
_HIST_TOP = 44
_HIST_BOTTOM = _HIST_HEIGHT - 44
_HIST_GAP = 2

_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("certkit.reports", "templates"),
    autoescape=True,  # device and vector strings are untrusted
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_environment.filters["label"] = lambda verdict: LABELS[verdict]


@dataclass(frozen=True)
class ChartSegment:
    verdict: str
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class ChartRow:
    suite: str
    y: int
    segments: tuple[ChartSegment, ...]
    summary: str


@dataclass(frozen=True)
class Chart:
    """An SVG stacked bar per suite, scaled so suites compare by case count."""

    width: int
    height: int
    summary_x: int
    bar_height: int
    legend_y: int
    rows: tuple[ChartRow, ...]
    legend: tuple[tuple[str, int], ...]  # (verdict, x)


def verdict_chart(suite_counts: tuple[SuiteCounts, ...]) -> Chart:
    """Lay out the per-suite verdict counts as bars; pure arithmetic, no drawing library."""
    scale = _BAR_WIDTH / max([row.total for row in suite_counts] + [1])
    rows = []
    for index, row in enumerate(suite_counts):
        x = float(_LABEL_WIDTH)
        segments = []
        for verdict, count in row.counts:
            if count:
                width = round(count * scale, 1)
                segments.append(ChartSegment(verdict, count, round(x, 1), width))
                x += width
        summary = ", ".join(f"{count} {verdict}" for verdict, count in row.counts if count)
        rows.append(ChartRow(row.suite, 8 + index * _ROW_HEIGHT, tuple(segments),
                             summary or "no case finished"))
    legend_y = 8 + len(rows) * _ROW_HEIGHT + 6
    return Chart(
        width=_LABEL_WIDTH + _BAR_WIDTH + _SUMMARY_WIDTH,
        height=legend_y + _BAR_HEIGHT + 8,
        summary_x=_LABEL_WIDTH + _BAR_WIDTH + 10,
        bar_height=_BAR_HEIGHT,
        legend_y=legend_y,
        rows=tuple(rows),
        legend=tuple((verdict, _LABEL_WIDTH + i * 130) for i, verdict in enumerate(VERDICTS)),
    )


@dataclass(frozen=True)
class HistogramBar:
    count: int
    low: str  # the bin's P-value range, for the bar's tooltip
    high: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Histogram:
    """An SVG of one series' P-value counts in tenths, with the uniform expectation drawn."""

    series: SeriesView
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    bars: tuple[HistogramBar, ...]
    y_ticks: tuple[tuple[int, float], ...]  # (count, y)
    x_ticks: tuple[tuple[str, float], ...]  # (P-value, x)
    expected: str
    expected_y: float


def histogram(series: SeriesView) -> Histogram | None:
    """Lay out a series' P-value histogram; None when its bins were not all recorded."""
    if series.histogram is None:
        return None
    expected = series.expected_per_bin
    top_count = max(1, *series.histogram, math.ceil(expected))
    scale = (_HIST_BOTTOM - _HIST_TOP) / top_count
    step = (_HIST_RIGHT - _HIST_LEFT) / P_BINS
    bars = tuple(
        HistogramBar(
            count=count,
            low=f"{index / P_BINS:.1f}",
            high=f"{(index + 1) / P_BINS:.1f}",
            x=round(_HIST_LEFT + index * step + _HIST_GAP / 2, 1),
            y=round(_HIST_BOTTOM - count * scale, 1),
            width=round(step - _HIST_GAP, 1),
            height=round(count * scale, 1),
        )
        for index, count in enumerate(series.histogram)
    )
    return Histogram(
        series=series,
        width=_HIST_WIDTH,
        height=_HIST_HEIGHT,
        left=_HIST_LEFT,
        right=_HIST_RIGHT,
        top=_HIST_TOP,
        bottom=_HIST_BOTTOM,
        bars=bars,
        y_ticks=((0, float(_HIST_BOTTOM)), (top_count, float(_HIST_TOP))),
        x_ticks=tuple((label, round(_HIST_LEFT + fraction * (_HIST_RIGHT - _HIST_LEFT), 1))
                      for label, fraction in (("0", 0.0), ("0.5", 0.5), ("1", 1.0))),
        expected=f"{expected:g}",
        expected_y=round(_HIST_BOTTOM - expected * scale, 1),
    )


def histograms(case: CaseView) -> tuple[Histogram | None, ...]:
    """A randomness case's histograms, one per series in table order."""
    return tuple(histogram(series) for series in case.randomness.series) if case.randomness else ()


def render_html(document: Mapping[str, Any]) -> str:
    """Render the HTML certification report of a results.json document."""
    view = build_view(document)
    template = _environment.get_template("report.html.j2")
    return template.render(view=view, chart=verdict_chart(view.suite_counts),
                           histograms=histograms)
