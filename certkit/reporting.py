"""Report formats: pure functions of a results.json document."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ReportFormat:
    name: str  # as given to --format: html, md, junit, json
    filename: str  # what `certkit run` writes into the output folder
    title: str
    render: Callable[[Mapping[str, Any]], str]
