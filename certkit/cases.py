"""Cases and suites: what a suite plugin yields and the runner executes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from certkit.checks import Checks
from certkit.device import Device
from certkit.vectors import VectorStore


@dataclass(frozen=True)
class Case:
    """One certification case: a stable id, what it needs, what it evidences, how it runs."""

    id: str  # stable, e.g. "kat.sm4-cbc.draft"
    title: str
    suite: str
    requires: frozenset[str]
    clauses: tuple[str, ...]  # requirement clauses it evidences, e.g. "GB/T 32907-2016 A.1"
    run: Callable[[Device, Checks], None]
    # about how many device operations the case makes, for `certkit run --list` estimates
    operations: int = 100


@dataclass(frozen=True)
class SuiteContext:
    """What a suite gets to build its cases: the vectors and the profile's parameters."""

    vectors: VectorStore
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Suite:
    name: str
    title: str
    collect: Callable[[SuiteContext], Iterable[Case]]
    # the `[params.NAME]` keys the suite reads; None when `collect` validates them itself
    params: frozenset[str] | None = frozenset()
