"""certkit's built-in report formats, registered as a plugin like any vendor's.

Every renderer is a pure function of the results.json document: the same
document always renders to the same text, with no clock or host lookups.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping
from typing import Any

from certkit.errors import ConfigError
from certkit.hookspecs import hookimpl
from certkit.reporting import ReportFormat

from .html import render_html
from .junit import render_junit
from .markdown import render_markdown
from .messages import DEFAULT_LANGUAGE

__all__ = ["certkit_report_formats", "render_html", "render_in_language", "render_json",
           "render_junit", "render_markdown"]


def render_json(document: Mapping[str, Any]) -> str:
    """results.json itself, byte for byte as `certkit run` writes it."""
    return json.dumps(document, indent=2) + "\n"


@hookimpl
def certkit_report_formats() -> list[ReportFormat]:
    """The HTML, Markdown, JUnit XML and JSON formats."""
    return [
        ReportFormat("html", "report.html", "HTML certification report", render_html),
        ReportFormat("md", "report.md", "Markdown certification report", render_markdown),
        ReportFormat("junit", "junit.xml", "JUnit XML", render_junit),
        ReportFormat("json", "results.json", "results.json", render_json),
    ]


def render_in_language(report_format: ReportFormat, document: Mapping[str, Any],
                       lang: str) -> str:
    """Render with a format in `lang`; a format without languages renders only the default."""
    if "lang" in inspect.signature(report_format.render).parameters:
        return report_format.render(document, lang=lang)
    if lang != DEFAULT_LANGUAGE:
        raise ConfigError(f"report format {report_format.name!r} has no --lang {lang}")
    return report_format.render(document)
