"""The HTML certification report: one self-contained, print-friendly page."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup, escape

from .messages import DEFAULT_LANGUAGE, Messages
from .numbers import format_number, round_figure, size_label
from .performance_view import PerformanceView
from .randomness_view import P_BINS, SeriesView
from .view import VERDICTS, CaseView, SuiteCounts, build_view

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


@jinja2.pass_context
def _label(context: jinja2.runtime.Context, verdict: str) -> str:
    return context["_"].verdict(verdict)


@jinja2.pass_context
def _lower_label(context: jinja2.runtime.Context, verdict: str) -> str:
    return context["_"].verdict_lower(verdict)


def css_string(text: str) -> Markup:
    """A CSS string literal of `text` that nothing in it can end: every character but ASCII
    letters and digits becomes a CSS hex escape (whose terminating space CSS consumes)."""
    body = "".join(ch if ch.isascii() and ch.isalnum() else f"\\{ord(ch):x} " for ch in text)
    return Markup(f'"{body}"')


def case_id(text: str) -> Markup:
    """A case id that may wrap only after its dots and hyphens, never inside a word."""
    escaped = str(escape(text))
    return Markup(re.sub(r"([.\-])", r"\1<wbr>", escaped))


_environment.filters["label"] = _label
_environment.filters["case_id"] = case_id
_environment.filters["lower_label"] = _lower_label
_environment.filters["css_string"] = css_string


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


def verdict_chart(suite_counts: tuple[SuiteCounts, ...], m: Messages) -> Chart:
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
        summary = ", ".join(f"{count} {m.verdict_lower(verdict)}"
                            for verdict, count in row.counts if count)
        rows.append(ChartRow(row.suite, 8 + index * _ROW_HEIGHT, tuple(segments),
                             summary or m("suites.no_case_finished")))
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


def render_html(document: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> str:
    """Render the HTML certification report of a results.json document, in `lang`."""
    view = build_view(document, lang)
    template = _environment.get_template("report.html.j2")
    return template.render(view=view, _=view.m, chart=verdict_chart(view.suite_counts, view.m),
                           histograms=histograms, throughput_plot=throughput_plot,
                           latency_plot=latency_plot,
                           rate_bars=operation_rate_bars(view.performance_cases))


# -- performance charts ------------------------------------------------------------

_PLOT_WIDTH = 420
_PLOT_LEFT = 64
_PLOT_RIGHT = _PLOT_WIDTH - 16
_PLOT_TOP = 28
_PLOT_BOTTOM = 192
# Colour per operation (encrypt, decrypt, ...), dash per latency percentile.
_COLOURS = ("#1565c0", "#e65100", "#2e7d32", "#6a1b9a", "#00838f", "#ad1457")
_DASHES = {"p50": "", "p95": "6 3", "p99": "2 3"}
_ROUND_STEPS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
_BAR_CHART_LABEL = 170
_BAR_CHART_BAR = 300
_BAR_CHART_ROW = 24


@dataclass(frozen=True)
class PlotPoint:
    x: float
    y: float
    low_y: float  # the whisker: lower quartile (throughput) or the same as y
    high_y: float
    tooltip: str


@dataclass(frozen=True)
class PlotLine:
    label: str
    colour: str
    dash: str
    points: tuple[PlotPoint, ...]

    @property
    def path(self) -> str:
        return " ".join(f"{point.x},{point.y}" for point in self.points)


@dataclass(frozen=True)
class PlotMark:
    """A declared figure: a short bar at its value above its payload size."""

    x: float
    y: float
    met: bool
    tooltip: str


@dataclass(frozen=True)
class Plot:
    """An SVG line chart against payload size (log scale), laid out here, drawn by the template."""

    title: str
    y_label: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    lines: tuple[PlotLine, ...]
    marks: tuple[PlotMark, ...]
    x_ticks: tuple[tuple[str, float], ...]
    y_ticks: tuple[tuple[str, float], ...]
    legend: tuple[tuple[str, str, str, float, float], ...]  # (label, colour, dash, x, y)


def _nice_ceiling(value: float) -> float:
    """A round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) at least `value`."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in _ROUND_STEPS if step * power >= value)


def _size_axis(sizes: list[int]) -> tuple[Callable[[int], float], tuple[tuple[str, float], ...]]:
    low, high = math.log2(min(sizes)), math.log2(max(sizes))

    def x(size: int) -> float:
        if high == low:
            return round((_PLOT_LEFT + _PLOT_RIGHT) / 2, 1)
        fraction = (math.log2(size) - low) / (high - low)
        return round(_PLOT_LEFT + 10 + fraction * (_PLOT_RIGHT - _PLOT_LEFT - 20), 1)

    return x, tuple((size_label(size), x(size)) for size in sorted(set(sizes)))


_LEGEND_COLUMN = 180
_LEGEND_ROW = 14


