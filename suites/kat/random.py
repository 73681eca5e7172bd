"""RANDOM: the interface answers what was asked, and never the same bytes twice.

This is not a randomness test (that is the `randomness` suite's GM/T 0005
battery); it catches a generator whose state does not advance.
"""

from __future__ import annotations

from collections.abc import Iterator

from certkit.cases import Case, SuiteContext
from certkit.checks import Checks, Probe
from certkit.device import Device

from .common import answer

LENGTHS = (1, 16, 32, 1000, 4096)
DRAWS = 8


def _run(device: Device, checks: Checks) -> None:
    seen: dict[bytes, int] = {}
    for length in LENGTHS:
        got = answer(device.random, length)
        probe = Probe(f"length-{length}", f"RANDOM of {length} bytes")
        size = len(got) if isinstance(got, bytes) else got
        checks.equal(probe, length, size, "length of the answer")
    for draw in range(1, DRAWS + 1):
        got = answer(device.random, 32)
        probe = Probe(f"draw-{draw}", "32-byte draws must all differ",
                      {"output": got} if isinstance(got, bytes) else {})
        if not isinstance(got, bytes):
            checks.equal(probe, "32 random bytes", got, "draw")
            continue
        # Two equal 256-bit draws from a working generator have probability 2^-256.
        checks.holds(probe, got not in seen, "a draw not seen before",
                     f"the same bytes as draw {seen.get(got)}", "draw")
        seen.setdefault(got, draw)


def cases(ctx: SuiteContext) -> Iterator[Case]:
    yield Case("kat.random.output", "RANDOM: answers the requested length, never repeats",
               "kat", frozenset({"RANDOM"}), ("GM/T 0028-2014 7.9.2",), _run)
