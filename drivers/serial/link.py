"""The host's half of the serial line: one request at a time, retransmitted until answered.

`Link` owns the pyserial port. It frames a request with a fresh SEQ, waits
for the response with that SEQ and CMD | 0x80, discards everything else, and
retransmits the identical frame at once after a NAK or a bad-CRC response for
this SEQ, or after a response timeout, at most `retries` times; then the
device is `Unreachable`. A port that fails (unplugged, peer gone) is
`Unreachable` at once: there is nothing left to retransmit on.
"""

from __future__ import annotations

import collections
import enum
import os
import select
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import serial

from certkit.errors import ConfigError, Unreachable
from certkit.url import DeviceURL

from .lineio import write_frame
from .protocol import (
    MAX_LEN,
    MIN_FRAME,
    NAK,
    RESPONSE_BIT,
    SLOW_COMMANDS,
    BadFrame,
    Frame,
    FrameParser,
    OutgoingFrame,
    Oversize,
    ParseEvent,
    Skipped,
    describe_command,
)

BITS_PER_BYTE = 10  # 8N1: start bit, 8 data bits, stop bit
TRACE_HEAD = 16  # records kept from the start of an excerpt window
TRACE_TAIL = 48  # and from its end
TRACE_BYTES = 256  # bytes of each record kept (its length is always kept)
READ_SIZE = 1 << 16
POLL_SLICE_S = 0.01  # how long one pyserial read may block, for ports without a descriptor


@dataclass(frozen=True)
class LinkOptions:
    """certkit's options from the `serial:` URL query."""

    baud: int = 115200
    timeout_s: float = 2.0
    slow_timeout_s: float = 10.0
    retries: int = 3
    trace: bool = False

    @classmethod
    def from_url(cls, url: DeviceURL) -> LinkOptions:
        """Read and check the options; a bad value is a ConfigError naming the option."""
        return cls(
            baud=_number(url, "baud", int, cls.baud, 1, 10_000_000),
            timeout_s=_number(url, "timeout", float, cls.timeout_s, 0.001, 3600),
            slow_timeout_s=_number(url, "slow-timeout", float, cls.slow_timeout_s, 0.001, 3600),
            retries=_number(url, "retries", int, cls.retries, 0, 100),
            trace=_number(url, "trace", int, 0, 0, 1) == 1,
        )

    def transfer_s(self, size: int) -> float:
        """Time to move `size` bytes at the line's baud rate (ignored by a pty, kept for UARTs)."""
        return size * BITS_PER_BYTE / self.baud


def _number(url: DeviceURL, name: str, kind: type, default: Any, minimum: float,
            maximum: float) -> Any:
    text = url.get(name)
    if text is None:
        return default
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not minimum <= value <= maximum:  # NaN fails every comparison
        raise ConfigError(f"serial: option {name}={text!r} must be a {kind.__name__} "
                          f"{minimum:g}..{maximum:g}")
    return value


@dataclass
class LinkStats:
    """What the line did: the robustness rules at work, for tests and diagnostics."""

    requests: int = 0
    retransmissions: int = 0
    timeouts: int = 0
    naks: int = 0
    bad_frames: int = 0  # responses for the outstanding SEQ with a bad CRC or VER
    discarded: int = 0  # frames that did not answer the outstanding request
    skipped_bytes: int = 0  # bytes outside any frame

    def attempt_failure_rate(self) -> float:
        """The share of transmissions that got no usable answer (bad CRC, NAK, silence)."""
        attempts = self.requests + self.retransmissions
        failed = self.bad_frames + self.naks + self.timeouts
        return failed / attempts if attempts else 0.0

    def advice(self, retries: int) -> str:
        """What the line showed so far, and the `retries=` that would carry it: the smallest
        count with which losing every attempt of one request, over ten times the requests
        made so far, is less likely than one in a thousand."""
        rate = self.attempt_failure_rate()
        shown = (f"the link so far: {self.requests} requests, {self.bad_frames} bad CRC/VER, "
                 f"{self.timeouts} timeouts, {self.naks} NAKs ({rate:.1%} of transmissions "
                 "failed)")
        if rate <= 0 or rate >= 1:
            return shown + "; check the cable, the port and the baud rate"
        needed = retries
        while needed < 100 and 10 * max(self.requests, 100) * rate ** (needed + 1) >= 1e-3:
            needed += 1
        hint = f"retries={needed}" if needed > retries else f"retries={retries + 1}"
        if self.timeouts:
            hint += " (or a longer timeout=, if answers arrive late)"
        return f"{shown}; {hint} would carry a line like this"


