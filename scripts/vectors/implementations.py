"""The independent implementations the generators compare, each under the name files record.

* OpenSSL through Python: `hashlib.new("sm3")` (the system's libcrypto) and `cryptography`
  (which links its own OpenSSL) for SM4 in ECB/CBC/CTR/OFB/CFB/GCM.
* Tongsuo, statically linked into `tongsuopy`: SM3, SM4-GCM, SM4-CCM and ZUC-128-EEA3.
* The pure-Python `gmssl` library: its SM3 and its SM4 *block* function only; modes over that
  block come from `modes.py`, written here.
"""

from __future__ import annotations

import hashlib
import ssl
from functools import cache
from importlib.metadata import version

import modes
from cryptography.hazmat.decrepit.ciphers import modes as ossl_decrepit_modes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers import modes as ossl_modes
from gmssl import sm3 as gmssl_sm3
from gmssl.sm4 import SM4_ENCRYPT, CryptSM4


def _openssl_release(text: str) -> str:
    # "OpenSSL 3.0.19 27 Jan 2026" -> "OpenSSL 3.0.19"
    return " ".join(text.split()[:2])


HASHLIB = f"Python hashlib on {_openssl_release(ssl.OPENSSL_VERSION)}"
GMSSL = f"gmssl {version('gmssl')} (pure Python)"


@cache
def cryptography_name() -> str:
    from cryptography.hazmat.backends.openssl import backend

    release = _openssl_release(backend.openssl_version_text())
    return f"cryptography {version('cryptography')} on {release}"


@cache
def tongsuo_name() -> str:
    return f"tongsuopy {version('tongsuopy')} (bundled Tongsuo)"


def gmssl_modes_name() -> str:
    return f"scripts/vectors/modes.py over the SM4 block function of {GMSSL}"


# --- SM3 ---------------------------------------------------------------------------------------


def sm3_hashlib(message: bytes) -> bytes:
    return hashlib.new("sm3", message).digest()


def sm3_gmssl(message: bytes) -> bytes:
    return bytes.fromhex(gmssl_sm3.sm3_hash(list(message)))


def sm3_tongsuo(message: bytes) -> bytes:
    from tongsuopy.crypto import hashes

    digest = hashes.Hash(hashes.SM3())
    digest.update(message)
    return digest.finalize()


# --- SM4: OpenSSL through cryptography ---------------------------------------------------------

_OSSL_MODES = {
    "cbc": ossl_modes.CBC,
    "ctr": ossl_modes.CTR,
    "ofb": ossl_decrepit_modes.OFB,
    "cfb": ossl_decrepit_modes.CFB,
}


def sm4_openssl(mode: str, key: bytes, iv: bytes, data: bytes) -> bytes:
    """Encrypt with OpenSSL's SM4 in ECB, CBC, CTR, OFB or CFB-128, without padding."""
    chosen = ossl_modes.ECB() if mode == "ecb" else _OSSL_MODES[mode](iv)
    encryptor = Cipher(algorithms.SM4(key), chosen).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def sm4_gcm_openssl(key: bytes, iv: bytes, aad: bytes, data: bytes) -> tuple[bytes, bytes]:
    encryptor = Cipher(algorithms.SM4(key), ossl_modes.GCM(iv)).encryptor()
    encryptor.authenticate_additional_data(aad)
    ciphertext = encryptor.update(data) + encryptor.finalize()
    return ciphertext, encryptor.tag


def sm4_monte_carlo_openssl(key: bytes, block: bytes, iterations: int) -> bytes:
    encryptor = Cipher(algorithms.SM4(key), ossl_modes.ECB()).encryptor()
    for _ in range(iterations):
        block = encryptor.update(block)
    return block


# --- SM4: Tongsuo ------------------------------------------------------------------------------


def sm4_aead_tongsuo(mode: str, key: bytes, iv: bytes, aad: bytes, data: bytes,
                     tag_len: int = 16) -> tuple[bytes, bytes]:
    """SM4-GCM or SM4-CCM through Tongsuo's EVP interface.

    tongsuopy's public SM4GCM refuses IVs shorter than 8 bytes, which GCM itself allows; the
    backend function below it sets any IV length through EVP_CTRL_AEAD_SET_IVLEN, so it is
    called directly.
    """
    from tongsuopy.backends.tongsuo import aead
    from tongsuopy.backends.tongsuo.backend import backend
    from tongsuopy.crypto.ciphers.aead import SM4CCM, SM4GCM

    cipher = SM4GCM(key) if mode == "gcm" else SM4CCM(key, tag_length=tag_len)
    sealed = aead._encrypt(backend, cipher, iv, data, [aad], tag_len)
    return sealed[:-tag_len], sealed[-tag_len:]


def sm4_monte_carlo_tongsuo(key: bytes, block: bytes, iterations: int) -> bytes:
    from tongsuopy.crypto.ciphers import Cipher as TongsuoCipher
    from tongsuopy.crypto.ciphers import algorithms as tongsuo_algorithms
    from tongsuopy.crypto.ciphers import modes as tongsuo_modes

    encryptor = TongsuoCipher(tongsuo_algorithms.SM4(key), tongsuo_modes.ECB()).encryptor()
    for _ in range(iterations):
        block = encryptor.update(block)
    return block


