"""Defective random number generators for the emulator's RANDOM faults: what a module with
a biased noise source or a linear generator in place of a DRBG would answer."""

from __future__ import annotations

import os

import numpy as np

# P(bit = 1) = 0.502: 16-bit uniform draws below this threshold are ones.
_BIASED_THRESHOLD = round(0.502 * 65536)
# x^127 + x + 1 is primitive: s[n] = s[n - 126] ^ s[n - 127], so up to 126 bits of
# output follow from the 127 before them in one vector operation.
_DEGREE, _STEP = 127, 126


def biased_bytes(length: int) -> bytes:
    draws = np.frombuffer(os.urandom(16 * length), dtype=np.uint16)
    return np.packbits(draws < _BIASED_THRESHOLD).tobytes()


class LinearGenerator:
    """Bits of the LFSR x^127 + x + 1 from a random seed, continuing across draws."""

    def __init__(self) -> None:
        seed = np.unpackbits(np.frombuffer(os.urandom(16), dtype=np.uint8))[:_DEGREE]
        seed[0] = 1  # never the all-zero state
        self.state = seed

    def draw(self, length: int) -> bytes:
        wanted = 8 * length
        bits = np.empty(_DEGREE + wanted + _STEP, dtype=np.uint8)
        bits[:_DEGREE] = self.state
        for start in range(_DEGREE, _DEGREE + wanted, _STEP):
            bits[start:start + _STEP] = (bits[start - _STEP:start]
                                         ^ bits[start - _DEGREE:start - _DEGREE + _STEP])
        output = bits[_DEGREE:_DEGREE + wanted]
        self.state = bits[wanted:_DEGREE + wanted].copy()
        return np.packbits(output).tobytes()
