"""Writing a frame to a non-blocking descriptor (a pty, a tty, a socket) by a deadline.

Shared by the host's link and the emulator's server. A long frame's body
goes out first and its CRC is computed after the first write, while the
reader is busy draining the line: on a pty, which moves a few KiB per
wakeup, that hides the CRC of a 60 KiB frame entirely.
"""

from __future__ import annotations

import contextlib
import os
import select
import time

from .protocol import OutgoingFrame

STREAM_FROM = 16 * 1024  # shorter frames go in one write, CRC included


def write_frame(fd: int, frame: OutgoingFrame | bytes, deadline: float) -> bool:
    """Write all of `frame`; False if the reader stopped draining before the deadline.

    OSError (the other end is gone) propagates to the caller.
    """
    if isinstance(frame, bytes):
        return _write_all(fd, memoryview(frame), deadline, None)
    if len(frame) < STREAM_FROM:
        return _write_all(fd, memoryview(bytes(frame)), deadline, None)
    return _write_all(fd, memoryview(frame.body), deadline, frame)


def _write_all(fd: int, view: memoryview, deadline: float,
               unsealed: OutgoingFrame | None) -> bool:
    while True:
        with contextlib.suppress(BlockingIOError):
            view = view[os.write(fd, view):]
        if unsealed is not None:
            crc = unsealed.crc  # computed now, while the reader drains what went out
            unsealed = None
            view = memoryview(bytes(view) + crc) if view else memoryview(crc)
            continue
        if not view:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        select.select([], [fd], [], remaining)