# --- SM4: gmssl's block function under modes.py ------------------------------------------------


def gmssl_block(key: bytes) -> modes.BlockFunction:
    """Return gmssl's single-block SM4 encryption under key (no padding, no mode)."""
    cipher = CryptSM4()
    cipher.set_key(key, SM4_ENCRYPT)
    round_keys = list(cipher.sk)

    def encrypt(block: bytes) -> bytes:
        if len(block) != modes.BLOCK:
            raise ValueError("gmssl block function takes exactly 16 bytes")
        return bytes(cipher.one_round(round_keys, list(block)))

    return encrypt


def sm4_gmssl(mode: str, key: bytes, iv: bytes, data: bytes) -> bytes:
    block = gmssl_block(key)
    if mode == "ecb":
        return modes.ecb_encrypt(block, data)
    run = {"cbc": modes.cbc_encrypt, "ctr": modes.ctr_encrypt, "ofb": modes.ofb_encrypt,
           "cfb": modes.cfb128_encrypt}[mode]
    return run(block, iv, data)


def sm4_aead_gmssl(mode: str, key: bytes, iv: bytes, aad: bytes, data: bytes,
                   tag_len: int = 16) -> tuple[bytes, bytes]:
    run = modes.gcm_encrypt if mode == "gcm" else modes.ccm_encrypt
    return run(gmssl_block(key), iv, aad, data, tag_len)


# --- ZUC ---------------------------------------------------------------------------------------


def zuc_eea3_keystream_tongsuo(key: bytes, count: int, bearer: int, direction: int,
                               size: int) -> bytes:
    """Return `size` keystream bytes of 128-EEA3 from Tongsuo's ZUC-128-EEA3 EVP cipher.

    Tongsuo takes a 5-byte IV, COUNT (4 bytes, big-endian) || BEARER << 3 | DIRECTION << 2,
    and expands it to the 16-byte ZUC IV as 128-EEA3 prescribes; encrypting zeros yields the
    keystream.
    """
    from tongsuopy.backends.tongsuo.binding import Binding

    binding = Binding()
    lib, ffi = binding.lib, binding.ffi
    cipher = lib.EVP_get_cipherbyname(b"ZUC-128-EEA3")
    if cipher == ffi.NULL:
        raise RuntimeError("Tongsuo offers no ZUC-128-EEA3")
    iv = count.to_bytes(4, "big") + bytes([(bearer << 3) | (direction << 2)])
    ctx = ffi.gc(lib.EVP_CIPHER_CTX_new(), lib.EVP_CIPHER_CTX_free)
    if lib.EVP_CipherInit_ex(ctx, cipher, ffi.NULL, key, iv, 1) != 1:
        raise RuntimeError("EVP_CipherInit_ex(ZUC-128-EEA3) failed")
    out = ffi.new("unsigned char[]", size + 16)
    out_len = ffi.new("int *")
    if lib.EVP_CipherUpdate(ctx, out, out_len, bytes(size), size) != 1:
        raise RuntimeError("EVP_CipherUpdate(ZUC-128-EEA3) failed")
    return bytes(ffi.buffer(out, out_len[0]))


# --- SM2 ---------------------------------------------------------------------------------------


def sm2_decrypt_tongsuo(d: int, ciphertext_der: bytes) -> bytes:
    """Decrypt a GM/T 0009 DER SM2 ciphertext with Tongsuo's EVP_PKEY_decrypt under key d.

    tongsuopy has no SM2 encryption API; its bundled library does, once the key is marked as
    an SM2 key (EVP_PKEY_set_alias_type). Raises ValueError when Tongsuo refuses.
    """
    from tongsuopy.backends.tongsuo.backend import backend
    from tongsuopy.crypto.asymciphers import ec

    lib, ffi = backend._lib, backend._ffi
    pkey = ec.derive_private_key(d, ec.SM2())._evp_pkey
    if lib.EVP_PKEY_set_alias_type(pkey, lib.EVP_PKEY_SM2) != 1:
        raise RuntimeError("Tongsuo: cannot mark the key as SM2")
    ctx = ffi.gc(lib.EVP_PKEY_CTX_new(pkey, ffi.NULL), lib.EVP_PKEY_CTX_free)
    if lib.EVP_PKEY_decrypt_init(ctx) != 1:
        raise RuntimeError("Tongsuo: EVP_PKEY_decrypt_init failed")
    capacity = len(ciphertext_der)
    out = ffi.new("unsigned char[]", capacity)
    out_len = ffi.new("size_t *", capacity)
    status = lib.EVP_PKEY_decrypt(ctx, out, out_len, ciphertext_der, len(ciphertext_der))
    if status != 1:
        lib.ERR_clear_error()
        raise ValueError("Tongsuo refused the ciphertext")
    return bytes(ffi.buffer(out, out_len[0]))
