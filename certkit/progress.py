"""Progress on stderr while a run runs, and the failure summary when it ends.

On a terminal, a live display (rich): the run's bar, and the running case with its own
progress (Monte Carlo iterations, randomness samples, bytes), rate and ETA; failing
cases are printed above it as they come. Elsewhere (a CI log, a file), one line per
finished case and, while a long case runs, a plain line every PLAIN_INTERVAL_S.
Device strings are made inert first: a serial device controls that text.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as LiveProgress

from certkit.cases import Case
from certkit.hookspecs import hookimpl
from certkit.inert import one_line
from certkit.results import CaseResult, Verdict
from certkit.run import Run

PLAIN_INTERVAL_S = 10.0
SUMMARY_LIMIT = 20  # failing cases listed at the end; results.json has them all


def rate_and_eta(done: int, total: int, elapsed_s: float) -> str:
    """`17500/s, ETA 37 s` for a case `done` of `total` units into `elapsed_s` seconds."""
    if done <= 0 or elapsed_s <= 0:
        return "starting"
    rate = done / elapsed_s
    remaining = (total - done) / rate if total > done else 0.0
    return f"{rate:,.0f}/s, ETA {format_duration(remaining)}"


def format_duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def first_problem(result: CaseResult) -> str:
    """The first failing check or the error of a case, on one line."""
    if result.failures:
        check = result.failures[0]
        where = f"{check.vectors} tcId {check.tc_id}" + (f" {check.check}" if check.check else "")
        return one_line(f"{where}: expected {check.expected[:60]}, got {check.got[:60]}")
    return one_line(result.error or f"{result.failed} failed check(s)")


class Progress:
    """An observer of the run's events (registered by `certkit run`)."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.total = 0
        self.done = 0
        self.case_started = 0.0
        self.last_plain = 0.0
        self.problems: list[CaseResult] = []
        self.live: LiveProgress | None = None
        self.run_task: TaskID | None = None
        self.case_task: TaskID | None = None

    @hookimpl
    def certkit_run_started(self, run: Run) -> None:
        self.total = len(run.cases)
        self.done = len(run.results)
        info = run.device_info
        self.write(one_line(f"certkit: {run.device_url} ({info.vendor} {info.model} "
                            f"{info.firmware}), profile {run.profile.name}, "
                            f"{len(run.pending)} of {self.total} cases to run"))
        if self.interactive and run.pending and run.stopped is None:
            console = Console(file=self.stream, highlight=False)
            self.live = LiveProgress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[unit]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                console=console, transient=True)
            self.run_task = self.live.add_task("run", total=self.total, completed=self.done,
                                               unit="cases")
            self.case_task = self.live.add_task("", total=None, unit="")
            self.live.start()

    @hookimpl
    def certkit_case_progress(self, case: Case, done: int, total: int, unit: str) -> None:
        now = time.monotonic()
        if done == 0 and total == 0:
            self.case_started = self.last_plain = now
        if self.live is not None and self.case_task is not None:
            self.live.update(self.case_task, description=case.id,
                             total=total or None, completed=done, unit=unit)
        elif total and now - self.last_plain >= PLAIN_INTERVAL_S:
            self.last_plain = now
            self.write(f"[{self.done + 1:>{len(str(self.total))}}/{self.total}] running "
                       f"{case.id}: {done:,} of {total:,} {unit} "
                       f"({rate_and_eta(done, total, now - self.case_started)})")

    @hookimpl
    def certkit_case_finished(self, result: CaseResult) -> None:
        self.done += 1
        if result.verdict in (Verdict.FAIL, Verdict.ERROR):
            self.problems.append(result)
        width = len(str(self.total))
        line = (f"[{self.done:>{width}}/{self.total}] {result.verdict:<14} {result.id} "
                f"({result.duration_s:.2f} s)")
        if self.live is not None:
            self.live.update(self.run_task, completed=self.done)
            self.live.update(self.case_task, description="", total=None, completed=0, unit="")
            if result.verdict in (Verdict.FAIL, Verdict.ERROR):
                self.live.console.print(line, markup=False)
        else:
            self.write(line)

    @hookimpl
    def certkit_run_finished(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
        if self.problems:
            self.write(f"certkit: short summary ({len(self.problems)} case(s) not passed):")
            for result in self.problems[:SUMMARY_LIMIT]:
                self.write(f"  {str(result.verdict).upper():<5} {result.id}: "
                           f"{first_problem(result)}")
            if len(self.problems) > SUMMARY_LIMIT:
                self.write(f"  ... and {len(self.problems) - SUMMARY_LIMIT} more "
                           "(results.json lists them all)")

    def write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()
