"""What one test item yields for one sample: a P-value and its Q-value."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """A P-value (compared with alpha) and a Q-value (fed to the uniformity check).

    Q equals P except for the tests whose statistic is a signed normal
    variate (GM/T 0005-2021 5.x: monobit, runs, binary derivative,
    autocorrelation, universal, DFT), where Q = erfc(V/sqrt2)/2.
    """

    p: float
    q: float

    @classmethod
    def same(cls, p: float) -> Outcome:
        """An outcome whose Q-value is its P-value."""
        return cls(p, p)
