"""The test items of GM/T 0005-2021 Annex A for each sample length, and their names.

A series is one P-value per sample: one test at one parameter (the
overlapping subsequence test gives two series per m, the longest run and
cumulative sums tests one per direction). Names are stable: they head
pvalues.csv columns and results.json metrics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Series:
    """One test item: which test, with which parameter, giving which of its P-values."""

    name: str
    test: str
    param: int = 0
    part: int = 0  # serial: 1 or 2; longest run: the bit; cusum: 0 forward, 1 backward


@dataclass(frozen=True)
class ParameterSet:
    """Annex A settings for one sample length."""

    bits: int
    block_frequency: int
    poker: tuple[int, ...]
    serial: tuple[int, ...]
    longest_run: int
    binary_derivative: tuple[int, ...]
    autocorrelation: tuple[int, ...]
    matrix_rank: bool
    approximate_entropy: tuple[int, ...]
    linear_complexity: tuple[int, ...]
    universal: bool  # L = 7, Q = 1280
    source: str

    def series(self) -> tuple[Series, ...]:
        """Every series of this set, in the standard's order of tests (5.1 to 5.15)."""
        items: list[Series] = [Series("monobit", "monobit")]
        m = self.block_frequency
        items.append(Series(f"block_frequency_m{m}", "block_frequency", m))
        items += [Series(f"poker_m{m}", "poker", m) for m in self.poker]
        for m in self.serial:
            items += [Series(f"serial_m{m}_p{p}", "serial", m, p) for p in (1, 2)]
        items += [Series("runs", "runs"), Series("runs_distribution", "runs_distribution")]
        m = self.longest_run
        items += [Series(f"longest_run_zeros_m{m}", "longest_run", m, 0),
                  Series(f"longest_run_ones_m{m}", "longest_run", m, 1)]
        items += [Series(f"binary_derivative_k{k}", "binary_derivative", k)
                  for k in self.binary_derivative]
        items += [Series(f"autocorrelation_d{d}", "autocorrelation", d)
                  for d in self.autocorrelation]
        if self.matrix_rank:
            items.append(Series("matrix_rank", "matrix_rank"))
        items += [Series("cumulative_sums_forward", "cumulative_sums", 0, 0),
                  Series("cumulative_sums_backward", "cumulative_sums", 0, 1)]
        items += [Series(f"approximate_entropy_m{m}", "approximate_entropy", m)
                  for m in self.approximate_entropy]
        items += [Series(f"linear_complexity_m{m}", "linear_complexity", m)
                  for m in self.linear_complexity]
        if self.universal:
            items.append(Series("universal_l7", "universal", 7))
        items.append(Series("dft", "dft"))
        return tuple(items)


# GM/T 0005-2021 Annex A, as transcribed by Trisia/randomness tools/rddetector/README.md
# and coded in opengm-libs/opengm_rts src/tester.rs::get_param (both agree for 2x10^4
# and 10^6). For 10^8 the two disagree on approximate entropy (5, 7 vs 2, 5) and on
# serial (3, 5 vs 3, 5, 7); the transcription of the table is followed.
PARAMETER_SETS: dict[int, ParameterSet] = {
    20_000: ParameterSet(
        bits=20_000, block_frequency=1000, poker=(4, 8), serial=(3, 5), longest_run=128,
        binary_derivative=(3, 7), autocorrelation=(2, 8, 16), matrix_rank=False,
        approximate_entropy=(2, 5), linear_complexity=(), universal=False,
        source="GM/T 0005-2021 Annex A, 2x10^4 bits",
    ),
    1_000_000: ParameterSet(
        bits=1_000_000, block_frequency=10_000, poker=(4, 8), serial=(3, 5),
        longest_run=10_000, binary_derivative=(3, 7), autocorrelation=(1, 2, 8, 16),
        matrix_rank=True, approximate_entropy=(2, 5), linear_complexity=(500, 1000),
        universal=True, source="GM/T 0005-2021 Annex A, 10^6 bits",
    ),
    100_000_000: ParameterSet(
        bits=100_000_000, block_frequency=1_000_000, poker=(4, 8), serial=(3, 5),
        longest_run=10_000, binary_derivative=(3, 7, 15), autocorrelation=(1, 2, 8, 16, 32),
        matrix_rank=True, approximate_entropy=(5, 7), linear_complexity=(5000,),
        universal=True, source="GM/T 0005-2021 Annex A, 10^8 bits (ApEn m=5, 7 per the "
        "Trisia transcription; opengm_rts uses 2, 5)",
    ),
}


def parameter_set(bits: int) -> ParameterSet:
    """The Annex A set for a sample length; only the three normative lengths have one."""
    try:
        return PARAMETER_SETS[bits]
    except KeyError:
        known = ", ".join(str(n) for n in PARAMETER_SETS)
        raise ValueError(f"GM/T 0005-2021 Annex A has no settings for {bits}-bit samples "
                         f"(it has {known})") from None


_NAMED = re.compile(
    r"(?P<test>block_frequency|poker|approximate_entropy|linear_complexity)_m(?P<m>\d+)"
    r"|serial_m(?P<sm>\d+)_p(?P<part>[12])"
    r"|longest_run_(?P<bit>zeros|ones)_m(?P<lm>\d+)"
    r"|binary_derivative_k(?P<k>\d+)|autocorrelation_d(?P<d>\d+)"
)
_PLAIN = {
    "monobit": Series("monobit", "monobit"),
    "runs": Series("runs", "runs"),
    "runs_distribution": Series("runs_distribution", "runs_distribution"),
    "matrix_rank": Series("matrix_rank", "matrix_rank"),
    "cumulative_sums_forward": Series("cumulative_sums_forward", "cumulative_sums", 0, 0),
    "cumulative_sums_backward": Series("cumulative_sums_backward", "cumulative_sums", 0, 1),
    "universal_l7": Series("universal_l7", "universal", 7),
    "dft": Series("dft", "dft"),
}


def parse(name: str) -> Series:
    """The series a name stands for, e.g. `poker_m8`, `serial_m5_p2`, `longest_run_ones_m128`.

    Profiles outside Annex A (GM/T 0062's one parameter per test, matrix rank
    on 2x10^4 bits) name their series this way.
    """
    if name in _PLAIN:
        return _PLAIN[name]
    match = _NAMED.fullmatch(name)
    if match is None:
        raise ValueError(f"no series named {name!r}")
    groups = match.groupdict()
    if groups["test"]:
        return Series(name, groups["test"], int(groups["m"]))
    if groups["sm"]:
        return Series(name, "serial", int(groups["sm"]), int(groups["part"]))
    if groups["bit"]:
        block = int(groups["lm"])
        if block not in (8, 128, 10000):
            raise ValueError(f"{name}: the longest-run test has tables for m = 8, 128, 10000")
        return Series(name, "longest_run", block, int(groups["bit"] == "ones"))
    if groups["k"]:
        return Series(name, "binary_derivative", int(groups["k"]))
    return Series(name, "autocorrelation", int(groups["d"]))


def select(bits: int, names: Iterable[str] | None = None) -> tuple[Series, ...]:
    """The Annex A series for the sample length, or the named series in the order named."""
    if names is None:
        return parameter_set(bits).series()
    chosen = [parse(name) for name in names]
    seen = [s.name for s in chosen]
    twice = sorted({name for name in seen if seen.count(name) > 1})
    if twice:
        raise ValueError(f"series named twice: {', '.join(twice)}")
    if not chosen:
        raise ValueError("an empty list of series tests nothing")
    return tuple(chosen)
