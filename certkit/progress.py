"""Progress on stderr while a run runs: a bar on a terminal, a line per case elsewhere."""

from __future__ import annotations

import sys
from typing import TextIO

from certkit.hookspecs import hookimpl
from certkit.results import CaseResult
from certkit.run import Run


class Progress:
    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.total = 0
        self.done = 0

    @hookimpl
    def certkit_run_started(self, run: Run) -> None:
        self.total = len(run.cases)
        self.done = len(run.results)
        info = run.device_info
        self.stream.write(
            f"certkit: {run.device_url} ({info.vendor} {info.model} {info.firmware}), "
            f"profile {run.profile.name}, {len(run.pending)} of {self.total} cases to run\n"
        )

    @hookimpl
    def certkit_case_finished(self, result: CaseResult) -> None:
        self.done += 1
        width = len(str(self.total))
        line = (f"[{self.done:>{width}}/{self.total}] {result.verdict:<14} {result.id} "
                f"({result.duration_s:.2f} s)")
        if self.interactive:
            filled = int(30 * self.done / max(self.total, 1))
            bar = "#" * filled + "." * (30 - filled)
            self.stream.write(f"\r\x1b[2K[{bar}] {line}")
            if result.verdict in ("fail", "error"):
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    @hookimpl
    def certkit_run_finished(self) -> None:
        if self.interactive:
            self.stream.write("\n")
