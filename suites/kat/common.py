"""What the known-answer cases share: running a device call and keeping a refusal as its answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from certkit.errors import Refusal
from certkit.vectors import Result, VectorSet


def answer(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The device's answer: its return value, or the Refusal it raised."""
    try:
        return call(*args, **kwargs)
    except Refusal as refusal:
        return refusal


def only_valid(vectors: VectorSet, case_id: str) -> VectorSet:
    """A case that can only run valid vectors says so at collection, not mid-run."""
    odd = [test.tc_id for test in vectors if test.result is not Result.VALID]
    if odd:
        raise ValueError(f"{case_id}: {vectors.path} has non-valid tcIds {odd}, "
                         "which this case cannot judge")
    return vectors
