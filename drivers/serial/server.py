"""Serving a `ProtocolModule` on a pseudo-terminal or TCP, with optional transport faults.

One host at a time: on a pty that is the nature of a serial line; on TCP a
second connection is closed at once while one is served. A host may close
and reopen: the pty stays, and TCP accepts the next connection. The
transport faults damage responses on their way out, at a given rate each,
so tests can prove that a correct module's verdicts survive a bad line.
"""

from __future__ import annotations

import contextlib
import enum
import os
import random
import select
import socket
import sys
import time
import tty
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .lineio import write_frame
from .module import ProtocolModule
from .protocol import SYNC, FrameParser, OutgoingFrame

READ_SIZE = 1 << 16
WRITE_DEADLINE_S = 5.0  # a host that stops reading loses the rest of a response, not the module
GARBAGE_MAX = 16


class TransportFault(enum.StrEnum):
    """What a bad line does to responses; each strikes a response with its own rate."""

    CORRUPT_CRC = "corrupt-crc"
    DROP = "drop-response"
    DELAY = "delay-response"
    GARBAGE = "garbage-before"
    BYTEWISE = "byte-at-a-time"


TRANSPORT_FAULT_HELP = {
    TransportFault.CORRUPT_CRC: "the response's CRC is wrong (the host retransmits)",
    TransportFault.DROP: "the response is never sent (the host times out and retransmits)",
    TransportFault.DELAY: "the response waits --delay seconds before it is sent",
    TransportFault.GARBAGE: f"1..{GARBAGE_MAX} noise bytes precede the response",
    TransportFault.BYTEWISE: "the response is written one byte per write",
}


@dataclass(frozen=True)
class TransportFaults:
    """Which transport faults strike, how often (0..1 per response), and their parameters."""

    rates: dict[TransportFault, float] = field(default_factory=dict)
    delay_s: float = 0.2
    seed: int | None = None

    def describe(self) -> str:
        return ", ".join(f"{fault}={rate:g}" for fault, rate in self.rates.items()) or "none"


class Channel(Protocol):
    def fileno(self) -> int: ...

    def read(self) -> bytes | None:
        """What arrived; None if nothing did after all, b"" if the host closed the line."""


class PtyChannel:
    """The master side of a pseudo-terminal; the host opens the slave's path."""

    def __init__(self, master: int) -> None:
        self.master = master
        os.set_blocking(master, False)

    def fileno(self) -> int:
        return self.master

    def read(self) -> bytes | None:
        try:
            return os.read(self.master, READ_SIZE) or None
        except OSError:
            return None  # the emulator holds the slave open, so the line itself never closes


