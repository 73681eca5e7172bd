"""`certkit emulate serial` as a child process: start it, learn its port, stop or kill it.

For scripts, CI jobs and certkit's own tests that need a serial module on a
real pty or TCP port without hardware.
"""

from __future__ import annotations

import select
import signal
import subprocess
import sys
import tempfile
from types import TracebackType
from typing import Self

STARTUP_TIMEOUT_S = 30.0


class EmulatorProcess:
    """A running serial emulator; `port` is what it printed, `url` the device URL for it."""

    def __init__(self, *args: str, startup_timeout_s: float = STARTUP_TIMEOUT_S) -> None:
        self.args = args
        # A file, not a pipe, for stderr: a chatty emulator must never block on a
        # full pipe. It lives as long as the process and is closed in __exit__.
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self._final_stderr = ""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "certkit", "emulate", "serial", *args],
            stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], startup_timeout_s)
        line = self.process.stdout.readline() if ready else ""
        if not line.strip():
            self.kill()
            raise RuntimeError(f"certkit emulate serial {' '.join(args)} did not start: "
                               f"{self.stderr()}")
        self.port = line.strip()

    @property
    def url(self) -> str:
        return f"serial:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stderr(self) -> str:
        """What it wrote to stderr so far (all of it, once it has exited)."""
        if self._stderr.closed:
            return self._final_stderr
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read()

    def stop(self, signum: int = signal.SIGTERM, timeout_s: float = 15.0) -> int:
        """Ask it to stop (SIGTERM or SIGINT); return its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        """SIGKILL: the module is unplugged, nothing of it runs any more."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self.process.poll() is None:
                self.stop()
        finally:
            if self.process.stdout is not None:
                self.process.stdout.close()
            self._final_stderr = self.stderr()
            self._stderr.close()
