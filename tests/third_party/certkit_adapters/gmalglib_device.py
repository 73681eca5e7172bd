"""`gmalglib:` -- the gmalglib library (C core, PyPI) through its public API."""

from __future__ import annotations

import importlib.metadata

import gmalglib
from gmalglib.sm2 import SM2

from certkit.device import Device, DeviceInfo, DriverSpec, KeyHandle
from certkit.errors import BadParameter, Unsupported
from certkit.hookspecs import hookimpl
from certkit.url import DeviceURL

from .common import KeyRing, library_call

BLOCK = 16


class GmalglibLibrary(Device):
    """SM4 comes as a single-block primitive: the adapter chains ECB and CBC over it, as an
    application would (that chaining is the adapter's, and tested with it). The library's
    `sm3_mac` is SM3(key || message), a secret-prefix MAC, not HMAC: not offered as HMAC-SM3."""

    capabilities = frozenset({"SM3", "SM4-ECB", "SM4-CBC", "ZUC", "SM2-SIGN",
                              "SM2-VERIFY", "SM2-ENCRYPT", "SM2-DECRYPT", "SM2-IMPORT",
                              "SM2-GENERATE", "LARGE-MESSAGES"})

    def __init__(self) -> None:
        self.info = DeviceInfo("gmalglib (PyPI)", "gmalglib C library",
                               importlib.metadata.version("gmalglib"), "-")
        self.keys = KeyRing()

    def digest(self, algorithm: str, data: bytes) -> bytes:
        if algorithm != "SM3":
            raise Unsupported(f"digest {algorithm}")
        return library_call("gmalglib sm3_digest", lambda: gmalglib.sm3_digest(data))

    def _blocks(self, algorithm: str, key: bytes, data: bytes, iv: bytes, encrypt: bool) -> bytes:
        if algorithm not in ("SM4-ECB", "SM4-CBC"):
            raise Unsupported(algorithm)
        if len(iv) != (BLOCK if algorithm == "SM4-CBC" else 0) or len(data) % BLOCK:
            raise BadParameter(f"{algorithm}: IV of {len(iv)} bytes, {len(data)} bytes of data")
        call = gmalglib.sm4_encrypt if encrypt else gmalglib.sm4_decrypt
        out, previous = [], iv
        for start in range(0, len(data), BLOCK):
            block = data[start:start + BLOCK]
            if algorithm == "SM4-CBC" and encrypt:
                block = bytes(a ^ b for a, b in zip(block, previous, strict=False))
            result = library_call("gmalglib sm4", lambda block=block: call(key, block))
            if algorithm == "SM4-CBC" and not encrypt:
                result = bytes(a ^ b for a, b in zip(result, previous, strict=False))
            previous = result if encrypt else data[start:start + BLOCK]
            out.append(result)
        return b"".join(out)

    def encrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes, aad: bytes) -> bytes:
        return self._blocks(algorithm, key, data, iv, True)

    def decrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes, aad: bytes) -> bytes:
        return self._blocks(algorithm, key, data, iv, False)

    def keystream(self, algorithm: str, key: bytes, iv: bytes, words: int) -> bytes:
        if algorithm != "ZUC":
            raise Unsupported(f"keystream {algorithm}")
        return library_call("gmalglib zuc_generate",
                            lambda: gmalglib.zuc_generate(key, iv, 4 * words))

    def import_key(self, algorithm: str, private_key: bytes) -> KeyHandle:
        public = library_call("gmalglib sm2_get_pk", lambda: gmalglib.sm2_get_pk(private_key))
        return self.keys.issue(private_key, public)

    def generate_key(self, algorithm: str) -> KeyHandle:
        private, public = library_call("gmalglib keygen", gmalglib.sm2_generate_keypair)
        return self.keys.issue(private, public)

    def sign(self, handle: KeyHandle, message: bytes, *, user_id: bytes) -> bytes:
        private = self.keys.private(handle)
        return library_call("gmalglib SM2.sign",
                            lambda: SM2(sk=private, uid=user_id).sign(message))

    def verify(self, algorithm: str, public_key: bytes, message: bytes, signature: bytes, *,
               user_id: bytes) -> bool:
        return library_call("gmalglib SM2.verify", lambda: SM2(
            pk=public_key, uid=user_id).verify(message, signature))

    def public_encrypt(self, algorithm: str, public_key: bytes, message: bytes) -> bytes:
        return library_call("gmalglib sm2_encrypt",
                            lambda: gmalglib.sm2_encrypt(public_key, message))

    def private_decrypt(self, handle: KeyHandle, ciphertext: bytes) -> bytes:
        private = self.keys.private(handle)
        return library_call("gmalglib sm2_decrypt",
                            lambda: gmalglib.sm2_decrypt(private, ciphertext))


def _open(url: DeviceURL) -> Device:
    return GmalglibLibrary()


@hookimpl
def certkit_drivers() -> list[DriverSpec]:
    return [DriverSpec(scheme="gmalglib", title="the gmalglib SM library (C core)", open=_open)]
