"""The bytes of serial-protocol.md version 1: frames, CRC, fields, codes, and a frame parser.

Host (`host.py`) and module (`module.py`) share this module, so both sides
read and write the wire with the same code. Nothing here does I/O: the
parser is fed whatever bytes arrived and answers frames and parse events.
"""

from __future__ import annotations

import binascii
import enum
from dataclasses import dataclass
from functools import lru_cache

SYNC = b"\xa5\x5a"
VERSION = 0x01
HEADER_SIZE = 7  # SYNC, VER, SEQ, CMD, LEN
CRC_SIZE = 2
MIN_FRAME = HEADER_SIZE + CRC_SIZE
MAX_LEN = 0xFFFF
RESPONSE_BIT = 0x80
NAK = 0xFF
NAK_PAYLOAD = b"\x03"  # STATUS BAD_FRAME, the only payload a NAK carries
INCOMPLETE_FRAME_S = 1.0  # a frame that stays incomplete this long after its last byte is dropped


class Command(enum.IntEnum):
    """Request command codes; a response carries `code | 0x80`."""

    INFO = 0x01
    SELFTEST = 0x02
    STATE = 0x03
    RESET = 0x04
    FORCE_ERROR = 0x05
    RANDOM = 0x10
    SM3 = 0x20
    HMAC_SM3 = 0x21
    SM4_ENCRYPT = 0x30
    SM4_DECRYPT = 0x31
    SM4_GCM_ENCRYPT = 0x32
    SM4_GCM_DECRYPT = 0x33
    SM2_GENERATE = 0x40
    SM2_IMPORT = 0x41
    SM2_SIGN = 0x42
    SM2_VERIFY = 0x43
    SM2_ENCRYPT = 0x44
    SM2_DECRYPT = 0x45
    SM2_EXPORT = 0x46
    SM2_DESTROY = 0x47
    ZUC_KEYSTREAM = 0x50


# The module answers these within 5 s instead of 1 s; the host waits 10 s instead of 2 s.
SLOW_COMMANDS = frozenset({Command.SELFTEST, Command.RESET, Command.SM2_GENERATE})
# Commands that keep working in the error state ("every defined command from RANDOM on" fails).
FIRST_CRYPTO_COMMAND = Command.RANDOM


class Status(enum.IntEnum):
    OK = 0x00
    UNKNOWN_COMMAND = 0x01
    BAD_PARAMETER = 0x02
    BAD_FRAME = 0x03
    AUTH_FAILED = 0x04
    NO_SUCH_KEY = 0x05
    ERROR_STATE = 0x06
    UNSUPPORTED = 0x07
    DENIED = 0x08
    INTERNAL = 0x09


class Sm4Mode(enum.IntEnum):
    """The mode byte of SM4_ENCRYPT and SM4_DECRYPT."""

    ECB = 0x01
    CBC = 0x02
    CTR = 0x03
    OFB = 0x04
    CFB = 0x05

    @property
    def algorithm(self) -> str:
        return f"SM4-{self.name}"


SM4_MODE_BY_ALGORITHM = {mode.algorithm: mode for mode in Sm4Mode}

# Every name an INFO `algorithms` list may hold, in the protocol's own order.
PROTOCOL_ALGORITHMS: tuple[str, ...] = (
    "SM3", "HMAC-SM3", "SM4-ECB", "SM4-CBC", "SM4-CTR", "SM4-OFB", "SM4-CFB", "SM4-GCM",
    "SM2-SIGN", "SM2-VERIFY", "SM2-ENCRYPT", "SM2-DECRYPT", "SM2-GENERATE", "SM2-IMPORT",
    "RANDOM", "ZUC",
)

SM2_PUBLIC_SIZE = 65
SM2_SIGNATURE_SIZE = 64
HANDLE_SIZE = 2
KEY_SIZE = 16
BLOCK = 16
TAG_SIZE = 16
DIGEST_SIZE = 32


# -- CRC ------------------------------------------------------------------------

# x has multiplicative order 32767 modulo the CCITT polynomial
# x^16 + x^12 + x^5 + 1 = (x + 1)(a primitive polynomial of degree 15), so
# x^32767 = 1 and the remainder of a long message equals the remainder of its
# 32767-bit folds XORed together. Folding with Python's big-integer shifts is
# cheap, so a 64 KiB frame costs a 4 KiB table-driven CRC plus the folds:
# 60 us instead of 140 us here, paid on every bulk frame by each side.
_CRC_PERIOD_BITS = 32767
_FOLD_THRESHOLD = 8192
_FOLDED_BYTES = (_CRC_PERIOD_BITS + 7) // 8


