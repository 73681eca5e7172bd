"""The Device contract: what a driver opens and what every suite runs against."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from certkit.errors import Unsupported
from certkit.url import DeviceURL

SERIAL_PROTOCOL = "certkit-serial"  # serial-protocol.md: its status bytes and field rules
PKCS11 = "pkcs11"


@dataclass(frozen=True)
class DeviceInfo:
    """Identity as the device itself reports it (untrusted text: reports escape it)."""

    vendor: str
    model: str
    firmware: str
    serial: str


@dataclass(frozen=True)
class KeyHandle:
    """An opaque reference to a key pair held inside the device."""

    algorithm: str
    ref: int
    public_key: bytes


class DeviceState(enum.Enum):
    OPERATIONAL = "operational"
    ERROR = "error"


class Device:
    """A device under test.

    Drivers override the operations their device offers; the rest answer
    Unsupported, which a case turns into a failure only when the device
    declared the capability (a device that lists SM4-GCM must do SM4-GCM).
    Algorithm names are capability names (`SM4-CBC`, `HMAC-SM3`, `SM3`).
    """

    info: DeviceInfo
    capabilities: frozenset[str]
    # The interfaces whose error vocabulary the device speaks (SERIAL_PROTOCOL, PKCS11):
    # interface checks run only on these. A library wrapped by a plugin speaks none.
    interfaces: frozenset[str] = frozenset()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the transport; the default has nothing to release."""

    def digest(self, algorithm: str, data: bytes) -> bytes:
        raise Unsupported(f"digest {algorithm}")

    def mac(self, algorithm: str, key: bytes, data: bytes) -> bytes:
        raise Unsupported(f"mac {algorithm}")

    def encrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes, aad: bytes) -> bytes:
        """Encrypt without padding; an AEAD mode returns ciphertext || 16-byte tag."""
        raise Unsupported(f"encrypt {algorithm}")

    def decrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes, aad: bytes) -> bytes:
        """Decrypt without padding; an AEAD mode takes ciphertext || tag, AuthFailed on mismatch."""
        raise Unsupported(f"decrypt {algorithm}")

    def keystream(self, algorithm: str, key: bytes, iv: bytes, words: int) -> bytes:
        raise Unsupported(f"keystream {algorithm}")

    def generate_key(self, algorithm: str) -> KeyHandle:
        raise Unsupported(f"generate key {algorithm}")

    def import_key(self, algorithm: str, private_key: bytes) -> KeyHandle:
        raise Unsupported(f"import key {algorithm}")

    def export_key(self, handle: KeyHandle) -> bytes:
        raise Unsupported("export key")

    def destroy_key(self, handle: KeyHandle) -> None:
        raise Unsupported("destroy key")

    def sign(self, handle: KeyHandle, message: bytes, *, user_id: bytes) -> bytes:
        """Sign with a held key; SM2 answers 64 bytes r || s with Z_A from `user_id`."""
        raise Unsupported("sign")

    def verify(
        self, algorithm: str, public_key: bytes, message: bytes, signature: bytes, *, user_id: bytes
    ) -> bool:
        raise Unsupported(f"verify {algorithm}")

    def public_encrypt(self, algorithm: str, public_key: bytes, message: bytes) -> bytes:
        """Encrypt to a public key; SM2 answers C1 || C3 || C2 with C1 uncompressed."""
        raise Unsupported(f"public-key encrypt {algorithm}")

    def private_decrypt(self, handle: KeyHandle, ciphertext: bytes) -> bytes:
        raise Unsupported("private-key decrypt")

    def random(self, length: int) -> bytes:
        raise Unsupported("random")

    def self_test(self) -> bool:
        raise Unsupported("self-test")

    def state(self) -> DeviceState:
        raise Unsupported("state")

    def reset(self) -> None:
        raise Unsupported("reset")

    def force_error(self) -> None:
        raise Unsupported("force-error")

    def trace_mark(self) -> None:
        """Start a new excerpt of wire evidence (drivers that trace their transport)."""

    def trace_excerpt(self) -> dict[str, Any] | None:
        """The wire evidence since the last mark, for a failing case's result; None if untraced."""
        return None

    def diagnostics(self) -> dict[str, Any]:
        """What the transport did over the run (a serial link's error counts), for
        results.json; empty for a driver with nothing to tell."""
        return {}


OPERATIONS: tuple[str, ...] = (
    "digest", "mac", "encrypt", "decrypt", "keystream", "generate_key", "import_key",
    "export_key", "destroy_key", "sign", "verify", "public_encrypt", "private_decrypt",
    "random", "self_test", "state", "reset", "force_error",
)


@dataclass(frozen=True)
class DriverSpec:
    """A driver plugin's offer: which URL scheme it opens and with which options.

    `open` receives the parsed URL (its options already checked against
    `options`) and returns an opened Device.
    """

    scheme: str
    title: str
    open: Callable[[DeviceURL], Device]
    options: Mapping[str, str] = field(default_factory=dict)
    secret_options: frozenset[str] = frozenset()
    # options that tune the transport, not the device (timeouts, retries, tracing): a
    # resumed run may change them; any other option must be the run's own
    tuning_options: frozenset[str] = frozenset()
    # where the device runs unless the URL says `isolate=`: "none" (in certkit's process) or
    # "process" (a worker process per device, for vendors' native libraries: certkit.worker)
    isolation: str = "none"
    library: str = "the device's library"  # how crash reports name what crashed
    native_functions: tuple[str, ...] = ()  # the names a worker's native-call record indexes