@dataclass(slots=True)
class _Record:
    started: float
    direction: str
    data: bytes  # the first TRACE_BYTES of it
    size: int
    ended: float


class WireTrace:
    """Bytes exchanged, with timestamps, kept for a failing case's evidence.

    Bounded: of the records since `mark()`, the first TRACE_HEAD and the last
    TRACE_TAIL are kept, each cut to TRACE_BYTES (its full length noted), so a
    long case costs constant memory and its excerpt still shows how the case
    began and how it ended.
    """

    def __init__(self) -> None:
        self._anchor_wall = time.time()
        self._anchor = time.perf_counter()
        self._head: list[_Record] = []
        self._tail: collections.deque[_Record] = collections.deque(maxlen=TRACE_TAIL)
        self._total = 0

    def mark(self) -> None:
        """Start a new excerpt window (the runner calls this as a case begins)."""
        self._head = []
        self._tail.clear()
        self._total = 0

    def record(self, direction: str, data: bytes) -> None:
        now = time.perf_counter()
        last = self._tail[-1] if self._tail else (self._head[-1] if self._head else None)
        if last is not None and last.direction == direction == Link.MODULE_TO_HOST:
            # Consecutive reads are one record, however the line chunked the response.
            last.data += data[:max(0, TRACE_BYTES - len(last.data))]
            last.size += len(data)
            last.ended = now
            return
        entry = _Record(now, direction, data[:TRACE_BYTES], len(data), now)
        self._total += 1
        if len(self._head) < TRACE_HEAD:
            self._head.append(entry)
        else:
            self._tail.append(entry)

    def excerpt(self) -> dict[str, Any]:
        """The window's records as plain data: time, direction, size and hex of each."""
        kept = self._head + list(self._tail)
        return {
            "records": [self._render(entry) for entry in kept],
            "omitted": self._total - len(kept),
            "truncated_to_bytes": TRACE_BYTES,
        }

    def _render(self, entry: _Record) -> dict[str, Any]:
        wall = datetime.fromtimestamp(self._anchor_wall + entry.started - self._anchor, UTC)
        return {"t": wall.isoformat(timespec="microseconds"),
                "duration_ms": round((entry.ended - entry.started) * 1000, 3),
                "dir": entry.direction, "size": entry.size, "hex": entry.data.hex()}


class Outcome(enum.Enum):
    """Why a wait for the response ended without one."""

    NAK = "NAK"
    BAD_FRAME = "response with a bad CRC or VER"
    TIMEOUT = "response timeout"


