"""Untrusted text (device strings, vector comments) made inert for reports and the console."""

from __future__ import annotations

import re

# Kept as-is: tab, line breaks, and everything XML 1.0 allows except C1 controls,
# DEL and the bidirectional controls that can reorder what a reader sees.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufffe\uffff]"
)
_LINE_BREAKS = re.compile("[\t\n\r]")


def printable(text: str) -> str:
    """Replace characters that could corrupt a report or disguise text with visible escapes."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def one_line(text: str) -> str:
    """`printable`, with tabs and line breaks escaped too: for one console line."""
    return _LINE_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", printable(text))
