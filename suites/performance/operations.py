"""What each performance case times: the operations, their inputs, and a check of one answer.

Every operation is prepared outside the timing (keys, IVs, payloads, a
ciphertext to decrypt, a signature to verify), and one answer of each
series is checked before it is timed, so a device cannot look fast by
answering nonsense. Correctness as such is the `kat` suite's job; these
checks only make sure the thing timed is the operation named.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from certkit.capabilities import AEAD, DIGESTS, MACS, SYMMETRIC
from certkit.device import Device, KeyHandle
from certkit.errors import Unsupported
from certkit.reference import sm2

# An answer check: (holds, what was expected, what came).
Verdict = tuple[bool, str, str]
SM2_MESSAGE = bytes(range(32))  # signed and encrypted as is: message and ID, not a digest
SM2_ID = sm2.DEFAULT_ID
TAG = 16

# Keys for public-key operations other than SM2, by the algorithm name a
# driver's generate_key takes (as the pkcs11 driver names them); the key's
# algorithm names the signature scheme (PKCS #1 v1.5 or PSS), as Device.sign
# takes no mechanism.
INTERNATIONAL_SIGNATURES = {
    # signing capability: (key algorithm, the capability that makes such a key)
    "ECDSA-P256-SIGN": ("ECDSA-P256", "ECDSA-P256-GENERATE"),
    "RSA-2048-PKCS1-SIGN": ("RSA-2048-PKCS1", "RSA-2048-GENERATE"),
    "RSA-2048-PSS-SIGN": ("RSA-2048-PSS", "RSA-2048-GENERATE"),
}
INTERNATIONAL_VERIFICATIONS = {"ECDSA-P256-VERIFY": "ECDSA-P256-SIGN"}
# generating capability: (the metrics' subject, key algorithm); an RSA key pair is
# generated for one signature scheme, PKCS #1 v1.5 here, which the pair's time does not
# depend on.
INTERNATIONAL_GENERATIONS = {"ECDSA-P256-GENERATE": ("ECDSA-P256", "ECDSA-P256"),
                             "RSA-2048-GENERATE": ("RSA-2048", "RSA-2048-PKCS1")}


@dataclass
class Prepared:
    """One operation ready to time: `call` makes it, `check` judges one of its answers."""

    call: Callable[[], Any]
    check: Callable[[Any], Verdict]
    after: Callable[[Any], None] | None = None  # untimed, after every call (destroy a key)
    close: Callable[[], None] | None = None  # once the case is done (destroy its key)


@dataclass(frozen=True)
class Operation:
    """One timed operation of a case; `prepare(device, size)` gets it ready at a payload size
    (None for an operation without a payload)."""

    subject: str
    operation: str
    sized: bool
    prepare: Callable[[Device, int | None], Prepared]
    what: str  # for failure records: "SM4-CBC encrypt"


@dataclass(frozen=True)
class CaseSpec:
    """A performance case before it is bound to the profile's settings."""

    id: str
    title: str
    requires: frozenset[str]
    operations: tuple[Operation, ...]
    notes: tuple[str, ...] = field(default=())


def _shown(answer: Any) -> str:
    if isinstance(answer, bytes | bytearray):
        return f"{len(answer)} bytes"
    return f"{type(answer).__name__} {answer!r}"[:200]


def _length_is(expected: int) -> Callable[[Any], Verdict]:
    def check(answer: Any) -> Verdict:
        ok = isinstance(answer, bytes) and len(answer) == expected
        return ok, f"{expected} bytes", _shown(answer)
    return check


def _equals(expected: bytes, what: str) -> Callable[[Any], Verdict]:
    def check(answer: Any) -> Verdict:
        return answer == expected, what, _shown(answer)
    return check


def _is_true(what: str) -> Callable[[Any], Verdict]:
    def check(answer: Any) -> Verdict:
        return answer is True, what, repr(answer)[:200]
    return check


def _nonempty(what: str) -> Callable[[Any], Verdict]:
    def check(answer: Any) -> Verdict:
        return isinstance(answer, bytes) and len(answer) > 0, what, _shown(answer)
    return check


def _payload(size: int | None) -> bytes:
    assert size is not None
    return os.urandom(size)


# -- symmetric ---------------------------------------------------------------------


def _iv(algorithm: str) -> bytes:
    if algorithm.endswith("-ECB"):
        return b""
    if algorithm in AEAD:
        return os.urandom(12)  # the recommended GCM IV, and a CCM nonce of 12 bytes
    return os.urandom(16)


def _cipher_case(algorithm: str) -> CaseSpec:
    key, iv = os.urandom(16), _iv(algorithm)  # SM4, and AES-128
    tag = TAG if algorithm in AEAD else 0

    def encrypt(device: Device, size: int | None) -> Prepared:
        data = _payload(size)
        return Prepared(lambda: device.encrypt(algorithm, key, data, iv=iv, aad=b""),
                        _length_is(len(data) + tag))

    def decrypt(device: Device, size: int | None) -> Prepared:
        data = _payload(size)
        sealed = device.encrypt(algorithm, key, data, iv=iv, aad=b"")
        return Prepared(lambda: device.decrypt(algorithm, key, sealed, iv=iv, aad=b""),
                        _equals(data, "the plaintext that was encrypted"))

    return CaseSpec(
        id=f"performance.{algorithm.lower()}", requires=frozenset({algorithm}),
        title=f"{algorithm}: encryption and decryption throughput and latency by payload size",
        operations=(Operation(algorithm, "encrypt", True, encrypt, f"{algorithm} encrypt"),
                    Operation(algorithm, "decrypt", True, decrypt, f"{algorithm} decrypt")),
    )


