"""The HTML certification report: one self-contained, print-friendly page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2

from .view import LABELS, VERDICTS, SuiteCounts, build_view

_LABEL_WIDTH = 120
_BAR_WIDTH = 360
_SUMMARY_WIDTH = 260
_ROW_HEIGHT = 26
_BAR_HEIGHT = 16

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


def render_html(document: Mapping[str, Any]) -> str:
    """Render the HTML certification report of a results.json document."""
    view = build_view(document)
    template = _environment.get_template("report.html.j2")
    return template.render(view=view, chart=verdict_chart(view.suite_counts))
