"""certkit's built-in report formats, registered as a plugin like any vendor's.

Every renderer is a pure function of the results.json document: the same
document always renders to the same text, with no clock or host lookups.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from certkit.hookspecs import hookimpl
from certkit.reporting import ReportFormat

from .html import render_html
from .junit import render_junit
from .markdown import render_markdown

__all__ = ["certkit_report_formats", "render_html", "render_json", "render_junit",
           "render_markdown"]


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
