"""A progress line on stderr while a phase draws and tests its samples."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class SampleProgress:
    """Shows drawn and tested samples: a bar redrawn in place on a terminal, else every 10%."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self.drawn = 0
        self.tested = 0
        self.started = time.monotonic()
        self._shown_tenth = -1

    def draw(self, samples: int) -> None:
        self.drawn += samples
        self._show()

    def test(self, samples: int) -> None:
        self.tested += samples
        self._show()

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()

    def _show(self) -> None:
        elapsed = time.monotonic() - self.started
        line = (f"{self.label}: drawn {self.drawn}/{self.total}, tested {self.tested}/"
                f"{self.total} samples ({elapsed:.0f} s)")
        if self.interactive:
            filled = 30 * self.tested // max(self.total, 1)
            self.stream.write(f"\r\x1b[2K[{'#' * filled}{'.' * (30 - filled)}] {line}")
        else:
            tenth = 10 * self.tested // max(self.total, 1)
            if tenth == self._shown_tenth:
                return
            self._shown_tenth = tenth
            self.stream.write(line + "\n")
        self.stream.flush()
