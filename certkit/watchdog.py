"""The per-operation timeout: a device operation that overruns is abandoned, its case errors.

Each operation is bracketed by two attribute writes (cheap enough for a
known-answer loop of single blocks); a watchdog thread notices an overrun and
interrupts the main thread with a signal, which also breaks a blocking
system call. Where certkit does not run in the main thread (embedded in
another program), overruns are not enforced; drivers keep their own
transport timeouts either way.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from certkit.device import OPERATIONS, Device
from certkit.errors import OperationTimeout

_SIGNAL = signal.SIGUSR1


class GuardedDevice(Device):
    """Wraps a device so that every operation runs under the watchdog's eye."""

    def __init__(self, inner: Device, timeout_s: float, per_mib_s: float = 0.0) -> None:
        self.inner = inner
        self.info = inner.info
        self.capabilities = inner.capabilities
        self.interfaces = inner.interfaces
        self.timeout_s = timeout_s
        self.per_mib_s = per_mib_s  # the profile's allowance for large payloads
        self.limit_s = timeout_s  # the running operation's own limit
        self.current: str | None = None
        self.arguments: tuple[Any, ...] = ()
        self.started = 0.0
        self.overrun: str | None = None
        # Instance attributes bound once: a known-answer loop calls these
        # hundreds of thousands of times, so no lookup on the inner device per call.
        for name in OPERATIONS:
            setattr(self, name, self._guard(name, getattr(inner, name)))

    def _guard(self, name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        monotonic = time.monotonic

        def operation(*args: Any, **kwargs: Any) -> Any:
            if self.per_mib_s:
                self.limit_s = self.timeout_s + self.per_mib_s * payload_bytes(args) / 2**20
            self.arguments = args
            self.started = monotonic()
            self.current = name
            try:
                return call(*args, **kwargs)
            finally:
                self.current = None

        operation.__name__ = name
        return operation

    def close(self) -> None:
        self.inner.close()

    def trace_mark(self) -> None:
        self.inner.trace_mark()

    def trace_excerpt(self) -> dict[str, Any] | None:
        return self.inner.trace_excerpt()

    def diagnostics(self) -> dict[str, Any]:
        return self.inner.diagnostics()


class Watchdog:
    """Runs while a run runs; raises OperationTimeout in the main thread on an overrun."""

    def __init__(self, device: GuardedDevice) -> None:
        self.device = device
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="certkit-watchdog", daemon=True)
        self._main = threading.main_thread().ident
        self._enforced = threading.current_thread() is threading.main_thread()
        self._previous: Any = None

    def __enter__(self) -> Watchdog:
        if self._enforced:
            self._previous = signal.signal(_SIGNAL, self._on_signal)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._enforced:
            self._stop.set()
            self._thread.join()
            signal.signal(_SIGNAL, self._previous)

    def _watch(self) -> None:
        device = self.device
        interval = min(0.05, device.timeout_s / 4)
        fired_for = None
        while not self._stop.wait(interval):
            name, started = device.current, device.started
            if name is None or started == fired_for:
                continue
            if time.monotonic() - started > device.limit_s:
                fired_for = started
                device.overrun = name
                signal.pthread_kill(self._main, _SIGNAL)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        device = self.device
        name, device.overrun = device.overrun, None
        # The operation may have finished between the watchdog's look and now.
        if name is not None and device.current == name:
            raise OperationTimeout(f"hang: {describe(name, device.arguments)} exceeded "
                                   f"{device.limit_s:g} s (certkit's operation timeout; "
                                   "the device gave no answer)")


def payload_bytes(arguments: tuple[Any, ...]) -> int:
    return sum(len(value) for value in arguments if isinstance(value, bytes | bytearray))


def describe(operation: str, arguments: tuple[Any, ...]) -> str:
    """`digest SM3 of 4 MiB`: the operation, its algorithm and the size of its data."""
    algorithm = next((value for value in arguments if isinstance(value, str)), "")
    size = payload_bytes(arguments)
    if size >= 2**20:
        amount = f"{size / 2**20:g} MiB"
    elif size >= 1024:
        amount = f"{size / 1024:g} KiB"
    else:
        amount = f"{size} bytes"
    return f"{operation} {algorithm} of {amount}".replace("  ", " ")
