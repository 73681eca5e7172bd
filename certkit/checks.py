"""The recorder a case makes its checks through: counts them, keeps the failing ones."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from certkit.errors import Refusal
from certkit.results import FailedCheck

# A case keeps the first few failures of each kind (vector file, operation,
# flags), so one defect that fails hundreds of vectors cannot hide another.
MAX_FAILURES_KEPT = 100
MAX_FAILURES_PER_KIND = 3
MAX_INPUT_HEX = 512  # characters of hex kept per input field in a failure record


class Vector(Protocol):
    """What a check needs of a vector: identity and the bytes a reader reproduces it with."""

    tc_id: int
    comment: str
    flags: tuple[str, ...]
    vectors: str

    def inputs(self) -> Mapping[str, bytes]: ...


@dataclass(frozen=True)
class Probe:
    """A check's subject when there is no vector file: generated keys, random draws."""

    tc_id: int | str
    comment: str
    data: Mapping[str, bytes] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    vectors: str = "generated"

    def inputs(self) -> Mapping[str, bytes]:
        return self.data


def show(value: object) -> str:
    """Render an expected or observed value for a failure record."""
    if isinstance(value, bytes | bytearray):
        return value.hex() if value else "(empty)"
    if isinstance(value, Refusal):
        detail = str(value)
        return f"{type(value).__name__}: {detail}" if detail else type(value).__name__
    if isinstance(value, type) and issubclass(value, Refusal):
        return value.__name__
    return str(value)


def shorten_hex(data: bytes) -> str:
    text = data.hex()
    if len(text) <= MAX_INPUT_HEX:
        return text
    return f"{text[:MAX_INPUT_HEX]}... ({len(data)} bytes)"


class Checks:
    """Counts a case's checks and keeps its first failures with their evidence."""

    def __init__(self, on_progress: Callable[[int, int, str], None] | None = None) -> None:
        self._on_progress = on_progress
        self.count = 0
        self.failed = 0
        self.failures: list[FailedCheck] = []
        self.metrics: dict[str, float] = {}
        self.samples: dict[str, list[float]] = {}
        self._kinds: dict[tuple[str, str, tuple[str, ...]], int] = {}

    def equal(self, vector: Vector, expected: object, got: object, check: str = "") -> bool:
        """Check that the device's answer `got` (a value or a Refusal) equals `expected`.

        `expected` may be a Refusal class: the vector must be refused with
        exactly that reason, since a device that answers the wrong error has
        skipped the check that should have caught the input.
        """
        self.count += 1
        if got.__class__ is bytes and expected.__class__ is bytes and got == expected:
            return True  # the common case of a known-answer loop, decided first
        if isinstance(expected, type) and issubclass(expected, Refusal):
            ok = type(got) is expected
        else:
            ok = not isinstance(got, Refusal) and got == expected
        if not ok:
            self._fail(vector, expected, got, check)
        return ok

    def holds(self, vector: Vector, condition: bool, expected: str, got: object,
              check: str = "") -> bool:
        """Check a property that is not an equality (a point on the curve, a reference verify)."""
        self.count += 1
        if not condition:
            self._fail(vector, expected, got, check)
        return condition

    def progress(self, done: int, total: int, unit: str) -> None:
        """Tell the console how far a long case has got (iterations, samples, bytes)."""
        if self._on_progress is not None:
            self._on_progress(done, total, unit)

    def metric(self, name: str, value: float) -> None:
        self.metrics[name] = value

    def sample(self, name: str, values: list[float]) -> None:
        """Keep the raw values behind a metric (one rate per repetition) in the result."""
        self.samples[name] = [float(value) for value in values]

    def _fail(self, vector: Vector, expected: object, got: object, check: str) -> None:
        self.failed += 1
        kind = (vector.vectors, check, tuple(vector.flags))
        kept = self._kinds.get(kind, 0)
        if kept < MAX_FAILURES_PER_KIND and len(self.failures) < MAX_FAILURES_KEPT:
            self._kinds[kind] = kept + 1
            self.failures.append(
                FailedCheck(
                    vectors=vector.vectors,
                    tc_id=vector.tc_id,
                    comment=vector.comment,
                    expected=show(expected),
                    got=show(got),
                    check=check,
                    result=str(getattr(vector, "result", "")),
                    flags=tuple(vector.flags),
                    inputs={name: shorten_hex(value) for name, value in vector.inputs().items()},
                )
            )
