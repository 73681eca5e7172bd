"""Which native function a worker process is in, readable by its parent after a crash.

A driver over a vendor's C library (PKCS#11 now) calls `enter(name)` before each native
call and `leave()` after it. In a worker process the record lives in shared memory, so
when the library kills the worker (a segfault, an abort) or never returns, the parent can
name the function ("crashed in C_Sign: signal 11") and how long it has been running. In
any other process there is no record and the calls cost a global lookup.
"""

from __future__ import annotations

import struct
import time
from multiprocessing import shared_memory

_LAYOUT = struct.Struct("d48s")  # monotonic start time (0: none), function name
SIZE = _LAYOUT.size


class NativeTrace:
    """The shared record: written by the worker, read by the parent."""

    def __init__(self, name: str | None = None) -> None:
        self.memory = (shared_memory.SharedMemory(create=True, size=SIZE) if name is None
                       else shared_memory.SharedMemory(name=name))
        self.owner = name is None  # a spawned worker shares its parent's resource tracker
        if self.owner:
            self.clear()

    @property
    def name(self) -> str:
        return self.memory.name

    def clear(self) -> None:
        _LAYOUT.pack_into(self.memory.buf, 0, 0.0, b"")

    def enter(self, function: str) -> None:
        _LAYOUT.pack_into(self.memory.buf, 0, time.monotonic(), function.encode()[:48])

    def leave(self) -> None:
        _LAYOUT.pack_into(self.memory.buf, 0, 0.0, b"")

    def current(self) -> tuple[str, float] | None:
        """(function, seconds in it) of the native call under way, if any."""
        started, raw = _LAYOUT.unpack_from(self.memory.buf, 0)
        if not started:
            return None
        return raw.rstrip(b"\0").decode(errors="replace"), time.monotonic() - started

    def close(self) -> None:
        self.memory.close()
        if self.owner:
            self.memory.unlink()


# The record of this process, when it is a worker; drivers check it before each call.
active: NativeTrace | None = None


def enter(function: str) -> None:
    if active is not None:
        active.enter(function)


def leave() -> None:
    if active is not None:
        active.leave()