@lru_cache(maxsize=512)
def _init_term(length: int) -> int:
    """The init value's contribution to the CRC of `length` bytes (it depends on length only)."""
    # x^(8 * length) repeats with period 32767 in `length` as well (gcd(8, 32767) = 1).
    return binascii.crc_hqx(bytes(length % _CRC_PERIOD_BITS), 0xFFFF)


def crc16(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), the frame check of the protocol."""
    length = len(data)
    if length < _FOLD_THRESHOLD:
        return binascii.crc_hqx(data, 0xFFFF)
    value = int.from_bytes(data, "big")
    span = _CRC_PERIOD_BITS
    while span * 2 < length * 8:
        span *= 2
    while span >= _CRC_PERIOD_BITS:  # each fold halves the width, so the total is linear
        if value.bit_length() > span:
            value = (value >> span) ^ (value & ((1 << span) - 1))
        span //= 2
    folded = value.to_bytes(_FOLDED_BYTES, "big")
    return binascii.crc_hqx(folded, 0) ^ _init_term(length)


# -- frames and fields ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Frame:
    """One well-formed frame: SEQ, CMD and the payload between LEN and CRC."""

    seq: int
    cmd: int
    payload: bytes

    def encode(self) -> bytes:
        return encode_frame(self.seq, self.cmd, self.payload)


def encode_frame(seq: int, cmd: int, payload: bytes | bytearray | memoryview) -> bytes:
    """The frame's bytes on the wire: SYNC, VER, SEQ, CMD, LEN, PAYLOAD, CRC."""
    return bytes(OutgoingFrame(seq, cmd, payload))


class OutgoingFrame:
    """A frame on its way out, whose CRC is computed when first asked for.

    A writer sends a long frame's body first and asks for the CRC while the
    reader is still busy with the body, so the CRC costs no time on the line;
    a retransmission reuses it.
    """

    __slots__ = ("_crc", "body")

    def __init__(self, seq: int, cmd: int, payload: bytes | bytearray | memoryview) -> None:
        length = len(payload)
        if not 0 <= seq <= 0xFF or not 0 <= cmd <= 0xFF or length > MAX_LEN:
            raise ValueError(f"cannot frame SEQ {seq}, CMD {cmd}, {length}-byte payload")
        self.body = b"".join((SYNC, bytes((VERSION, seq, cmd, length >> 8, length & 0xFF)),
                              payload))
        self._crc: bytes | None = None

    @property
    def crc(self) -> bytes:
        if self._crc is None:
            self._crc = crc16(memoryview(self.body)[2:]).to_bytes(2, "big")
        return self._crc

    def __bytes__(self) -> bytes:
        return self.body + self.crc

    def __len__(self) -> int:
        return len(self.body) + CRC_SIZE


def nak(seq: int) -> bytes:
    """The NAK a module answers to a frame it could not read (bad CRC, VER or LEN)."""
    return encode_frame(seq, NAK, NAK_PAYLOAD)


def encode_fields(*fields: bytes | bytearray | memoryview) -> bytes:
    """Concatenate fields, each as a 2-byte big-endian length and its bytes."""
    parts: list[bytes | bytearray | memoryview] = []
    for value in fields:
        if len(value) > MAX_LEN:
            raise ValueError(f"a field holds at most {MAX_LEN} bytes, not {len(value)}")
        parts.append(len(value).to_bytes(2, "big"))
        parts.append(value)
    return b"".join(parts)


class FieldError(ValueError):
    """A payload that is not a whole sequence of length-prefixed fields."""


def decode_fields(payload: bytes | memoryview) -> list[bytes]:
    """Split a payload into its fields; FieldError if a length runs past the end."""
    view = memoryview(payload)
    fields = []
    offset, end = 0, len(view)
    while offset < end:
        if end - offset < 2:
            raise FieldError(f"one stray byte after {len(fields)} field(s)")
        size = view[offset] << 8 | view[offset + 1]
        offset += 2
        if offset + size > end:
            raise FieldError(f"field {len(fields) + 1} claims {size} bytes, "
                             f"{end - offset} remain")
        fields.append(bytes(view[offset:offset + size]))
        offset += size
    return fields


def uint(value: int, size: int) -> bytes:
    return value.to_bytes(size, "big")


# -- the incremental parser ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BadFrame:
    """A complete frame whose CRC or VER is wrong; it was discarded as its LEN delimits it."""

    seq: int
    cmd: int
    reason: str


@dataclass(frozen=True, slots=True)
class Oversize:
    """A header whose LEN exceeds max_payload; scanning resumed right after its SYNC."""

    seq: int
    length: int


