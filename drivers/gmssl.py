"""`gmssl:` -- the pure-Python gmssl library (PyPI) as a device under test.

The driver calls the library the way an application does, through its
public API, and adapts only formats: SM4 without padding (gmssl's CBC always
pads, so the driver drops or supplies the padding block with gmssl's own
ECB), SM2 keys as the uncompressed `04 || X || Y` hex the library parses,
and ciphertext C1 with the `04` byte gmssl omits. It never repairs the
library's behaviour: SM2 signing and verification go through
`sign_with_sm3`/`verify_with_sm3`, which is where an application's user ID
would have to be honoured. The library has no error model; any exception it
raises is reported as an InternalError naming it.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from typing import TypeVar

from gmssl import sm2 as gm_sm2
from gmssl import sm3 as gm_sm3
from gmssl import sm4 as gm_sm4

from certkit.device import Device, DeviceInfo, DriverSpec, KeyHandle
from certkit.errors import BadParameter, ConfigError, InternalError, NoSuchKey, Unsupported
from certkit.hookspecs import hookimpl
from certkit.url import DeviceURL

T = TypeVar("T")
BLOCK = 16
_NO_PADDING = -1  # any value but gmssl's PKCS7 (0) and ZERO (1) turns its padding off
CAPABILITIES = frozenset(
    {"SM3", "SM4-ECB", "SM4-CBC", "SM2-SIGN", "SM2-VERIFY", "SM2-ENCRYPT", "SM2-DECRYPT",
     "SM2-IMPORT", "LARGE-MESSAGES"}
)


def _library(call: Callable[[], T], what: str) -> T:
    try:
        return call()
    except Exception as exc:  # the library signals nothing; every exception is a defect report
        raise InternalError(f"gmssl {what} raised {type(exc).__name__}: {exc}") from None


class GmsslLibrary(Device):
    """The gmssl library, offering what it offers: SM3, SM4-ECB/CBC and SM2."""

    def __init__(self) -> None:
        version = importlib.metadata.version("gmssl")
        self.info = DeviceInfo(vendor="gmssl (PyPI)", model="gmssl pure-Python library",
                               firmware=version, serial="-")
        self.capabilities = CAPABILITIES
        self._keys: dict[int, str] = {}  # handle -> private key hex
        self._issued = 0

    def digest(self, algorithm: str, data: bytes) -> bytes:
        if algorithm != "SM3":
            raise Unsupported(f"digest {algorithm}")
        return bytes.fromhex(_library(lambda: gm_sm3.sm3_hash(list(data)), "sm3_hash"))

    def _ecb(self, key: bytes, data: bytes, *, encrypt: bool) -> bytes:
        cipher = gm_sm4.CryptSM4(padding_mode=_NO_PADDING)
        cipher.set_key(key, gm_sm4.SM4_ENCRYPT if encrypt else gm_sm4.SM4_DECRYPT)
        return cipher.crypt_ecb(data)

    def _check(self, algorithm: str, key: bytes, iv: bytes, data: bytes) -> None:
        if algorithm not in ("SM4-ECB", "SM4-CBC"):
            raise Unsupported(algorithm)
        if len(key) != 16:
            raise BadParameter(f"{algorithm} key must be 16 bytes")
        if len(iv) != (0 if algorithm == "SM4-ECB" else 16):
            raise BadParameter(f"{algorithm} IV length {len(iv)}")
        if len(data) % BLOCK:
            # gmssl pads unaligned data itself; an unpadded cipher cannot take it.
            raise BadParameter(f"{algorithm} data must be a multiple of 16 bytes")

    def encrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes, aad: bytes) -> bytes:
        self._check(algorithm, key, iv, data)
        if algorithm == "SM4-ECB":
            return _library(lambda: self._ecb(key, data, encrypt=True), "crypt_ecb")
        cipher = gm_sm4.CryptSM4()
        cipher.set_key(key, gm_sm4.SM4_ENCRYPT)
        padded = _library(lambda: cipher.crypt_cbc(iv, data), "crypt_cbc")
        return padded[:-BLOCK]  # the whole block of PKCS#7 padding gmssl always appends

    def decrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes, aad: bytes) -> bytes:
        self._check(algorithm, key, iv, data)
        if algorithm == "SM4-ECB":
            return _library(lambda: self._ecb(key, data, encrypt=False), "crypt_ecb")
        # gmssl's CBC decryption always strips PKCS#7 padding, so append the
        # block a padded encryption would have ended with, then let it strip that.
        last = data[-BLOCK:] if data else iv
        pad_block = bytes(a ^ 0x10 for a in last)
        extra = _library(lambda: self._ecb(key, pad_block, encrypt=True), "crypt_ecb")
        cipher = gm_sm4.CryptSM4()
        cipher.set_key(key, gm_sm4.SM4_DECRYPT)
        return _library(lambda: cipher.crypt_cbc(iv, data + extra), "crypt_cbc")

    # -- SM2 ---------------------------------------------------------------

    def _sm2(self, private_hex: str | None, public_key: bytes) -> gm_sm2.CryptSM2:
        return gm_sm2.CryptSM2(private_key=private_hex, public_key=public_key.hex(), mode=1)

    def import_key(self, algorithm: str, private_key: bytes) -> KeyHandle:
        if algorithm != "SM2":
            raise Unsupported(f"import key {algorithm}")
        if len(private_key) != 32:
            raise BadParameter("SM2 private key must be 32 bytes")
        private_hex = private_key.hex()
        # The library has no key-pair API; its own scalar multiplication gives the public key.
        probe = gm_sm2.CryptSM2(private_key=private_hex, public_key="")
        point = _library(
            lambda: probe._kg(int(private_hex, 16), probe.ecc_table["g"]), "scalar multiplication"
        )
        self._issued += 1
        handle = KeyHandle("SM2", self._issued, bytes.fromhex("04" + point))
        self._keys[handle.ref] = private_hex
        return handle

    def destroy_key(self, handle: KeyHandle) -> None:
        """Forget a handle: the keys live in this driver, the library keeps none."""
        self._private(handle)
        del self._keys[handle.ref]

    def _private(self, handle: KeyHandle) -> str:
        if handle.ref not in self._keys:
            raise NoSuchKey(f"key handle {handle.ref}")
        return self._keys[handle.ref]

    def sign(self, handle: KeyHandle, message: bytes, *, user_id: bytes) -> bytes:
        sm2 = self._sm2(self._private(handle), handle.public_key)
        signature = None
        while signature is None:  # the library answers None for a rejected nonce; try again
            signature = _library(lambda: sm2.sign_with_sm3(message), "sign_with_sm3")
        return bytes.fromhex(signature)

    def verify(self, algorithm: str, public_key: bytes, message: bytes, signature: bytes, *,
               user_id: bytes) -> bool:
        if algorithm != "SM2":
            raise Unsupported(f"verify {algorithm}")
        sm2 = self._sm2(None, public_key)
        return bool(_library(lambda: sm2.verify_with_sm3(signature.hex(), message),
                             "verify_with_sm3"))

    def public_encrypt(self, algorithm: str, public_key: bytes, message: bytes) -> bytes:
        if algorithm != "SM2":
            raise Unsupported(f"public-key encrypt {algorithm}")
        sm2 = self._sm2(None, public_key)
        ciphertext = _library(lambda: sm2.encrypt(message), "encrypt")
        if ciphertext is None:
            raise InternalError("gmssl encrypt returned None")
        return b"\x04" + ciphertext  # gmssl writes C1 as X || Y without the 04 byte

    def private_decrypt(self, handle: KeyHandle, ciphertext: bytes) -> bytes:
        sm2 = self._sm2(self._private(handle), handle.public_key)
        body = ciphertext[1:] if ciphertext[:1] == b"\x04" else ciphertext
        plaintext = _library(lambda: sm2.decrypt(body), "decrypt")
        if plaintext is None:
            raise InternalError("gmssl decrypt returned None")
        return plaintext


def open_gmssl(url: DeviceURL) -> Device:
    if url.target:
        raise ConfigError(f"gmssl: takes no target, got {url.target!r}")
    return GmsslLibrary()


@hookimpl
def certkit_drivers() -> list[DriverSpec]:
    return [DriverSpec(scheme="gmssl", title="the gmssl PyPI library (pure Python)",
                       open=open_gmssl)]
