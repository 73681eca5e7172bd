"""Bit sequences as the statistics take them: one uint8 per bit, 0 or 1, MSB of each byte first."""

from __future__ import annotations

import numpy as np

ASCII_BITS = np.full(256, 255, dtype=np.uint8)
ASCII_BITS[ord("0")] = 0
ASCII_BITS[ord("1")] = 1


def from_bytes(data: bytes | bytearray | memoryview | np.ndarray,
               n: int | None = None) -> np.ndarray:
    """Expand bytes to bits, most significant bit of each byte first (GM/T 0005 and NIST order)."""
    raw = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    bits = np.unpackbits(raw)
    if n is not None:
        if n > bits.size:
            raise ValueError(f"{n} bits asked of {bits.size}")
        bits = bits[:n]
    return bits


def from_text(text: str | bytes) -> np.ndarray:
    """Read '0'/'1' characters; whitespace is skipped and anything else is an error."""
    raw = np.frombuffer(text.encode("ascii") if isinstance(text, str) else text, dtype=np.uint8)
    values = ASCII_BITS[raw]
    stray = values == 255
    if stray.any():
        others = set(raw[stray].tobytes()) - set(b" \t\r\n")
        if others:
            shown = ", ".join(repr(chr(c)) for c in sorted(others)[:5])
            raise ValueError(f"not an ASCII bit string: found {shown}")
        values = values[~stray]
    return values


def to_bytes(bits: np.ndarray) -> bytes:
    """Pack bits (MSB first) into bytes; a partial last byte is padded with zeros."""
    return np.packbits(bits.astype(np.uint8, copy=False)).tobytes()
