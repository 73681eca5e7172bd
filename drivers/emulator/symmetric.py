"""SM4 in every mode the emulator offers, on OpenSSL (cryptography) and Tongsuo (tongsuopy).

Each named fault is a realistic defect, injected where a real
implementation would have it.
"""

from __future__ import annotations

from cryptography.hazmat.decrepit.ciphers.modes import CFB, OFB
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from tongsuopy.crypto.ciphers.aead import SM4CCM
from tongsuopy.crypto.exceptions import InvalidTag as TongsuoInvalidTag

from certkit.errors import AuthFailed, BadParameter

from .gcm import gcm_decrypt, gcm_encrypt

BLOCK = 16
TAG = 16
BLOCK_MODES = ("SM4-ECB", "SM4-CBC")


_ECB = modes.ECB()  # stateless, so one instance serves every call


def _ecb(key: bytes, data: bytes, *, encrypt: bool) -> bytes:
    cipher = Cipher(algorithms.SM4(key), _ECB)
    worker = cipher.encryptor() if encrypt else cipher.decryptor()
    return worker.update(data) + worker.finalize()


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b[: len(a)], "big")).to_bytes(len(a), "big")


def _stream(mode: modes.Mode, key: bytes, data: bytes, *, encrypt: bool) -> bytes:
    cipher = Cipher(algorithms.SM4(key), mode)
    worker = cipher.encryptor() if encrypt else cipher.decryptor()
    return worker.update(data) + worker.finalize()


def _ctr_keystream_32bit(key: bytes, iv: bytes, length: int) -> bytes:
    """The fault's counter: only the low 32 bits count, the high 96 never carry."""
    high, low = iv[:12], int.from_bytes(iv[12:], "big")
    blocks = (length + BLOCK - 1) // BLOCK
    counters = b"".join(high + ((low + i) % 2**32).to_bytes(4, "big") for i in range(blocks))
    return _ecb(key, counters, encrypt=True)[:length]


def _cbc_without_chaining(key: bytes, iv: bytes, data: bytes, *, encrypt: bool) -> bytes:
    if encrypt:
        return _ecb(key, _xor(data, iv * (len(data) // BLOCK)), encrypt=True)
    return _xor(_ecb(key, data, encrypt=False), iv * (len(data) // BLOCK))


def check_lengths(algorithm: str, key: bytes, iv: bytes, data: bytes) -> None:
    """Field lengths per the serial protocol: BadParameter before anything else is looked at."""
    if len(key) != 16:
        raise BadParameter(f"{algorithm} key must be 16 bytes, got {len(key)}")
    if algorithm == "SM4-ECB":
        if iv:
            raise BadParameter("SM4-ECB takes no IV")
    elif algorithm == "SM4-GCM":
        if not 1 <= len(iv) <= 64:
            raise BadParameter(f"SM4-GCM IV must be 1..64 bytes, got {len(iv)}")
    elif algorithm == "SM4-CCM":
        if not 7 <= len(iv) <= 13:
            raise BadParameter(f"SM4-CCM nonce must be 7..13 bytes, got {len(iv)}")
    elif len(iv) != BLOCK:
        raise BadParameter(f"{algorithm} IV must be 16 bytes, got {len(iv)}")
    if algorithm in BLOCK_MODES and len(data) % BLOCK:
        raise BadParameter(f"{algorithm} data must be a multiple of 16 bytes, got {len(data)}")


def _ecb_mode(key: bytes, iv: bytes, aad: bytes, data: bytes, encrypt: bool,
              faults: frozenset[str]) -> bytes:
    if not encrypt and "sm4-ecb-decrypt-key-order" in faults:
        return _ecb(key, data, encrypt=True)
    return _ecb(key, data, encrypt=encrypt)


def _cbc_mode(key: bytes, iv: bytes, aad: bytes, data: bytes, encrypt: bool,
              faults: frozenset[str]) -> bytes:
    if "sm4-cbc-no-chaining" in faults:
        return _cbc_without_chaining(key, iv, data, encrypt=encrypt)
    return _stream(modes.CBC(iv), key, data, encrypt=encrypt)


def _ctr_mode(key: bytes, iv: bytes, aad: bytes, data: bytes, encrypt: bool,
              faults: frozenset[str]) -> bytes:
    if "sm4-ctr-32bit-counter" in faults:
        return _xor(data, _ctr_keystream_32bit(key, iv, len(data)))
    return _stream(modes.CTR(iv), key, data, encrypt=encrypt)


def _ofb_mode(key: bytes, iv: bytes, aad: bytes, data: bytes, encrypt: bool,
              faults: frozenset[str]) -> bytes:
    if "sm4-ofb-as-cfb" in faults:
        return _stream(CFB(iv), key, data, encrypt=encrypt)
    return _stream(OFB(iv), key, data, encrypt=encrypt)


def _cfb_mode(key: bytes, iv: bytes, aad: bytes, data: bytes, encrypt: bool,
              faults: frozenset[str]) -> bytes:
    if "sm4-cfb-iv-reuse" in faults:
        return _xor(data, _ecb(key, iv, encrypt=True) * (len(data) // BLOCK + 1))
    return _stream(CFB(iv), key, data, encrypt=encrypt)


def _gcm_mode(key: bytes, iv: bytes, aad: bytes, data: bytes, encrypt: bool,
              faults: frozenset[str]) -> bytes:
    if "sm4-gcm-aad-ignored" in faults:
        aad = b""
    if "sm4-gcm-iv-96-only" in faults:
        iv = (iv + bytes(12))[:12]
    if encrypt:
        return gcm_encrypt(key, iv, aad, data)
    if len(data) < TAG:
        raise BadParameter("SM4-GCM input shorter than its 16-byte tag")
    if "sm4-gcm-tag-unchecked" in faults:
        return gcm_encrypt(key, iv, aad, data[:-TAG])[:-TAG]  # CTR is its own inverse
    return gcm_decrypt(key, iv, aad, data[:-TAG], data[-TAG:])


def _ccm_mode(key: bytes, iv: bytes, aad: bytes, data: bytes, encrypt: bool,
              faults: frozenset[str]) -> bytes:
    if "sm4-ccm-aad-ignored" in faults:
        aad = b""
    ccm = SM4CCM(key, tag_length=TAG)
    if encrypt:
        return ccm.encrypt(iv, data, aad)
    if len(data) < TAG:
        raise BadParameter("SM4-CCM input shorter than its 16-byte tag")
    if "sm4-ccm-tag-unchecked" in faults:
        # CCM's CTR keystream starts at counter 1, so re-encrypting the ciphertext decrypts it.
        return ccm.encrypt(iv, data[:-TAG], aad)[:-TAG]
    try:
        return ccm.decrypt(iv, data, aad)
    except TongsuoInvalidTag:
        raise AuthFailed("SM4-CCM tag mismatch") from None


# Algorithm -> mode function(key, iv, aad, data, encrypt, faults); AEAD modes
# carry the 16-byte tag after the ciphertext.
SM4_MODES = {
    "SM4-ECB": _ecb_mode, "SM4-CBC": _cbc_mode, "SM4-CTR": _ctr_mode, "SM4-OFB": _ofb_mode,
    "SM4-CFB": _cfb_mode, "SM4-GCM": _gcm_mode, "SM4-CCM": _ccm_mode,
}
