"""`randomness`: the GM/T 0005-2021 battery over a device's RANDOM, and GM/T 0062 phases.

The plugin also offers the `file:` device (a recorded RANDOM output) that
`certkit rng FILE` runs these same cases on, and learns the run's output
folder at the start of a run, where each battery phase keeps its raw P- and
Q-values as CSV (`pvalues.csv`; `pvalues-<phase>.csv` when a profile has
several battery phases).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from certkit.cases import Case, Suite, SuiteContext
from certkit.device import DriverSpec
from certkit.hookspecs import hookimpl
from certkit.run import Run

from . import battery_phase, single_draw
from .phases import BatteryPhase, parse
from .source import DRIVER


class OutputFolder:
    """Where the current run writes; set when a run starts, None outside a run."""

    path: Path | None = None


def _csv_locator(name: str) -> Callable[[], Path | None]:
    def locate() -> Path | None:
        return None if OutputFolder.path is None else OutputFolder.path / name

    return locate


def collect(ctx: SuiteContext) -> Iterator[Case]:
    settings, phases = parse(ctx.params)
    batteries = [p for p in phases if isinstance(p, BatteryPhase)]
    for phase in phases:
        case_id = f"randomness.{phase.name}"
        if isinstance(phase, BatteryPhase):
            name = "pvalues.csv" if len(batteries) == 1 else f"pvalues-{phase.name}.csv"
            body = battery_phase.run_case(phase, settings, _csv_locator(name))
        else:
            body = single_draw.run_case(phase)
        draws = (phase.samples * phase.bits // 8 // settings.chunk_bytes + 1
                 if isinstance(phase, BatteryPhase) else 1)
        yield Case(case_id, phase.title, "randomness", frozenset({"RANDOM"}), phase.clauses,
                   body, operations=draws)


@hookimpl
def certkit_suites() -> list[Suite]:
    return [Suite(name="randomness", title="Randomness (GM/T 0005-2021, GM/T 0062-2018)",
                  collect=collect, params=None)]


@hookimpl
def certkit_drivers() -> list[DriverSpec]:
    return [DRIVER]


@hookimpl
def certkit_run_started(run: Run) -> None:
    OutputFolder.path = run.out_dir


@hookimpl
def certkit_run_finished() -> None:
    OutputFolder.path = None  # a case run outside a run must not write into the last one's
