"""The software module: every algorithm of the serial protocol's INFO list, in process.

One core, two faces: `emulator:` wraps it as a Device directly, and the
serial emulator serves it over the wire. It follows the protocol's check
order (error state, field lengths, algorithm offered, key handle, policy,
content) so both faces answer alike.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from dataclasses import dataclass

from certkit import __version__
from certkit.device import SERIAL_PROTOCOL, Device, DeviceInfo, DeviceState, KeyHandle
from certkit.errors import AuthFailed, BadParameter, Denied, ErrorState, NoSuchKey, Unsupported
from certkit.reference import sm2, zuc

from . import bad_sm2
from .bad_random import LinearGenerator, biased_bytes
from .faults import FAULTS
from .symmetric import SM4_MODES, check_lengths

CAPABILITIES = frozenset(
    {"SM3", "HMAC-SM3", *SM4_MODES, "SM2-SIGN", "SM2-VERIFY", "SM2-ENCRYPT", "SM2-DECRYPT",
     "SM2-GENERATE", "SM2-IMPORT", "RANDOM", "ZUC", "SELFTEST", "TEST-HOOKS", "KEY-DESTROY",
     "LARGE-MESSAGES"}
)
MAX_ID_BYTES = 8191  # ENTL is a 16-bit count of bits
MAX_HANDLE = 0xFFFF
SLOWDOWN = 0.3  # the sm4-cbc-slow fault's extra time, as a fraction of the work's


@dataclass
class _HeldKey:
    private: int
    public: bytes


class SoftwareModule(Device):
    """A conforming module, unless told to have some of the catalogued faults."""

    # the in-process face of the module the serial emulator serves: the same vocabulary
    interfaces = frozenset({SERIAL_PROTOCOL})

    def __init__(self, faults: frozenset[str] = frozenset(), *, test_hooks: bool = True,
                 delay_s: float = 0.0) -> None:
        unknown = faults - FAULTS.keys()
        if unknown:
            raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
        self.faults = faults
        self.test_hooks = test_hooks
        self.delay_s = delay_s
        self.info = DeviceInfo(vendor="certkit", model="software module emulator",
                               firmware=__version__, serial="EMU-0001")
        self.capabilities = CAPABILITIES if test_hooks else CAPABILITIES - {"TEST-HOOKS"}
        self._keys: dict[int, _HeldKey] = {}
        self._next_handle = 1
        self._error = False
        self._stuck_random: bytes | None = None
        self._lfsr = LinearGenerator()

    # -- state -------------------------------------------------------------

    def _operational(self) -> None:
        if self.delay_s:
            time.sleep(self.delay_s)
        if self._error:
            raise ErrorState("module is in the error state")

    def self_test(self) -> bool:
        if self._error and "error-state-selftest-clears" not in self.faults:
            return False
        passed = self._known_answers_hold() and "selftest-fails" not in self.faults
        self._error = not passed
        return passed

    def _known_answers_hold(self) -> bool:
        """Power-up known-answer tests (GM/T 0028 7.10.2) over the module's own algorithms."""
        key = bytes.fromhex("0123456789abcdeffedcba9876543210")
        expected = bytes.fromhex("681edf34d206965e86b3e94f536e4246")
        digest = bytes.fromhex("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        return (
            SM4_MODES["SM4-ECB"](key, b"", b"", key, True, self.faults) == expected
            and hashlib.new("sm3", b"abc").digest() == digest
        )

    def state(self) -> DeviceState:
        return DeviceState.ERROR if self._error else DeviceState.OPERATIONAL

    def reset(self) -> None:
        """Power-cycle: zeroise every key, re-run the power-up tests."""
        if "reset-keeps-keys" not in self.faults:
            self._keys.clear()
        if "reset-keeps-error" not in self.faults or not self._error:
            self._error = not self._known_answers_hold()

    def force_error(self) -> None:
        if not self.test_hooks:
            raise Unsupported("force-error needs test hooks")
        self._error = True

    # -- hashing -----------------------------------------------------------

    def digest(self, algorithm: str, data: bytes) -> bytes:
        self._operational()
        if algorithm != "SM3":
            raise Unsupported(f"digest {algorithm}")
        if "sm3-padding-boundary" in self.faults and len(data) % 64 >= 56:
            return hashlib.new("sm3", data + b"\x00").digest()
        return hashlib.new("sm3", data).digest()

    def mac(self, algorithm: str, key: bytes, data: bytes) -> bytes:
        self._operational()
        if algorithm != "HMAC-SM3":
            raise Unsupported(f"mac {algorithm}")
        if "hmac-sm3-long-key" in self.faults and len(key) > 64:
            key = key[:64]
        return hmac.new(key, data, "sm3").digest()

    # -- symmetric ---------------------------------------------------------

    def _sm4(self, algorithm: str, key: bytes, data: bytes, iv: bytes, aad: bytes,
             encrypt: bool) -> bytes:
        if self._error or self.delay_s:  # the fast path of known-answer loops stays fast
            self._operational()
        mode = SM4_MODES.get(algorithm)
        if mode is None:
            raise Unsupported(f"{'encrypt' if encrypt else 'decrypt'} {algorithm}")
        key, iv, data = self._faulty_lengths(algorithm, key, iv, data)
        if algorithm == "SM4-CBC" and "sm4-cbc-slow" in self.faults:
            started = time.perf_counter()
            check_lengths(algorithm, key, iv, data)
            answer = mode(key, iv, aad, data, encrypt, self.faults)
            _busy_wait_after(started, SLOWDOWN)
            return answer
        check_lengths(algorithm, key, iv, data)
        return mode(key, iv, aad, data, encrypt, self.faults)

    def _faulty_lengths(self, algorithm: str, key: bytes, iv: bytes, data: bytes
                        ) -> tuple[bytes, bytes, bytes]:
        """The length faults: inputs a conforming module refuses, silently 'repaired'."""
        faults = self.faults
        if algorithm == "SM4-ECB" and "sm4-ecb-zero-pads" in faults and len(data) % 16:
            data += bytes(-len(data) % 16)
        elif algorithm == "SM4-CBC" and "sm4-cbc-short-iv-padded" in faults and len(iv) < 16:
            iv = iv.ljust(16, b"\x00")
        elif algorithm == "SM4-GCM" and "sm4-gcm-any-iv-length" in faults:
            iv = iv[:64] if iv else bytes(12)
        elif algorithm == "SM4-OFB" and "sm4-ofb-unsupported" in faults:
            raise Unsupported("SM4-OFB")
        return key, iv, data

    def encrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes, aad: bytes) -> bytes:
        return self._sm4(algorithm, key, data, iv, aad, encrypt=True)

    def decrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes, aad: bytes) -> bytes:
        return self._sm4(algorithm, key, data, iv, aad, encrypt=False)

    def keystream(self, algorithm: str, key: bytes, iv: bytes, words: int) -> bytes:
        self._operational()
        if algorithm != "ZUC":
            raise Unsupported(f"keystream {algorithm}")
        if len(key) != 16 or len(iv) != 16 or words < 1:
            raise BadParameter("ZUC takes a 16-byte key, a 16-byte IV and at least one word")
        if "zuc-skip-first-word" in self.faults:
            return zuc.keystream(key, iv, words + 1)[4:]
        return zuc.keystream(key, iv, words)

    def random(self, length: int) -> bytes:
        if "error-state-random-leaks" not in self.faults:
            self._operational()
        if length < 1:
            raise BadParameter("RANDOM needs at least one byte")
        if "random-repeat" in self.faults:
            if self._stuck_random is None or len(self._stuck_random) < length:
                self._stuck_random = os.urandom(length)
            return self._stuck_random[:length]
        if "random-biased" in self.faults:
            return biased_bytes(length)
        if "random-lfsr" in self.faults:
            return self._lfsr.draw(length)
        return os.urandom(length)

    # -- SM2 keys ----------------------------------------------------------

    def _issue(self, private: int, public: bytes) -> KeyHandle:
        if self._next_handle > MAX_HANDLE:
            raise Denied("key handles exhausted until the module restarts")
        ref = self._next_handle
        self._next_handle += 1  # never reused while running, RESET included
        self._keys[ref] = _HeldKey(private, public)
        return KeyHandle(algorithm="SM2", ref=ref, public_key=public)

    def _held(self, handle: KeyHandle) -> _HeldKey:
        key = self._keys.get(handle.ref)
        if key is None and "sm2-unknown-handle-uses-last-key" in self.faults and self._keys:
            key = self._keys[max(self._keys)]
        if key is None:
            raise NoSuchKey(f"key handle {handle.ref}")
        return key

    def generate_key(self, algorithm: str) -> KeyHandle:
        self._operational()
        if algorithm != "SM2":
            raise Unsupported(f"generate key {algorithm}")
        private = 1 + int.from_bytes(os.urandom(40), "big") % (sm2.N - 2)
        shown = private + 1 if "sm2-generate-wrong-public" in self.faults else private
        return self._issue(private, sm2.public_key_from_private(shown))

    def import_key(self, algorithm: str, private_key: bytes) -> KeyHandle:
        self._operational()
        if len(private_key) != 32:
            raise BadParameter(f"SM2 private key must be 32 bytes, got {len(private_key)}")
        if algorithm != "SM2":
            raise Unsupported(f"import key {algorithm}")
        private = int.from_bytes(private_key, "big")
        if "sm2-import-any-scalar" in self.faults and private % sm2.N:
            private %= sm2.N  # n - 1 slips through, and so does anything above n
            return self._issue(private, bad_sm2.public_key_unchecked(private))
        if not 1 <= private <= sm2.N - 2:
            raise BadParameter("SM2 private key outside [1, n-2]")
        return self._issue(private, sm2.public_key_from_private(private))

    def export_key(self, handle: KeyHandle) -> bytes:
        self._operational()
        key = self._held(handle)
        if "sm2-export-allowed" in self.faults:
            return key.private.to_bytes(32, "big")
        raise Denied("private keys never leave the module")

    def destroy_key(self, handle: KeyHandle) -> None:
        self._operational()
        self._held(handle)
        if "sm2-destroy-keeps-key" not in self.faults:
            del self._keys[handle.ref]

    # -- SM2 operations ----------------------------------------------------

    def _user_id(self, user_id: bytes) -> bytes:
        if len(user_id) > MAX_ID_BYTES and "sm2-id-entl-wraps" not in self.faults:
            raise BadParameter(f"SM2 user ID longer than {MAX_ID_BYTES} bytes")
        return sm2.DEFAULT_ID if "sm2-sign-default-id" in self.faults else user_id

    def _public_key(self, public_key: bytes) -> bytes:
        if "sm2-verify-lenient-encoding" in self.faults:
            public_key = b"\x04" + public_key[-64:].rjust(64, b"\x00")
        if len(public_key) != 65:
            raise BadParameter(f"SM2 public key must be 65 bytes, got {len(public_key)}")
        if "sm2-public-key-strip-zeros" in self.faults:
            x = public_key[1:33].lstrip(b"\x00")
            y = public_key[33:]
            # The defective parser takes 32 bytes from where X's significant bytes began.
            public_key = (public_key[:1] + x + y)[:65].ljust(65, b"\x00")
        try:
            sm2.decode_public_key(public_key)
        except ValueError as exc:
            raise BadParameter(f"invalid SM2 public key: {exc}") from None
        return public_key

    def sign(self, handle: KeyHandle, message: bytes, *, user_id: bytes) -> bytes:
        self._operational()
        user_id = self._user_id(user_id)
        key = self._held(handle)
        nonce = None
        if "sm2-sign-fixed-nonce" in self.faults:
            seed = hashlib.new("sm3", b"nonce" + key.private.to_bytes(32, "big")).digest()
            nonce = int.from_bytes(seed, "big") % (sm2.N - 1) + 1
        if "sm2-sign-empty-refused" in self.faults and not message:
            raise BadParameter("nothing to sign")
        if len(user_id) > MAX_ID_BYTES:  # only with sm2-id-entl-wraps
            return bad_sm2.sign_with_wrapped_entl(key.private, key.public, message, user_id)
        return sm2.sign(key.private, message, user_id, nonce)

    def verify(self, algorithm: str, public_key: bytes, message: bytes, signature: bytes, *,
               user_id: bytes) -> bool:
        self._operational()
        if "sm2-verify-lenient-encoding" in self.faults:
            signature = signature[:64].ljust(64, b"\x00")
        if len(signature) != 64:
            raise BadParameter(f"SM2 signature must be 64 bytes, got {len(signature)}")
        user_id = self._user_id(user_id)
        if algorithm != "SM2":
            raise Unsupported(f"verify {algorithm}")
        public_key = self._public_key(public_key)
        if "sm2-verify-no-range-check" in self.faults:
            return self._faulty_verify(public_key, message, user_id, signature)
        if len(user_id) > MAX_ID_BYTES:  # only with sm2-id-entl-wraps
            return bad_sm2.verify_with_wrapped_entl(public_key, message, user_id, signature)
        valid = sm2.verify(public_key, message, user_id, signature)
        if not valid and "sm2-verify-either-order" in self.faults:
            return sm2.verify(public_key, message, user_id, signature[32:] + signature[:32])
        return valid

    def _faulty_verify(self, public_key: bytes, message: bytes, user_id: bytes,
                       signature: bytes) -> bool:
        """Verification that reduces r and s mod n where it should require them in [1, n-1]."""
        r = int.from_bytes(signature[:32], "big") % sm2.N
        s = int.from_bytes(signature[32:], "big") % sm2.N
        e = sm2.message_digest(user_id, public_key, message)
        return sm2.verify_digest(public_key, e, r, s)

    def public_encrypt(self, algorithm: str, public_key: bytes, message: bytes) -> bytes:
        self._operational()
        if not message:
            raise BadParameter("SM2 encryption needs at least one byte")
        if algorithm != "SM2":
            raise Unsupported(f"public-key encrypt {algorithm}")
        nonce = None
        if "sm2-encrypt-fixed-nonce" in self.faults:
            nonce = int.from_bytes(hashlib.new("sm3", public_key).digest(), "big") % (sm2.N - 1) + 1
        if "sm2-encrypt-key-unchecked" in self.faults:
            return bad_sm2.encrypt_unchecked_key(public_key, message)
        if "sm2-encrypt-no-kdf-retry" in self.faults:
            return bad_sm2.encrypt_without_retry(self._public_key(public_key), message)
        ciphertext = sm2.encrypt(self._public_key(public_key), message, nonce)
        if "sm2-ciphertext-c1c2c3" in self.faults:
            return ciphertext[:65] + ciphertext[97:] + ciphertext[65:97]
        return ciphertext

    def private_decrypt(self, handle: KeyHandle, ciphertext: bytes) -> bytes:
        self._operational()
        if len(ciphertext) < 98:
            raise BadParameter(f"SM2 ciphertext shorter than 98 bytes ({len(ciphertext)})")
        key = self._held(handle)
        if "sm2-ciphertext-c1c2c3" in self.faults:
            ciphertext = ciphertext[:65] + ciphertext[-32:] + ciphertext[65:-32]
        try:
            if "sm2-decrypt-no-c3-check" in self.faults:
                return bad_sm2.decrypt_without_c3_check(key.private, ciphertext)
            if "sm2-decrypt-zero-kdf-accepted" in self.faults:
                return bad_sm2.decrypt_without_zero_check(key.private, ciphertext)
            if "sm2-decrypt-no-point-check" in self.faults:
                return bad_sm2.decrypt_without_point_check(key.private, ciphertext)
            return sm2.decrypt(key.private, ciphertext)
        except sm2.DecryptionFailed:
            raise AuthFailed("SM2 C3 does not match") from None
        except ValueError as exc:
            raise BadParameter(f"invalid SM2 ciphertext: {exc}") from None


def _busy_wait_after(started: float, fraction: float) -> None:
    """Spin until the work begun at `started` has taken `fraction` longer: a slower
    implementation burns the CPU, so a sleep (and its coarser wake-up) would be the wrong model."""
    finished = time.perf_counter()
    until = finished + fraction * (finished - started)
    while time.perf_counter() < until:
        pass