def _digest_case(algorithm: str) -> CaseSpec:
    def digest(device: Device, size: int | None) -> Prepared:
        data = _payload(size)
        return Prepared(lambda: device.digest(algorithm, data), _nonempty("a digest"))

    return CaseSpec(f"performance.{algorithm.lower()}",
                    f"{algorithm}: hashing throughput and latency by message size",
                    frozenset({algorithm}),
                    (Operation(algorithm, "digest", True, digest, f"{algorithm} digest"),))


def _mac_case(algorithm: str) -> CaseSpec:
    key = os.urandom(32)

    def mac(device: Device, size: int | None) -> Prepared:
        data = _payload(size)
        return Prepared(lambda: device.mac(algorithm, key, data), _nonempty("a MAC"))

    return CaseSpec(f"performance.{algorithm.lower()}",
                    f"{algorithm}: MAC throughput and latency by message size (32-byte key)",
                    frozenset({algorithm}),
                    (Operation(algorithm, "mac", True, mac, f"{algorithm} MAC"),))


def _zuc_case() -> CaseSpec:
    key, iv = os.urandom(16), os.urandom(16)

    def keystream(device: Device, size: int | None) -> Prepared:
        assert size is not None
        return Prepared(lambda: device.keystream("ZUC", key, iv, size // 4), _length_is(size))

    return CaseSpec("performance.zuc", "ZUC-128: keystream throughput and latency by length",
                    frozenset({"ZUC"}),
                    (Operation("ZUC", "keystream", True, keystream, "ZUC keystream"),))


def _random_case() -> CaseSpec:
    def generate(device: Device, size: int | None) -> Prepared:
        assert size is not None
        return Prepared(lambda: device.random(size), _length_is(size))

    return CaseSpec("performance.random", "RANDOM: random bytes per second by request size",
                    frozenset({"RANDOM"}),
                    (Operation("RANDOM", "generate", True, generate, "RANDOM"),))


# -- SM2 ---------------------------------------------------------------------------


def held_sm2_key(device: Device) -> KeyHandle:
    """A key pair inside the device: generated where it can, else imported."""
    if "SM2-GENERATE" in device.capabilities:
        return device.generate_key("SM2")
    if "SM2-IMPORT" in device.capabilities:
        return device.import_key("SM2", os.urandom(31).rjust(32, b"\x01"))
    raise Unsupported("the device declares neither SM2-GENERATE nor SM2-IMPORT, "
                      "so it cannot hold the key this operation needs")


def _forget(device: Device, handle: KeyHandle) -> None:
    if "KEY-DESTROY" in device.capabilities:
        device.destroy_key(handle)


def _sm2_sign(device: Device, size: int | None) -> Prepared:
    handle = held_sm2_key(device)

    def check(answer: Any) -> Verdict:
        ok = isinstance(answer, bytes) and sm2.verify(handle.public_key, SM2_MESSAGE, SM2_ID,
                                                      answer)
        return ok, "a signature the reference verifies", _shown(answer)

    return Prepared(lambda: device.sign(handle, SM2_MESSAGE, user_id=SM2_ID), check,
                    close=lambda: _forget(device, handle))


def _reference_key() -> tuple[int, bytes]:
    private = 1 + int.from_bytes(os.urandom(32), "big") % (sm2.N - 2)
    return private, sm2.public_key_from_private(private)


def _sm2_verify(device: Device, size: int | None) -> Prepared:
    private, public = _reference_key()
    signature = sm2.sign(private, SM2_MESSAGE, SM2_ID)
    return Prepared(
        lambda: device.verify("SM2", public, SM2_MESSAGE, signature, user_id=SM2_ID),
        _is_true("True: the reference's signature is valid"))


def _sm2_encrypt(device: Device, size: int | None) -> Prepared:
    private, public = _reference_key()

    def check(answer: Any) -> Verdict:
        try:
            ok = isinstance(answer, bytes) and sm2.decrypt(private, answer) == SM2_MESSAGE
        except (ValueError, sm2.DecryptionFailed):
            ok = False
        return ok, "a ciphertext the reference decrypts to the message", _shown(answer)

    return Prepared(lambda: device.public_encrypt("SM2", public, SM2_MESSAGE), check)


def _sm2_decrypt(device: Device, size: int | None) -> Prepared:
    handle = held_sm2_key(device)
    ciphertext = sm2.encrypt(handle.public_key, SM2_MESSAGE)
    return Prepared(lambda: device.private_decrypt(handle, ciphertext),
                    _equals(SM2_MESSAGE, "the message the reference encrypted"),
                    close=lambda: _forget(device, handle))


def _sm2_public_key(answer: Any) -> Verdict:
    try:
        ok = isinstance(answer, KeyHandle) and bool(sm2.decode_public_key(answer.public_key))
    except ValueError:
        ok = False
    return ok, "a handle with a public key on the curve", repr(answer)[:200]


def _generate(device: Device, algorithm: str,
              check: Callable[[Any], Verdict]) -> Prepared:
    def after(handle: Any) -> None:
        if isinstance(handle, KeyHandle):
            _forget(device, handle)

    return Prepared(lambda: device.generate_key(algorithm), check, after)


def _sm2_cases() -> Iterator[CaseSpec]:
    about = "32-byte message with the default ID (Z_A computed by the device)"
    for capability, operation, prepare, title in (
        ("SM2-SIGN", "sign", _sm2_sign, f"SM2: signatures per second, {about}"),
        ("SM2-VERIFY", "verify", _sm2_verify, f"SM2: verifications per second, {about}"),
        ("SM2-ENCRYPT", "encrypt", _sm2_encrypt, "SM2: encryptions per second, 32-byte message"),
        ("SM2-DECRYPT", "decrypt", _sm2_decrypt, "SM2: decryptions per second, 32-byte message"),
        ("SM2-GENERATE", "generate",
         lambda device, size: _generate(device, "SM2", _sm2_public_key),
         "SM2: key pairs generated per second"),
    ):
        yield CaseSpec(f"performance.{capability.lower()}", title, frozenset({capability}),
                       (Operation("SM2", operation, False, prepare, f"SM2 {operation}"),))


# -- other public-key algorithms (tokens) -------------------------------------------


def _international_cases() -> Iterator[CaseSpec]:
    message = SM2_MESSAGE
    for capability, (key_algorithm, maker) in INTERNATIONAL_SIGNATURES.items():
        def sign(device: Device, size: int | None, key_algorithm: str = key_algorithm
                 ) -> Prepared:
            handle = device.generate_key(key_algorithm)
            return Prepared(lambda: device.sign(handle, message, user_id=b""),
                            _nonempty("a signature"), close=lambda: _forget(device, handle))

        yield CaseSpec(f"performance.{capability.lower()}",
                       f"{key_algorithm}: signatures per second, 32-byte message",
                       frozenset({capability, maker}),
                       (Operation(key_algorithm, "sign", False, sign, f"{key_algorithm} sign"),))
    for capability, signer in INTERNATIONAL_VERIFICATIONS.items():
        key_algorithm, maker = INTERNATIONAL_SIGNATURES[signer]

        def verify(device: Device, size: int | None, key_algorithm: str = key_algorithm
                   ) -> Prepared:
            handle = device.generate_key(key_algorithm)
            signature = device.sign(handle, message, user_id=b"")
            return Prepared(
                lambda: device.verify(key_algorithm, handle.public_key, message, signature,
                                      user_id=b""),
                _is_true("True: the device's own signature is valid"),
                close=lambda: _forget(device, handle))

        yield CaseSpec(f"performance.{capability.lower()}",
                       f"{key_algorithm}: verifications per second, 32-byte message",
                       frozenset({capability, signer, maker}),
                       (Operation(key_algorithm, "verify", False, verify,
                                  f"{key_algorithm} verify"),))
    for capability, (subject, key_algorithm) in INTERNATIONAL_GENERATIONS.items():
        def generate(device: Device, size: int | None, key_algorithm: str = key_algorithm
                     ) -> Prepared:
            return _generate(device, key_algorithm, _nonempty_handle)

        yield CaseSpec(f"performance.{capability.lower()}",
                       f"{subject}: key pairs generated per second",
                       frozenset({capability}),
                       (Operation(subject, "generate", False, generate,
                                  f"{subject} key generation"),))


def _nonempty_handle(answer: Any) -> Verdict:
    ok = isinstance(answer, KeyHandle) and len(answer.public_key) > 0
    return ok, "a handle with a public key", repr(answer)[:200]


SM4_MODE_ORDER = ("ECB", "CBC", "CTR", "OFB", "CFB", "GCM", "CCM")


def _national_first(names: frozenset[str]) -> list[str]:
    """SM algorithms before the others, SM4 modes in the order the standards list them."""
    def key(name: str) -> tuple[bool, int, str]:
        mode = name.rpartition("-")[2]
        order = SM4_MODE_ORDER.index(mode) if mode in SM4_MODE_ORDER else len(SM4_MODE_ORDER)
        return ("SM" not in name, order, name)
    return sorted(names, key=key)


def case_specs() -> list[CaseSpec]:
    """Every case the suite can run; the device's capabilities decide which apply."""
    specs = [_cipher_case(algorithm) for algorithm in _national_first(SYMMETRIC)]
    specs += [_digest_case(algorithm) for algorithm in _national_first(DIGESTS)]
    specs += [_mac_case(algorithm) for algorithm in _national_first(MACS)]
    specs += [_zuc_case(), _random_case(), *_sm2_cases(), *_international_cases()]
    return specs
