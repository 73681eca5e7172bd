"""Defective SM2 for the emulator's faults: what a module that skips one step of GB/T 32918
computes. Each function is the correct algorithm less that step, so the case that checks the
step is the one that fails."""

from __future__ import annotations

import hashlib
import secrets

from certkit.errors import AuthFailed, BadParameter
from certkit.reference import sm2


def _int32(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _c3(x2: int, message: bytes, y2: int) -> bytes:
    return hashlib.new("sm3", _int32(x2) + message + _int32(y2)).digest()


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def decrypt_without_c3_check(private: int, ciphertext: bytes) -> bytes:
    """The fault: C2 XOR KDF(x2 || y2), never comparing C3."""
    x1, y1 = sm2.decode_public_key(ciphertext[:65])
    shared = sm2.scalar_mult(private, x1, y1)
    if shared is None:
        raise BadParameter("C1 times d is the point at infinity")
    x2, y2 = shared
    c2 = ciphertext[97:]
    stream = sm2.kdf(x2.to_bytes(32, "big") + y2.to_bytes(32, "big"), len(c2))
    return bytes(a ^ b for a, b in zip(c2, stream, strict=True))


def decrypt_without_point_check(private: int, ciphertext: bytes) -> bytes:
    """The fault: C1's coordinates are taken as they come, on the curve or not."""
    x1 = int.from_bytes(ciphertext[1:33], "big") % sm2.P
    y1 = int.from_bytes(ciphertext[33:65], "big") % sm2.P
    shared = sm2.scalar_mult(private, x1, y1) if (x1, y1) != (0, 0) else None
    if shared is None:
        raise AuthFailed("C3 does not match")
    x2, y2 = shared
    c2 = ciphertext[97:]
    stream = sm2.kdf(x2.to_bytes(32, "big") + y2.to_bytes(32, "big"), len(c2))
    if not any(stream):  # B4 kept: only the on-curve check of B1 is skipped
        raise AuthFailed("the KDF output is all zero")
    plaintext = bytes(a ^ b for a, b in zip(c2, stream, strict=True))
    check = hashlib.new("sm3", x2.to_bytes(32, "big") + plaintext + y2.to_bytes(32, "big"))
    if check.digest() != ciphertext[65:97]:
        raise AuthFailed("C3 does not match")
    return plaintext


def decrypt_without_zero_check(private: int, ciphertext: bytes) -> bytes:
    """GB/T 32918.4 7.1 less B4: an all-zero t is used (so C2 = M comes back as M)."""
    x1, y1 = sm2.decode_public_key(ciphertext[:65])
    shared = sm2.scalar_mult(private, x1, y1)
    assert shared is not None
    x2, y2 = shared
    plaintext = _xor(ciphertext[97:], sm2.kdf(_int32(x2) + _int32(y2), len(ciphertext) - 97))
    if _c3(x2, plaintext, y2) != ciphertext[65:97]:
        raise AuthFailed("C3 does not match")
    return plaintext


def encrypt_without_retry(public_key: bytes, message: bytes) -> bytes:
    """GB/T 32918.4 6.1 less A5: when t is all zero, C2 = M goes out instead of a new k."""
    qx, qy = sm2.decode_public_key(public_key)
    k = secrets.randbelow(sm2.N - 1) + 1
    shared = sm2.scalar_mult(k, qx, qy)
    assert shared is not None
    x2, y2 = shared
    c2 = _xor(message, sm2.kdf(_int32(x2) + _int32(y2), len(message)))
    return sm2.public_key_from_private(k) + _c3(x2, message, y2) + c2


def encrypt_unchecked_key(public_key: bytes, message: bytes) -> bytes:
    """Encryption that takes the key's coordinates as they come (GB/T 32918.1 6.2 skipped)."""
    if len(public_key) != 65:
        raise BadParameter(f"SM2 public key must be 65 bytes, got {len(public_key)}")
    qx = int.from_bytes(public_key[1:33], "big") % sm2.P
    qy = int.from_bytes(public_key[33:], "big") % sm2.P
    while True:  # A5 kept: only the key's validation is skipped
        k = secrets.randbelow(sm2.N - 1) + 1
        x2, y2 = sm2.scalar_mult(k, qx, qy) or (0, 0)
        stream = sm2.kdf(_int32(x2) + _int32(y2), len(message))
        if any(stream):
            return sm2.public_key_from_private(k) + _c3(x2, message, y2) + _xor(message, stream)


def public_key_unchecked(private: int) -> bytes:
    """[d]G for any d in [1, n-1], n - 1 included (the range check skipped)."""
    point = sm2.scalar_mult(private, sm2.RECOMMENDED.gx, sm2.RECOMMENDED.gy)
    assert point is not None
    return sm2.encode_public_key(*point)


def _z_wrapped(user_id: bytes, public_key: bytes) -> bytes:
    """Z with ENTL, the ID's bit length, kept in two bytes modulo 2^16 (it wraps at 8192)."""
    return sm2.z_with_entl(8 * len(user_id), user_id, public_key)


def sign_with_wrapped_entl(private: int, public_key: bytes, message: bytes,
                           user_id: bytes) -> bytes:
    e = int.from_bytes(hashlib.new("sm3", _z_wrapped(user_id, public_key) + message).digest(),
                       "big")
    r, s = sm2.sign_digest(private, e, secrets.randbelow(sm2.N - 1) + 1)
    return _int32(r) + _int32(s)


def verify_with_wrapped_entl(public_key: bytes, message: bytes, user_id: bytes,
                             signature: bytes) -> bool:
    e = int.from_bytes(hashlib.new("sm3", _z_wrapped(user_id, public_key) + message).digest(),
                       "big")
    return sm2.verify_digest(public_key, e, int.from_bytes(signature[:32], "big"),
                             int.from_bytes(signature[32:], "big"))
