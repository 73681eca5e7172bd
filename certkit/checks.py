"""The recorder a case makes its checks through: counts them, keeps the failing ones."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from certkit.errors import Refusal
from certkit.results import FailedCheck

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


def is_rejection(got: object) -> bool:
    """A verification's "no": False, or any refusal (a malformed input need not reach the
    check that would answer False)."""
    return got is False or isinstance(got, Refusal)


class Checks:
    """Counts a case's checks and keeps every failure with its evidence.

    Two kinds of check, kept apart (DESIGN.md, "Checks"): a standard's check judges the
    security property (refused or not, output or none, the right answer) and accepts any
    refusal; an interface's check (`interface_refusal`) judges the error vocabulary of an
    interface the device speaks, and a case makes it only for such a device. Every check
    may name the clause it enforces; a failure records it.
    """

    def __init__(self, on_progress: Callable[[int, int, str], None] | None = None) -> None:
        self._on_progress = on_progress
        self.count = 0
        self.failed = 0
        self.failures: list[FailedCheck] = []
        self.metrics: dict[str, float] = {}
        self.samples: dict[str, list[float]] = {}
        self.acceptable: list[dict[str, object]] = []

    def equal(self, vector: Vector, expected: object, got: object, check: str = "",
              clause: str = "") -> bool:
        """Check that the device's answer `got` (a value, not a Refusal) equals `expected`."""
        self.count += 1
        if got.__class__ is bytes and expected.__class__ is bytes and got == expected:
            return True  # the common case of a known-answer loop, decided first
        ok = not isinstance(got, Refusal) and got == expected
        if not ok:
            self._fail(vector, expected, got, check, clause)
        return ok

    def refused(self, vector: Vector, got: object, check: str = "", clause: str = "") -> bool:
        """A standard's "reject, output nothing": any refusal passes, any output fails."""
        self.count += 1
        ok = isinstance(got, Refusal)
        if not ok:
            self._fail(vector, "refused, no output", got, check, clause)
        return ok

    def rejected(self, vector: Vector, got: object, check: str = "", clause: str = "") -> bool:
        """A verification that must not succeed: False or any refusal passes."""
        self.count += 1
        ok = is_rejection(got)
        if not ok:
            self._fail(vector, "rejected (False or refused)", got, check, clause)
        return ok

    def either(self, vector: Vector, correct: object, got: object, check: str = "",
               clause: str = "") -> bool:
        """An `acceptable` vector: refusing (or, for a verification, False) passes, and so
        does the correct answer; which one the device took is kept for the report."""
        self.count += 1
        taken = "refused" if is_rejection(got) else "accepted"
        ok = taken == "refused" or got == correct
        self.acceptable.append({"vectors": vector.vectors, "tc_id": vector.tc_id,
                                "comment": vector.comment, "check": check, "taken": taken,
                                "flags": list(vector.flags)})
        if not ok:
            self._fail(vector, f"refused, or {show(correct)}", got, check, clause)
        return ok

    def interface_refusal(self, vector: Vector, allowed: tuple[type[Refusal], ...],
                          got: object, check: str, clause: str) -> bool:
        """An interface's error vocabulary: the refusal is one of the classes its `clause`
        allows. A case calls this only for a device that speaks that interface."""
        self.count += 1
        ok = isinstance(got, allowed)
        if not ok:
            self._fail(vector, " or ".join(cls.__name__ for cls in allowed), got, check, clause)
        return ok

    def holds(self, vector: Vector, condition: bool, expected: str, got: object,
              check: str = "", clause: str = "") -> bool:
        """Check a property that is not an equality (a point on the curve, a reference verify)."""
        self.count += 1
        if not condition:
            self._fail(vector, expected, got, check, clause)
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

    def _fail(self, vector: Vector, expected: object, got: object, check: str,
              clause: str) -> None:
        self.failed += 1
        self.failures.append(
            FailedCheck(
                vectors=vector.vectors,
                tc_id=vector.tc_id,
                comment=vector.comment,
                expected=show(expected),
                got=show(got),
                check=check,
                result=str(getattr(vector, "result", "")),
                clause=clause,
                flags=tuple(vector.flags),
                inputs={name: shorten_hex(value) for name, value in vector.inputs().items()},
            )
        )
