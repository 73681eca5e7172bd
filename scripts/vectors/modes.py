"""Block-cipher modes written from NIST SP 800-38A/C/D, over any 16-byte block function.

Run over the `gmssl` library's SM4 block function, these are the second, independent
implementation that the generators compare with OpenSSL's modes. Nothing here is fast or
constant-time; it exists to be read and to disagree loudly when OpenSSL and it differ.
"""

from __future__ import annotations

from collections.abc import Callable

BLOCK = 16
BlockFunction = Callable[[bytes], bytes]


def _xor(left: bytes, right: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(left, right, strict=False))


def _blocks(data: bytes) -> list[bytes]:
    return [data[i : i + BLOCK] for i in range(0, len(data), BLOCK)]


def _require_whole_blocks(data: bytes, mode: str) -> None:
    if len(data) % BLOCK:
        raise ValueError(f"{mode} without padding needs whole blocks, got {len(data)} bytes")


def ecb_encrypt(encrypt: BlockFunction, data: bytes) -> bytes:
    _require_whole_blocks(data, "ECB")
    return b"".join(encrypt(block) for block in _blocks(data))


def cbc_encrypt(encrypt: BlockFunction, iv: bytes, data: bytes) -> bytes:
    _require_whole_blocks(data, "CBC")
    out, chain = [], iv
    for block in _blocks(data):
        chain = encrypt(_xor(block, chain))
        out.append(chain)
    return b"".join(out)


def increment128(counter: bytes) -> bytes:
    """Add one to a 16-byte counter block as a big-endian integer, wrapping after all-FF."""
    return ((int.from_bytes(counter, "big") + 1) % (1 << 128)).to_bytes(BLOCK, "big")


def ctr_encrypt(encrypt: BlockFunction, counter: bytes, data: bytes) -> bytes:
    """CTR with the whole 16-byte counter block incremented (SP 800-38A B.1, m = 128)."""
    out = []
    for block in _blocks(data):
        out.append(_xor(block, encrypt(counter)))
        counter = increment128(counter)
    return b"".join(out)


def ofb_encrypt(encrypt: BlockFunction, iv: bytes, data: bytes) -> bytes:
    out, state = [], iv
    for block in _blocks(data):
        state = encrypt(state)
        out.append(_xor(block, state))
    return b"".join(out)


def cfb128_encrypt(encrypt: BlockFunction, iv: bytes, data: bytes) -> bytes:
    """CFB with a 128-bit segment; a short last segment uses the leading keystream bytes."""
    out, feedback = [], iv
    for block in _blocks(data):
        segment = _xor(block, encrypt(feedback))
        out.append(segment)
        feedback = segment
    return b"".join(out)


# --- GCM (SP 800-38D) --------------------------------------------------------------------------

_R = 0xE1 << 120


def _gf_mult(x: int, y: int) -> int:
    """Multiply in GF(2^128) with GCM's bit order (SP 800-38D 6.3, Algorithm 1)."""
    z, v = 0, y
    for i in range(127, -1, -1):
        if (x >> i) & 1:
            z ^= v
        v = (v >> 1) ^ _R if v & 1 else v >> 1
    return z


def _ghash(h: int, data: bytes) -> int:
    y = 0
    for block in _blocks(data):
        y = _gf_mult(y ^ int.from_bytes(block.ljust(BLOCK, b"\0"), "big"), h)
    return y


def _pad16(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % BLOCK)


def _inc32(counter: bytes) -> bytes:
    low = (int.from_bytes(counter[12:], "big") + 1) & 0xFFFFFFFF
    return counter[:12] + low.to_bytes(4, "big")


def gcm_encrypt(encrypt: BlockFunction, iv: bytes, aad: bytes, data: bytes,
                tag_len: int = 16) -> tuple[bytes, bytes]:
    """Return (ciphertext, tag) of GCM; any IV length of at least one byte."""
    if not iv:
        raise ValueError("GCM needs an IV of at least one byte")
    h = int.from_bytes(encrypt(bytes(BLOCK)), "big")
    if len(iv) == 12:
        j0 = iv + b"\0\0\0\1"
    else:
        lengths = (8 * len(iv)).to_bytes(16, "big")
        j0 = _ghash(h, _pad16(iv) + lengths).to_bytes(BLOCK, "big")
    out, counter = [], j0
    for block in _blocks(data):  # GCTR: only the low 32 bits count (SP 800-38D 6.5)
        counter = _inc32(counter)
        out.append(_xor(block, encrypt(counter)))
    ciphertext = b"".join(out)
    lengths = (8 * len(aad)).to_bytes(8, "big") + (8 * len(ciphertext)).to_bytes(8, "big")
    s = _ghash(h, _pad16(aad) + _pad16(ciphertext) + lengths)
    tag = _xor(s.to_bytes(BLOCK, "big"), encrypt(j0))[:tag_len]
    return ciphertext, tag


# --- CCM (SP 800-38C / RFC 3610) ----------------------------------------------------------------


def ccm_encrypt(encrypt: BlockFunction, nonce: bytes, aad: bytes, data: bytes,
                tag_len: int = 16) -> tuple[bytes, bytes]:
    """Return (ciphertext, tag) of CCM with a 7..13-byte nonce and a 4..16-byte even tag."""
    if not 7 <= len(nonce) <= 13:
        raise ValueError("CCM nonce must be 7 to 13 bytes")
    if tag_len not in (4, 6, 8, 10, 12, 14, 16):
        raise ValueError("CCM tag must be 4, 6, ..., 16 bytes")
    q = 15 - len(nonce)  # bytes of the message-length field
    if len(data) >= 1 << (8 * q):
        raise ValueError("message too long for this nonce length")
    flags = (0x40 if aad else 0) | ((tag_len - 2) // 2) << 3 | (q - 1)
    b0 = bytes([flags]) + nonce + len(data).to_bytes(q, "big")
    if not aad:
        encoded_aad = b""
    elif len(aad) < 0xFF00:
        encoded_aad = len(aad).to_bytes(2, "big") + aad
    elif len(aad) < 1 << 32:
        encoded_aad = b"\xff\xfe" + len(aad).to_bytes(4, "big") + aad
    else:
        encoded_aad = b"\xff\xff" + len(aad).to_bytes(8, "big") + aad
    mac = bytes(BLOCK)
    for block in _blocks(b0 + _pad16(encoded_aad) + _pad16(data)):
        mac = encrypt(_xor(mac, block))

    def counter_block(i: int) -> bytes:
        return bytes([q - 1]) + nonce + i.to_bytes(q, "big")

    out = [_xor(block, encrypt(counter_block(i))) for i, block in enumerate(_blocks(data), 1)]
    tag = _xor(mac, encrypt(counter_block(0)))[:tag_len]
    return b"".join(out), tag
