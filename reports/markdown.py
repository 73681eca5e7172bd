"""The Markdown certification report, for review systems and plain-text readers.

Markdown renderers pass raw HTML through, so every value the template prints
is escaped by default (the environment's `finalize`), exactly as autoescape
does for HTML; only text built here as `MarkdownText` is printed as it is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import jinja2

from .messages import DEFAULT_LANGUAGE
from .randomness_view import P_BINS, SeriesView
from .view import CaseView, build_view

_BACKSLASH_ESCAPED = re.compile(r"([\\`*_\[\]|~])")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_CODE_SAFE = re.compile(r"[A-Za-z0-9.,:;/+=@#()\-][A-Za-z0-9.,:;/+=@#() \-]*")
_CODE_BLOCK_UNSAFE = re.compile(r"[`<>&]")
_HISTOGRAM_ROWS = 4  # a text histogram's height: compact, its exact counts printed beneath


class MarkdownText(str):
    """Text that is already Markdown; the template prints it without escaping."""


def escape_markdown(value: Any) -> str:
    """Make any value print as literal text, also inside a table cell."""
    if isinstance(value, MarkdownText):
        return value
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _BACKSLASH_ESCAPED.sub(r"\\\1", text)
    return _NEWLINE.sub("<br>", text)


def code_span(value: Any) -> MarkdownText:
    """A code span when the text cannot break out of one, else escaped plain text."""
    text = str(value)
    if _CODE_SAFE.fullmatch(text):
        return MarkdownText(f"`{text}`")
    return MarkdownText(escape_markdown(text))


@jinja2.pass_context
def evidence(context: jinja2.runtime.Context, items: Any, requirement_id: str = "") -> MarkdownText:
    """The cases behind a clause (CaseViews, or the trace's Evidence) with their verdicts, for
    one table cell; a citation that differs from the requirement's id is named."""
    m = context["_"]
    parts = []
    for item in items:
        text = f"{code_span(getattr(item, 'case_id', None) or item.id)}: " \
               f"{escape_markdown(m.verdict_lower(item.verdict))}"
        cited = getattr(item, "cited_as", "")
        if requirement_id and cited and cited != requirement_id:
            text += f" ({escape_markdown(m('matrix.cited_as'))} {escape_markdown(cited)})"
        parts.append(text)
    return MarkdownText(", ".join(parts) or escape_markdown(m("matrix.no_evidence")))


def _notation(text: str) -> MarkdownText:
    """Mathematical notation the template itself writes (never device text) as a code span."""
    return MarkdownText(f"`{text}`")


def _code_block_text(text: str) -> str:
    """Text for a code block: ASCII, on one line, unable to close the block or look like HTML.

    Line breaks, tabs, non-ASCII characters, backticks and `<>&` become visible
    escapes such as `\\n` and `\\x3c`.
    """
    text = text.encode("unicode_escape").decode("ascii")
    return _CODE_BLOCK_UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def text_histogram(series: SeriesView) -> str:
    """A series' P-value counts in tenths as ASCII rows of bars, the uniform level marked `-`."""
    head = (f"{_code_block_text(series.name)}: {series.label}; "
            + series.m("randomness.hist_caption", count=series.count_text,
                       threshold=series.threshold_text))
    if series.uniformity_applied:
        head += f"; P_T {series.uniformity_text}"
    if series.histogram is None:
        return f"{head}\n  ({series.m('randomness.hist_incomplete')})"
    counts = series.histogram
    expected = series.expected_per_bin
    top = max(1, *counts, math.ceil(expected))
    rows = min(top, _HISTOGRAM_ROWS)
    column = max(3, len(str(max(counts))) + 1)
    bar = "#" * (column - 1) + " "
    scaled = [count * rows / top for count in counts]
    expected_row = max(1, math.floor(expected * rows / top + 0.5))
    margin = len(str(top))
    lines = [head]
    for row in range(rows, 0, -1):
        cells = []
        for count, height in zip(counts, scaled, strict=True):
            if height >= row - 0.5:
                cells.append(bar)
            elif row == 1 and count:
                cells.append("." * (column - 1) + " ")  # a count too small for a whole row
            elif row == expected_row:
                cells.append("-" * (column - 1) + " ")
            else:
                cells.append(" " * column)
        line = f"{str(top) if row == rows else '':>{margin}} |{''.join(cells)}"
        if row == expected_row:
            line += " <- " + series.m("randomness.uniform", expected=f"{expected:g}")
        lines.append(line.rstrip())
    lines.append(f"{'0':>{margin}} +{'-' * (column * P_BINS)}")
    ticks = ["0", *(f".{index}" for index in range(1, P_BINS))]
    lines.append(" " * (margin + 2) + "".join(f"{tick:<{column}}" for tick in ticks)
                 + "1  " + series.m("randomness.p_value"))
    lines.append(" " * (margin + 2) + "".join(f"{count:>{column - 1}} " for count in counts)
                 + "   " + series.m("randomness.samples_axis"))
    return "\n".join(lines)


def histogram_block(case: CaseView) -> MarkdownText:
    """A randomness case's text histograms, one per series, as one code block."""
    if case.randomness is None:
        return MarkdownText("")
    body = "\n\n".join(text_histogram(series) for series in case.randomness.series)
    return MarkdownText(f"```text\n{body}\n```")


_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("certkit.reports", "templates"),
    autoescape=False,  # HTML escaping is wrong for Markdown; finalize escapes instead
    finalize=escape_markdown,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_environment.filters["label"] = jinja2.pass_context(
    lambda context, verdict: context["_"].verdict(verdict))
_environment.filters["lower_label"] = jinja2.pass_context(
    lambda context, verdict: context["_"].verdict_lower(verdict))
_environment.filters["code"] = code_span
_environment.filters["raw"] = MarkdownText  # a macro's output, escaped as it was built
_environment.filters["evidence"] = evidence
_environment.filters["histograms"] = histogram_block


def render_markdown(document: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> str:
    """Render the Markdown certification report of a results.json document, in `lang`."""
    view = build_view(document, lang)
    def md(key: str, **values: Any) -> MarkdownText:
        """A message as Markdown: its text escaped, MarkdownText values (notation) kept."""
        return MarkdownText(escape_markdown(view.m(key)).format(**{
            name: value if isinstance(value, MarkdownText) else escape_markdown(value)
            for name, value in values.items()}))

    text = _environment.get_template("report.md.j2").render(view=view, _=view.m, md=md,
                                                            code_notation=_notation)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"
