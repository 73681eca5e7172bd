"""The Markdown certification report, for review systems and plain-text readers.

Markdown renderers pass raw HTML through, so every value the template prints
is escaped by default (the environment's `finalize`), exactly as autoescape
does for HTML; only text built here as `MarkdownText` is printed as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import jinja2

from .view import LABELS, CaseView, build_view

_BACKSLASH_ESCAPED = re.compile(r"([\\`*_\[\]|~])")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_CODE_SAFE = re.compile(r"[A-Za-z0-9.,:;/+=@#()\-][A-Za-z0-9.,:;/+=@#() \-]*")


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


def evidence(cases: tuple[CaseView, ...]) -> MarkdownText:
    """The cases behind a clause with their verdicts, for one table cell."""
    return MarkdownText(
        ", ".join(f"{code_span(case.id)}: {escape_markdown(case.verdict)}" for case in cases)
    )


_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("certkit.reports", "templates"),
    autoescape=False,  # HTML escaping is wrong for Markdown; finalize escapes instead
    finalize=escape_markdown,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_environment.filters["label"] = lambda verdict: LABELS[verdict]
_environment.filters["code"] = code_span
_environment.filters["evidence"] = evidence


def render_markdown(document: Mapping[str, Any]) -> str:
    """Render the Markdown certification report of a results.json document."""
    view = build_view(document)
    text = _environment.get_template("report.md.j2").render(view=view)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"
