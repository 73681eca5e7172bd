"""Which native function a worker process is in, readable by its parent after a crash.

A driver over a vendor's C library (PKCS#11 now) wraps each native function so that it is
recorded as under way while it runs. In a worker process the record lives in shared memory,
so when the library kills the worker (a segfault, an abort) or never returns, the parent can
name the function ("crashed in C_Sign: signal 11") and say how long it has been running.
Outside a worker nothing is recorded and the functions are not wrapped at all.

The record is two numbers, cheap enough to write around every call: the monotonic time the
call began (0: none under way) and the function's number in the driver's table of names.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from multiprocessing import shared_memory
from typing import Any

SIZE = 16  # a double (start time) and a long (function number)


class NativeTrace:
    """The shared record: written by the worker, read by the parent."""

    def __init__(self, name: str | None = None) -> None:
        self.memory = (shared_memory.SharedMemory(create=True, size=SIZE) if name is None
                       else shared_memory.SharedMemory(name=name))
        self.owner = name is None  # a spawned worker shares its parent's resource tracker
        self._started = self.memory.buf[:8].cast("d")
        self._function = self.memory.buf[8:16].cast("q")
        if self.owner:
            self.clear()

    @property
    def name(self) -> str:
        return self.memory.name

    def clear(self) -> None:
        self._started[0] = 0.0

    def current(self, names: Sequence[str]) -> tuple[str, float] | None:
        """(function, seconds in it) of the native call under way, if any, its name looked
        up in `names` (the driver's table, which the parent knows too)."""
        started, number = self._started[0], self._function[0]
        if not started:
            return None
        name = names[number] if 0 <= number < len(names) else f"function #{number}"
        return name, time.monotonic() - started

    def wrap(self, number: int, function: Callable[..., Any]) -> Callable[..., Any]:
        """`function`, recorded as under way while it runs."""
        started, current, monotonic = self._started, self._function, time.monotonic

        def call(*args: Any) -> Any:
            current[0] = number
            started[0] = monotonic()
            result = function(*args)
            started[0] = 0.0
            return result

        return call

    def close(self) -> None:
        self._started.release()
        self._function.release()
        self.memory.close()
        if self.owner:
            self.memory.unlink()


# The record of this process when it is a worker (set before any device is opened).
active: NativeTrace | None = None