@dataclass(frozen=True, slots=True)
class Skipped:
    """Bytes discarded while looking for a SYNC."""

    count: int


@dataclass(frozen=True, slots=True)
class Expired:
    """An incomplete frame dropped after INCOMPLETE_FRAME_S without a byte."""

    count: int


ParseEvent = Frame | BadFrame | Oversize | Skipped | Expired


class FrameParser:
    """Turns a byte stream into frames and parse events, for either side of the line.

    Feed it whatever arrived; it never raises on content and never holds more
    than one frame's worth of bytes (max_payload bounds that). Rules, from the
    protocol's "Frame" section: bytes before a SYNC are discarded; a LEN over
    max_payload drops that SYNC and scanning resumes right after it; a frame
    with a bad CRC or VER is discarded whole, as LEN delimits it.
    """

    def __init__(self, max_payload: int = MAX_LEN) -> None:
        self.max_payload = max_payload
        self._buffer = bytearray()
        self._last_byte_at = 0.0

    def feed(self, data: bytes | bytearray | memoryview, now: float = 0.0) -> list[ParseEvent]:
        """Add bytes that arrived at time `now`; return what they completed, in order."""
        if data:
            self._buffer += data
            self._last_byte_at = now
        return self._scan()

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    @property
    def expires_at(self) -> float | None:
        """When the incomplete frame in the buffer will be dropped, if there is one."""
        return self._last_byte_at + INCOMPLETE_FRAME_S if self._buffer else None

    def wanted(self) -> int:
        """How many more bytes must arrive before `feed` can complete anything (at least 1).

        A reader may block for this many bytes without ever reading past the
        frame in progress.
        """
        buffer = self._buffer
        if len(buffer) < HEADER_SIZE:
            return MIN_FRAME - len(buffer)
        length = buffer[5] << 8 | buffer[6]
        return max(1, HEADER_SIZE + length + CRC_SIZE - len(buffer))

    def expire(self, now: float) -> list[ParseEvent]:
        """Drop a frame left incomplete for INCOMPLETE_FRAME_S; rescan what followed its SYNC."""
        if not self._buffer or now - self._last_byte_at < INCOMPLETE_FRAME_S:
            return []
        if self._buffer[:2] != SYNC:  # a lone A5 that may have begun a SYNC
            return [Expired(self.reset())]
        # A false SYNC in noise may claim a LEN that swallows a real frame; the
        # bytes after it get a second look rather than being thrown away.
        self._drop(2)
        return [Expired(2), *self._scan()]

    def reset(self) -> int:
        """Forget everything buffered (after a timeout, or a new host); return how much."""
        count = len(self._buffer)
        self._drop(count)
        return count

    def _drop(self, count: int) -> None:
        del self._buffer[:count]

    def _scan(self) -> list[ParseEvent]:
        buffer = self._buffer
        events: list[ParseEvent] = []
        while buffer:
            start = buffer.find(SYNC)
            if start < 0:
                # Keep a final A5: it may be the first half of a SYNC still on the way.
                dropped = len(buffer) - (buffer[-1] == SYNC[0])
                if dropped:
                    self._drop(dropped)
                    events.append(Skipped(dropped))
                break
            if start:
                self._drop(start)
                events.append(Skipped(start))
            if len(buffer) < HEADER_SIZE:
                break
            seq, cmd = buffer[3], buffer[4]
            length = buffer[5] << 8 | buffer[6]
            if length > self.max_payload:
                self._drop(2)
                events.append(Oversize(seq, length))
                continue
            end = HEADER_SIZE + length
            if len(buffer) < end + CRC_SIZE:
                break
            with memoryview(buffer) as view:
                good_crc = crc16(view[2:end]) == (buffer[end] << 8 | buffer[end + 1])
                payload = bytes(view[HEADER_SIZE:end]) if good_crc else b""
            version = buffer[2]
            self._drop(end + CRC_SIZE)
            if not good_crc:
                events.append(BadFrame(seq, cmd, "CRC"))
            elif version != VERSION:
                events.append(BadFrame(seq, cmd, f"VER {version:#04x}"))
            else:
                events.append(Frame(seq, cmd, payload))
        return events


def describe_command(cmd: int) -> str:
    """A readable name for a CMD byte, for messages and traces."""
    if cmd == NAK:
        return "NAK"
    base, response = cmd & ~RESPONSE_BIT, cmd & RESPONSE_BIT
    try:
        name = Command(base).name
    except ValueError:
        name = f"CMD {base:#04x}"
    return f"{name} response" if response else name


PROTOCOL_VERSION = 1  # the INFO object's "protocol" field, serial-protocol.md
