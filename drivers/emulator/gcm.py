"""SM4-GCM for every IV length the serial protocol allows (1..64 bytes).

OpenSSL does GCM with any IV length, but the `cryptography` binding refuses
IVs under 8 bytes; for those, the pre-counter block J0 and the tag are
computed here (NIST SP 800-38D §7.1) around OpenSSL's SM4 block function.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from certkit.errors import AuthFailed

_R = 0xE1 << 120


def _block_encrypt(key: bytes, data: bytes) -> bytes:
    worker = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    return worker.update(data) + worker.finalize()


def _gf_mult(x: int, y: int) -> int:
    """Multiply in GF(2^128) with GCM's bit order (SP 800-38D Algorithm 1)."""
    z, v = 0, y
    for bit in range(127, -1, -1):
        if (x >> bit) & 1:
            z ^= v
        v = (v >> 1) ^ _R if v & 1 else v >> 1
    return z


def _ghash(h: int, data: bytes) -> int:
    y = 0
    for offset in range(0, len(data), 16):
        y = _gf_mult(y ^ int.from_bytes(data[offset:offset + 16], "big"), h)
    return y


def _pad16(data: bytes) -> bytes:
    return data + bytes(-len(data) % 16)


def _gctr(key: bytes, counter: int, data: bytes) -> bytes:
    """CTR with GCM's inc32: only the low 32 bits of the counter block wrap."""
    high, low = counter >> 32, counter & 0xFFFFFFFF
    blocks = (len(data) + 15) // 16
    counters = b"".join(
        ((high << 32) | ((low + i) & 0xFFFFFFFF)).to_bytes(16, "big") for i in range(blocks)
    )
    stream = _block_encrypt(key, counters)
    return bytes(a ^ b for a, b in zip(data, stream, strict=False))


def _short_iv_tag(key: bytes, iv: bytes, aad: bytes, ciphertext: bytes) -> tuple[int, bytes]:
    h = int.from_bytes(_block_encrypt(key, bytes(16)), "big")
    j0 = _ghash(h, _pad16(iv) + (len(iv) * 8).to_bytes(16, "big"))
    lengths = (len(aad) * 8).to_bytes(8, "big") + (len(ciphertext) * 8).to_bytes(8, "big")
    s = _ghash(h, _pad16(aad) + _pad16(ciphertext) + lengths)
    tag = _gctr(key, j0, s.to_bytes(16, "big"))
    return j0, tag


def gcm_encrypt(key: bytes, iv: bytes, aad: bytes, plaintext: bytes) -> bytes:
    """Return ciphertext || 16-byte tag."""
    if len(iv) >= 8:
        worker = Cipher(algorithms.SM4(key), modes.GCM(iv)).encryptor()
        worker.authenticate_additional_data(aad)
        ciphertext = worker.update(plaintext) + worker.finalize()
        return ciphertext + worker.tag
    h = int.from_bytes(_block_encrypt(key, bytes(16)), "big")
    j0 = _ghash(h, _pad16(iv) + (len(iv) * 8).to_bytes(16, "big"))
    ciphertext = _gctr(key, (j0 & ~0xFFFFFFFF) | ((j0 + 1) & 0xFFFFFFFF), plaintext)
    return ciphertext + _short_iv_tag(key, iv, aad, ciphertext)[1]


def gcm_decrypt(key: bytes, iv: bytes, aad: bytes, ciphertext: bytes, tag: bytes) -> bytes:
    """Return the plaintext, or raise AuthFailed without releasing any of it."""
    if len(iv) >= 8:
        worker = Cipher(algorithms.SM4(key), modes.GCM(iv, tag)).decryptor()
        worker.authenticate_additional_data(aad)
        try:
            return worker.update(ciphertext) + worker.finalize()
        except InvalidTag:
            raise AuthFailed("SM4-GCM tag mismatch") from None
    j0, expected = _short_iv_tag(key, iv, aad, ciphertext)
    if expected != tag:
        raise AuthFailed("SM4-GCM tag mismatch")
    return _gctr(key, (j0 & ~0xFFFFFFFF) | ((j0 + 1) & 0xFFFFFFFF), ciphertext)
