"""certkit's extension points, grouped by phase.

Built-in drivers, suites and report formats implement these exactly as a
vendor's plugin does, registered through the `certkit` entry-point group.
Hooks are called with keyword arguments, so an implementation may take a
subset of a spec's arguments and specs can grow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from certkit.cases import Case, Suite
    from certkit.device import DriverSpec
    from certkit.reporting import ReportFormat
    from certkit.results import CaseResult
    from certkit.run import Run

PROJECT = "certkit"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -- collect: what the installed plugins offer --------------------------------


@hookspec
def certkit_drivers() -> list[DriverSpec]:
    """Return the drivers this plugin provides, one per URL scheme."""


@hookspec
def certkit_suites() -> list[Suite]:
    """Return the suites this plugin provides."""


@hookspec
def certkit_report_formats() -> list[ReportFormat]:
    """Return the report formats this plugin can render from results.json."""


# -- run: events while a run is under way --------------------------------------


@hookspec
def certkit_run_started(run: Run) -> None:
    """Called once the device is open and the cases are selected, before the first case."""


@hookspec
def certkit_case_progress(run: Run, case: Case, done: int, total: int, unit: str) -> None:
    """Called when a case starts (done = total = 0) and, throttled, as a long case goes on
    (`done` of `total` iterations, samples or bytes: `unit`), so a console can show it."""


@hookspec
def certkit_case_finished(run: Run, result: CaseResult) -> None:
    """Called with each case's result the moment it is known."""


@hookspec
def certkit_run_finished(run: Run) -> None:
    """Called when the run ends, completed or not (interrupted, device lost)."""
