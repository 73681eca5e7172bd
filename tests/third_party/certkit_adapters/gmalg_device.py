"""`gmalg:` -- the gmalg library (pure Python, PyPI) through its public API."""

from __future__ import annotations

import importlib.metadata

import gmalg

from certkit.device import Device, DeviceInfo, DriverSpec, KeyHandle
from certkit.errors import Unsupported
from certkit.hookspecs import hookimpl
from certkit.url import DeviceURL

from .common import KeyRing, library_call

MODES = {"SM4-ECB", "SM4-CBC"}


class GmalgLibrary(Device):
    capabilities = frozenset({"SM3", "SM4-ECB", "SM4-CBC", "ZUC", "SM2-SIGN", "SM2-VERIFY",
                              "SM2-ENCRYPT", "SM2-DECRYPT", "SM2-IMPORT", "SM2-GENERATE",
                              "LARGE-MESSAGES"})

    def __init__(self) -> None:
        self.info = DeviceInfo("gmalg (PyPI)", "gmalg pure-Python library",
                               importlib.metadata.version("gmalg"), "-")
        self.keys = KeyRing()

    def digest(self, algorithm: str, data: bytes) -> bytes:
        if algorithm != "SM3":
            raise Unsupported(f"digest {algorithm}")

        def run() -> bytes:
            sm3 = gmalg.SM3()
            sm3.update(data)
            return sm3.value()
        return library_call("gmalg SM3", run)

    def _mode(self, algorithm: str, key: bytes, iv: bytes) -> object:
        from gmalg import bcmode

        if algorithm not in MODES:
            raise Unsupported(algorithm)
        cipher = library_call("gmalg SM4", lambda: gmalg.SM4(key))
        if algorithm == "SM4-ECB":
            return bcmode.BlockCipherModeECB(cipher)
        return library_call("gmalg CBC", lambda: bcmode.BlockCipherModeCBC(cipher, iv))

    def encrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes, aad: bytes) -> bytes:
        mode = self._mode(algorithm, key, iv)
        return library_call(f"gmalg {algorithm} encrypt", lambda: mode.encrypt(data))

    def decrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes, aad: bytes) -> bytes:
        mode = self._mode(algorithm, key, iv)
        return library_call(f"gmalg {algorithm} decrypt", lambda: mode.decrypt(data))

    def keystream(self, algorithm: str, key: bytes, iv: bytes, words: int) -> bytes:
        if algorithm != "ZUC":
            raise Unsupported(f"keystream {algorithm}")
        zuc = library_call("gmalg ZUC", lambda: gmalg.ZUC(key, iv))
        return b"".join(library_call("gmalg ZUC", zuc.generate) for _ in range(words))

    def import_key(self, algorithm: str, private_key: bytes) -> KeyHandle:
        public = library_call("gmalg SM2 key", lambda: gmalg.SM2().generate_pk(private_key))
        return self.keys.issue(private_key, public)

    def generate_key(self, algorithm: str) -> KeyHandle:
        private, public = library_call("gmalg SM2 keygen", gmalg.SM2().generate_keypair)
        return self.keys.issue(private, public)

    def sign(self, handle: KeyHandle, message: bytes, *, user_id: bytes) -> bytes:
        private = self.keys.private(handle)
        r, s = library_call("gmalg SM2 sign", lambda: gmalg.SM2(
            sk=private, uid=user_id, pk=handle.public_key).sign(message))
        return r.rjust(32, b"\x00") + s.rjust(32, b"\x00")

    def verify(self, algorithm: str, public_key: bytes, message: bytes, signature: bytes, *,
               user_id: bytes) -> bool:
        return library_call("gmalg SM2 verify", lambda: gmalg.SM2(
            pk=public_key, uid=user_id).verify(message, signature[:32], signature[32:]))

    def public_encrypt(self, algorithm: str, public_key: bytes, message: bytes) -> bytes:
        return library_call("gmalg SM2 encrypt",
                            lambda: gmalg.SM2(pk=public_key).encrypt(message))

    def private_decrypt(self, handle: KeyHandle, ciphertext: bytes) -> bytes:
        private = self.keys.private(handle)
        return library_call("gmalg SM2 decrypt",
                            lambda: gmalg.SM2(sk=private).decrypt(ciphertext))


def _open(url: DeviceURL) -> Device:
    return GmalgLibrary()


@hookimpl
def certkit_drivers() -> list[DriverSpec]:
    return [DriverSpec(scheme="gmalg", title="the gmalg SM library (pure Python)", open=_open)]
