"""Bit-correlation tests: binary derivative (5.8) and autocorrelation (5.9)."""

from __future__ import annotations

import math

import numpy as np

from .outcome import Outcome
from .special import two_sided


def binary_derivative(bits: np.ndarray, k: int) -> Outcome:
    """Binary derivative: XOR adjacent bits k times, then V = S/sqrt(n-k); one-sided Q."""
    derived = bits
    for _ in range(k):
        derived = derived[1:] ^ derived[:-1]
    length = derived.size
    s = 2 * int(np.count_nonzero(derived)) - length
    return Outcome(*two_sided(s / math.sqrt(length)))


def autocorrelation(bits: np.ndarray, d: int) -> Outcome:
    """Autocorrelation at shift d: V = 2(A(d) - (n-d)/2)/sqrt(n-d); one-sided Q."""
    length = bits.size - d
    a = int(np.count_nonzero(bits[:-d] ^ bits[d:]))
    return Outcome(*two_sided((2 * a - length) / math.sqrt(length)))