def _legend(entries: list[tuple[str, str, str]]) -> tuple[tuple[str, str, str, float, float],
                                                          ...]:
    """(label, colour, dash) entries laid out two to a row under the x axis's label."""
    return tuple(
        (label, colour, dash, float(8 + (index % 2) * _LEGEND_COLUMN),
         float(_PLOT_BOTTOM + 46 + (index // 2) * _LEGEND_ROW))
        for index, (label, colour, dash) in enumerate(entries)
    )


def _plot_height(entries: int) -> int:
    return _PLOT_BOTTOM + 46 + ((entries + 1) // 2) * _LEGEND_ROW


def throughput_plot(performance: PerformanceView) -> Plot | None:
    """MB/s against payload size, one line per operation, quartiles as whiskers, declared
    figures as marks; None without payload series."""
    operations = performance.operations
    if not operations:
        return None
    rates = performance.payload_rates
    x, x_ticks = _size_axis([rate.size for rate in rates if rate.size is not None])
    top = _nice_ceiling(max(max(r.p75, r.median, r.declared or 0.0) for r in rates) * 1.05)

    def y(value: float) -> float:
        value = min(max(value, 0.0), top)
        return round(_PLOT_BOTTOM - value / top * (_PLOT_BOTTOM - _PLOT_TOP), 1)

    lines = tuple(
        PlotLine(name, _COLOURS[index % len(_COLOURS)], "", tuple(
            PlotPoint(x(rate.size or 0), y(rate.median), y(rate.p25), y(rate.p75),
                      f"{name}, {rate.size_text}: {rate.rate_text} {rate.unit}")
            for rate in group))
        for index, (name, group) in enumerate(operations)
    )
    marks = tuple(
        PlotMark(x(rate.size or 0), y(rate.declared), bool(rate.declared_met),
                 f"{rate.subject} {rate.operation}, {rate.size_text}: declared at least "
                 f"{format_number(rate.declared)} {rate.unit}, measured "
                 f"{format_number(round_figure(rate.median))}")
        for rate in rates if rate.declared is not None
    )
    y_ticks = tuple((format_number(round_figure(top * step / 4)), y(top * step / 4))
                    for step in range(5))
    entries = [(line.label, line.colour, "") for line in lines]
    return Plot(performance.m("performance.throughput_title", unit=rates[0].unit), "MB/s",
                _PLOT_WIDTH, _plot_height(len(entries)), _PLOT_LEFT, _PLOT_RIGHT, _PLOT_TOP,
                _PLOT_BOTTOM, lines, marks, x_ticks, y_ticks, _legend(entries))


def latency_plot(performance: PerformanceView) -> Plot | None:
    """Per-call latency percentiles against payload size on log scales; None without
    payload series that recorded latencies."""
    operations = [(name, group) for name, group in performance.operations
                  if all(rate.latency_us for rate in group)]
    if not operations:
        return None
    values = [value for _, group in operations for rate in group
              for _, value in rate.latency_us if value > 0]
    if not values:
        return None
    low = 10 ** math.floor(math.log10(min(values)))
    high = 10 ** math.ceil(math.log10(max(values)))
    if high <= low:
        high = low * 10
    x, x_ticks = _size_axis([rate.size for _, group in operations for rate in group
                             if rate.size is not None])

    def y(value: float) -> float:
        value = min(max(value, low), high)
        fraction = (math.log10(value) - math.log10(low)) / (math.log10(high) - math.log10(low))
        return round(_PLOT_BOTTOM - fraction * (_PLOT_BOTTOM - _PLOT_TOP), 1)

    lines = []
    for index, (name, group) in enumerate(operations):
        colour = _COLOURS[index % len(_COLOURS)]
        for percentile in _DASHES:
            points = tuple(
                PlotPoint(x(rate.size or 0), y(value), y(value), y(value),
                          f"{name}, {rate.size_text}: {percentile} "
                          f"{format_number(round_figure(value))} us")
                for rate in group for label, value in rate.latency_us if label == percentile
            )
            if points:
                lines.append(PlotLine(f"{name} {percentile}", colour, _DASHES[percentile],
                                      points))
    decades = range(round(math.log10(low)), round(math.log10(high)) + 1)
    y_ticks = tuple((format_number(10.0 ** decade if decade < 0 else 10 ** decade),
                     y(10.0 ** decade)) for decade in decades)
    entries = [(name, _COLOURS[index % len(_COLOURS)], "")
               for index, (name, _) in enumerate(operations)]
    entries += [(percentile, "#616161", dash) for percentile, dash in _DASHES.items()]
    return Plot(performance.m("performance.latency_title"), "us",
                _PLOT_WIDTH, _plot_height(len(entries)), _PLOT_LEFT, _PLOT_RIGHT, _PLOT_TOP,
                _PLOT_BOTTOM, tuple(lines), (), x_ticks, y_ticks, _legend(entries))


@dataclass(frozen=True)
class RateBar:
    label: str
    y: int
    width: float  # the median
    low: float  # the quartiles' x positions
    high: float
    declared_x: float | None
    declared_met: bool
    text: str


@dataclass(frozen=True)
class RateBars:
    """Operations per second of every operation series in the run, as horizontal bars."""

    width: int
    height: int
    left: int
    bar_height: int
    bars: tuple[RateBar, ...]


def operation_rate_bars(cases: tuple[CaseView, ...]) -> RateBars | None:
    rates = [rate for case in cases if case.performance
             for rate in case.performance.operation_rates]
    if not rates:
        return None
    top = _nice_ceiling(max(max(r.p75, r.median, r.declared or 0.0) for r in rates) * 1.05)
    scale = _BAR_CHART_BAR / top
    bars = tuple(
        RateBar(
            label=f"{rate.subject} {rate.operation}", y=8 + index * _BAR_CHART_ROW,
            width=round(rate.median * scale, 1),
            low=round(_BAR_CHART_LABEL + rate.p25 * scale, 1),
            high=round(_BAR_CHART_LABEL + min(rate.p75, top) * scale, 1),
            declared_x=(None if rate.declared is None
                        else round(_BAR_CHART_LABEL + rate.declared * scale, 1)),
            declared_met=bool(rate.declared_met),
            text=f"{rate.rate_text} {rate.unit}"
                 + ("" if rate.declared is None else f"; {rate.declared_text}"),
        )
        for index, rate in enumerate(rates)
    )
    return RateBars(width=_BAR_CHART_LABEL + _BAR_CHART_BAR + 380,
                    height=16 + len(bars) * _BAR_CHART_ROW, left=_BAR_CHART_LABEL,
                    bar_height=_BAR_HEIGHT, bars=bars)