class Link:
    """One request at a time over a pyserial port, with the protocol's retransmission rules."""

    HOST_TO_MODULE = "host>module"
    MODULE_TO_HOST = "module>host"

    def __init__(self, port: serial.SerialBase, options: LinkOptions) -> None:
        self.port = port
        self.options = options
        self.max_payload = MAX_LEN  # until INFO says otherwise
        self.stats = LinkStats()
        self.trace = WireTrace() if options.trace else None
        self._parser = FrameParser(MAX_LEN)
        self._pending: collections.deque[ParseEvent] = collections.deque()
        # A random first SEQ keeps a reopened session from repeating, byte for
        # byte, the last request the module cached from the previous one.
        self._seq = os.urandom(1)[0]
        # Ports with a file descriptor (a tty, a pty, a TCP socket; pyserial opens
        # them non-blocking) are read and written on it directly, waiting with
        # select on the exact deadline: pyserial's own read and write add a
        # select per call, which a round trip of a few tens of microseconds
        # feels. Other pyserial ports are driven through pyserial in short slices.
        try:
            self._fd: int | None = port.fileno()
        except (AttributeError, OSError, NotImplementedError):
            self._fd = None
        self._write_timeout_s = options.slow_timeout_s + options.transfer_s(MIN_FRAME + MAX_LEN)
        port.timeout = POLL_SLICE_S

    @classmethod
    def open(cls, target: str, options: LinkOptions) -> Link:
        """Open the port pyserial names `target`; Unreachable if it cannot be opened."""
        largest = MIN_FRAME + MAX_LEN
        try:
            port = serial.serial_for_url(
                target, baudrate=options.baud, timeout=POLL_SLICE_S, exclusive=True,
                write_timeout=options.slow_timeout_s + options.transfer_s(largest))
        except ValueError as exc:
            raise ConfigError(f"serial: cannot open {target!r}: {exc}") from None
        except (serial.SerialException, OSError) as exc:
            raise Unreachable(f"cannot open {target}: {exc}") from None
        return cls(port, options)

    def set_max_payload(self, max_payload: int) -> None:
        self.max_payload = max_payload
        self._parser.max_payload = max_payload

    def close(self) -> None:
        self.port.close()

    def exchange(self, cmd: int, payload: bytes, *, response_size: int = 64) -> Frame:
        """Send one request and return its response frame (STATUS and fields in the payload).

        `response_size` estimates the response payload, for the transfer-time
        allowance on slow lines.
        """
        self.stats.requests += 1
        # Stop-and-wait: nothing buffered now can answer the request about to go
        # out, and a stale half-frame would swallow its response.
        self.stats.skipped_bytes += self._parser.reset()
        self.stats.discarded += len(self._pending)
        self._pending.clear()
        self._seq = (self._seq + 1) & 0xFF
        seq = self._seq
        frame = OutgoingFrame(seq, cmd, payload)
        base = self.options.slow_timeout_s if cmd in SLOW_COMMANDS else self.options.timeout_s
        timeout = base + self.options.transfer_s(len(frame) + MIN_FRAME + response_size)
        failures: list[str] = []
        while True:
            self._send(frame)
            answer = self._await(seq, cmd | RESPONSE_BIT, time.monotonic() + timeout)
            if isinstance(answer, Frame):
                return answer
            failures.append(answer.value)
            if len(failures) > self.options.retries:
                raise Unreachable(
                    f"{describe_command(cmd)} (SEQ {seq}) unanswered after "
                    f"{self.options.retries} retransmission(s): {', '.join(failures)}; "
                    f"{self.stats.advice(self.options.retries)}")
            self.stats.retransmissions += 1
            if answer is Outcome.TIMEOUT:
                # Whatever half-frame is buffered would swallow the next response.
                self._parser.reset()

    def _send(self, frame: OutgoingFrame) -> None:
        # A module that stops draining the line leaves the write unfinished; the
        # response timeout that follows treats it like any other silence.
        try:
            if self._fd is None:
                self.port.write(bytes(frame))
            else:
                write_frame(self._fd, frame, time.monotonic() + self._write_timeout_s)
        except serial.SerialTimeoutException:
            pass
        except (serial.SerialException, OSError) as exc:
            raise Unreachable(f"port {self.port.port} failed: {exc}") from None
        if self.trace is not None:
            self.trace.record(self.HOST_TO_MODULE, bytes(frame))

    def _await(self, seq: int, response_cmd: int, deadline: float) -> Frame | Outcome:
        """Read until the response arrives, a NAK or bad frame for this SEQ, or the deadline."""
        parser, stats, events = self._parser, self.stats, self._pending
        while True:
            while events:
                event = events.popleft()  # what follows a NAK is kept for the next wait
                if isinstance(event, Frame):
                    if event.seq == seq and event.cmd == response_cmd:
                        return event
                    if event.seq == seq and event.cmd == NAK:
                        stats.naks += 1
                        return Outcome.NAK
                    stats.discarded += 1  # stale, or for another request
                elif isinstance(event, BadFrame):
                    if event.seq == seq:
                        stats.bad_frames += 1
                        return Outcome.BAD_FRAME
                    stats.discarded += 1
                elif isinstance(event, Skipped):
                    stats.skipped_bytes += event.count
                elif isinstance(event, Oversize):
                    stats.skipped_bytes += 2
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                stats.timeouts += 1
                return Outcome.TIMEOUT
            data = self._read(parser.wanted(), remaining)
            if data and self.trace is not None:
                self.trace.record(self.MODULE_TO_HOST, data)
            events.extend(parser.feed(data))

    def _read(self, wanted: int, remaining: float) -> bytes:
        try:
            if self._fd is None:
                return self.port.read(wanted)
            ready, _, _ = select.select([self._fd], [], [], remaining)
            if not ready:
                return b""
            try:
                data = os.read(self._fd, READ_SIZE)
            except BlockingIOError:
                return b""
        except (serial.SerialException, OSError) as exc:
            raise Unreachable(f"port {self.port.port} failed: {exc}") from None
        if not data:  # readable yet empty: the other end is gone (a closed socket or pty)
            raise Unreachable(f"port {self.port.port}: the other end closed the line")
        return data
