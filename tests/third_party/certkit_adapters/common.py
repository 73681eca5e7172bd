"""What both adapters share: a library raises its own exceptions; each is a refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from certkit.device import KeyHandle
from certkit.errors import InternalError, NoSuchKey

T = TypeVar("T")


def library_call(name: str, call: Callable[[], T]) -> T:
    """The library's answer, or its exception as an InternalError naming it: these libraries
    have no error vocabulary, and certkit judges refusals, not their class."""
    try:
        return call()
    except Exception as exc:  # a library's exception is its refusal
        raise InternalError(f"{name} raised {type(exc).__name__}: {exc}") from None


class KeyRing:
    """Private keys handed to the library per call: a library holds no keys of its own."""

    def __init__(self) -> None:
        self._keys: dict[int, bytes] = {}

    def issue(self, private: bytes, public: bytes) -> KeyHandle:
        ref = len(self._keys) + 1
        self._keys[ref] = private
        return KeyHandle("SM2", ref, public)

    def private(self, handle: KeyHandle) -> bytes:
        try:
            return self._keys[handle.ref]
        except KeyError:
            raise NoSuchKey(f"key handle {handle.ref}") from None
