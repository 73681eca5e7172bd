"""Discrete Fourier transform test (5.15)."""

from __future__ import annotations

import math

import numpy as np

from .outcome import Outcome
from .special import two_sided

_SLICE = 1 << 20


def dft(bits: np.ndarray, divisor: float = 3.8) -> Outcome:
    """Spectral test over n points: V = (N1 - 0.95n/2)/sqrt(0.95*0.05*n/3.8); one-sided Q.

    The divisor 3.8 is GM/T 0005-2021's (SP 800-22 has 4, offered for the
    cross-check against the NIST reference). The transform is
    of the 0/1 bits rather than of X = 2e - 1: both agree up to a factor 2
    at every frequency but 0, so the threshold is halved there and the
    zero frequency is taken from the bit count.
    """
    n = bits.size
    threshold = math.sqrt(2.995732274 * n)
    spectrum = np.fft.rfft(bits.astype(np.float64))
    limit = threshold * threshold / 4
    below = 0
    # count in slices: whole-spectrum temporaries would double the peak at 10^8 bits
    for start in range(1, n // 2, _SLICE):
        part = spectrum[start : min(start + _SLICE, n // 2)]
        below += int(np.count_nonzero(part.real * part.real + part.imag * part.imag < limit))
    del spectrum
    below += abs(2 * int(np.count_nonzero(bits)) - n) < threshold
    v = (below - 0.95 * n / 2) / math.sqrt(0.95 * 0.05 * n / divisor)
    return Outcome(*two_sided(v))
