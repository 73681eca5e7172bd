"""The PDF certification report: the HTML report printed by headless Chromium.

Why Chromium: it is the engine the report is checked in (tests open the HTML in
it), so the PDF shows exactly what a reader sees in a browser, inline SVG
charts and CJK fallback fonts included; it supports CSS paged media, so the
report id and "page N of M" come from the HTML's own @page margin boxes on
every page; and it adds no Python dependency. WeasyPrint would be a second
layout engine with its own SVG and font behaviour to keep in step.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from certkit.errors import ConfigError

from .html import render_html
from .messages import DEFAULT_LANGUAGE

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_S = 120


def chromium_path() -> str:
    """The Chromium to print with: $CERTKIT_CHROMIUM, else the first on PATH."""
    configured = os.environ.get("CERTKIT_CHROMIUM")
    found = configured or next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)
    if not found:
        raise ConfigError("PDF needs headless Chromium: install it (Debian: apt-get install "
                          "chromium fonts-noto-cjk) or set CERTKIT_CHROMIUM")
    return found


def chromium_command(chromium: str, profile_dir: Path) -> list[str]:
    """Headless and offline: without the background-networking flags Chromium reaches for
    the network. Scripts are kept off by the report's own Content-Security-Policy (Chromium's
    scriptEnabled=false setting also stops --print-to-pdf from writing anything)."""
    return [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", f"--user-data-dir={profile_dir}",
    ]


def html_to_pdf(html: str) -> bytes:
    """Print an HTML document to PDF with the page setup its own CSS declares."""
    chromium = chromium_path()
    with tempfile.TemporaryDirectory(prefix="certkit-pdf-") as temporary:
        folder = Path(temporary)
        source, target = folder / "report.html", folder / "report.pdf"
        source.write_text(html, encoding="utf-8")
        command = [*chromium_command(chromium, folder / "profile"), "--no-pdf-header-footer",
                   f"--print-to-pdf={target}", source.as_uri()]
        try:
            completed = subprocess.run(command, capture_output=True, text=True,
                                       timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise ConfigError(f"Chromium did not print the report within {TIMEOUT_S} s") from None
        if not target.is_file() or target.stat().st_size == 0:
            detail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
            raise ConfigError(f"Chromium wrote no PDF (exit {completed.returncode}): "
                              + " | ".join(detail))
        return target.read_bytes()


def render_pdf(document: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> bytes:
    """Render the PDF certification report of a results.json document, in `lang`."""
    return html_to_pdf(render_html(document, lang))