class SocketChannel:
    """One accepted TCP connection."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        connection.setblocking(False)
        # Without this, Nagle would glue the byte-at-a-time fault's writes back together.
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def fileno(self) -> int:
        return self.connection.fileno()

    def read(self) -> bytes | None:
        try:
            return self.connection.recv(READ_SIZE)
        except BlockingIOError:
            return None
        except OSError:
            return b""


class HostGone(Exception):
    """The host closed its end of the line."""


class ModuleServer:
    """Answers one host at a time with a ProtocolModule, damaging responses as told."""

    def __init__(self, module: ProtocolModule, faults: TransportFaults = TransportFaults(),
                 log: Callable[[str], None] | None = None) -> None:
        self.module = module
        self.faults = faults
        self.injected: Counter[str] = Counter()
        self._random = random.Random(faults.seed)
        self._log = log or (lambda text: print(f"certkit emulate serial: {text}",
                                                file=sys.stderr, flush=True))

    def summary(self) -> str:
        stats = self.module.stats
        injected = ", ".join(f"{name} {count}" for name, count in sorted(self.injected.items()))
        return (f"{stats.executed} requests executed, {stats.cached} answered from the cache, "
                f"{stats.naks} NAKs; injected: {injected or 'nothing'}")

    # -- transports -------------------------------------------------------------

    def serve_pty(self, announce: Callable[[str], None], link: Path | None = None) -> None:
        """Serve on a new pseudo-terminal until interrupted; announce the path hosts open."""
        master, slave = os.openpty()
        # Raw mode: no echo, no line editing, no CR/LF translation, whatever
        # the host does or does not set. The emulator keeps the slave open so
        # the pty survives a host that closes and reopens it.
        tty.setraw(slave)
        path = os.ttyname(slave)
        try:
            with self._symlink(link, path):
                self._log(f"serving {path}" + (f" (link {link})" if link else "")
                          + f"; transport faults: {self.faults.describe()}")
                announce(str(link) if link else path)
                channel = PtyChannel(master)
                while True:
                    with contextlib.suppress(HostGone):
                        self._serve(channel)
        finally:
            os.close(master)
            os.close(slave)

    def serve_tcp(self, port: int, announce: Callable[[str], None]) -> None:
        """Serve on 127.0.0.1:port (0 picks one) until interrupted, one connection at a time."""
        with socket.create_server(("127.0.0.1", port)) as listener:
            url = f"socket://127.0.0.1:{listener.getsockname()[1]}"
            self._log(f"serving {url}; transport faults: {self.faults.describe()}")
            announce(url)
            while True:
                connection, peer = listener.accept()
                self._log(f"host connected from {peer[0]}:{peer[1]}")
                self.module.forget()
                with connection, contextlib.suppress(HostGone):
                    self._serve(SocketChannel(connection), listener)

    @contextlib.contextmanager
    def _symlink(self, link: Path | None, path: str) -> Iterator[None]:
        if link is None:
            yield
            return
        if link.exists() and not link.is_symlink():
            # A stale link from a killed emulator is replaced; anything else is not ours.
            raise FileExistsError(f"--link {link}: exists and is not a symlink")
        temporary = link.with_name(f".{link.name}.{os.getpid()}")
        os.symlink(path, temporary)
        os.replace(temporary, link)
        try:
            yield
        finally:
            with contextlib.suppress(FileNotFoundError):
                if os.readlink(link) == path:
                    link.unlink()

    # -- the line ---------------------------------------------------------------

    def _serve(self, channel: Channel, listener: socket.socket | None = None) -> None:
        parser = FrameParser(self.module.max_payload)
        watched: list[object] = [channel] if listener is None else [channel, listener]
        while True:
            expires = parser.expires_at
            wait = None if expires is None else max(0.0, expires - time.monotonic())
            ready, _, _ = select.select(watched, [], [], wait)
            now = time.monotonic()
            if listener is not None and listener in ready:
                intruder, _ = listener.accept()
                intruder.close()  # one host at a time
                self._log("refused a second host while one is connected")
            # Expiry first: bytes that come after the second is up must not
            # complete the frame, however late this loop got to run.
            events = parser.expire(now)
            if channel in ready:
                data = channel.read()
                if data == b"":
                    return  # the host closed the line; wait for the next one
                events += parser.feed(data or b"", now)
            for event in events:
                response = self.module.receive(event)
                if response is not None:
                    self._send(channel, response)

    def _strikes(self, fault: TransportFault) -> bool:
        rate = self.faults.rates.get(fault, 0.0)
        if rate and self._random.random() < rate:
            self.injected[fault] += 1
            return True
        return False

    def _send(self, channel: Channel, frame: OutgoingFrame) -> None:
        pieces: list[OutgoingFrame | bytes] = [frame]
        if self.faults.rates:
            if self._strikes(TransportFault.DROP):
                return
            pieces = self._damage(frame)
        try:
            for piece in pieces:
                write_frame(channel.fileno(), piece, time.monotonic() + WRITE_DEADLINE_S)
        except OSError as exc:
            raise HostGone(str(exc)) from None

    def _damage(self, frame: OutgoingFrame) -> list[OutgoingFrame | bytes]:
        """What a bad line makes of a response: the writes that go out instead."""
        pieces: list[OutgoingFrame | bytes] = [frame]
        if self._strikes(TransportFault.CORRUPT_CRC):
            data = bytes(frame)
            bad_crc = int.from_bytes(data[-2:], "big") ^ self._random.randrange(1, 0x10000)
            pieces = [data[:-2] + bad_crc.to_bytes(2, "big")]
        if self._strikes(TransportFault.GARBAGE):
            pieces = [self._garbage() + bytes(pieces[0])]
        if self._strikes(TransportFault.DELAY):
            time.sleep(self.faults.delay_s)
        if self._strikes(TransportFault.BYTEWISE):
            data = bytes(pieces[0])
            pieces = [data[offset:offset + 1] for offset in range(len(data))]
        return pieces

    def _garbage(self) -> bytes:
        """Noise without a SYNC in it (a false SYNC is the parser tests' business, and would
        cost a full response timeout here); it may end in A5, half a SYNC."""
        size = self._random.randint(1, GARBAGE_MAX)
        noise = bytearray(self._random.getrandbits(8) for _ in range(size))
        while (found := noise.find(SYNC)) >= 0:
            noise[found + 1] ^= 0xFF
        return bytes(noise)
