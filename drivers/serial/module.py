"""The module's half of the protocol: request frames in, response frames out.

`ProtocolModule` puts the protocol's face on a `SoftwareModule` (the core
that `emulator:` also wraps), NAKs frames it could not read, and answers a
retransmission from its cache instead of executing it again.

Who checks what: the face checks only what the wire itself fixes -- the
command is known, the number of fields, the widths of the integers it must
decode (mode, handle, count), the GCM tag it splits off, whether the
response would fit max_payload, the algorithm offered -- and the core does
everything else (error state, key and IV lengths, alignment, handles,
policy, content), as it does in process. So a core fault in input checking
(an unaligned block zero-padded, RANDOM answering in the error state) shows
on the wire exactly as in process. The face's own refusals yield to the
error state, which the protocol checks before anything but the command.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass

from certkit.device import DeviceState, KeyHandle
from certkit.drivers.emulator.core import SoftwareModule
from certkit.errors import (
    AuthFailed,
    BadParameter,
    Denied,
    ErrorState,
    NoSuchKey,
    Refusal,
    Unsupported,
)

from .protocol import (
    BLOCK,
    FIRST_CRYPTO_COMMAND,
    HANDLE_SIZE,
    KEY_SIZE,
    MAX_LEN,
    NAK,
    NAK_PAYLOAD,
    PROTOCOL_ALGORITHMS,
    PROTOCOL_VERSION,
    RESPONSE_BIT,
    TAG_SIZE,
    BadFrame,
    Command,
    FieldError,
    Frame,
    OutgoingFrame,
    Oversize,
    ParseEvent,
    Sm4Mode,
    Status,
    decode_fields,
    encode_fields,
    uint,
)

SM2_CIPHERTEXT_OVERHEAD = 97  # C1 (65) and C3 (32) around C2
REFUSAL_STATUS: tuple[tuple[type[Refusal], Status], ...] = (
    (Unsupported, Status.UNSUPPORTED),
    (BadParameter, Status.BAD_PARAMETER),
    (AuthFailed, Status.AUTH_FAILED),
    (NoSuchKey, Status.NO_SUCH_KEY),
    (ErrorState, Status.ERROR_STATE),
    (Denied, Status.DENIED),
)


class Rejected(Exception):
    """A refusal of the face's own, for what the wire fixes (the core refuses the rest)."""

    def __init__(self, status: Status, detail: str = "") -> None:
        super().__init__(detail or status.name)
        self.status = status


def _count(fields: list[bytes], count: int) -> list[bytes]:
    """BAD_PARAMETER unless there are exactly `count` fields."""
    if len(fields) != count:
        raise Rejected(Status.BAD_PARAMETER, f"{len(fields)} fields, expected {count}")
    return fields


def _integer(field: bytes, size: int) -> int:
    """A fixed-width big-endian integer field (mode, handle, count); BAD_PARAMETER if not."""
    if len(field) != size:
        raise Rejected(Status.BAD_PARAMETER, f"a {size}-byte field is {len(field)} bytes")
    return int.from_bytes(field, "big")


def _handle(field: bytes) -> KeyHandle:
    return KeyHandle(algorithm="SM2", ref=_integer(field, HANDLE_SIZE), public_key=b"")


@dataclass
class ModuleStats:
    executed: int = 0
    cached: int = 0  # retransmissions answered from the cache
    naks: int = 0
    ignored: int = 0  # frames that were responses, not requests


class ProtocolModule:
    """A conforming serial module around a SoftwareModule, unless its core has faults."""

    def __init__(self, core: SoftwareModule, *, max_payload: int = MAX_LEN) -> None:
        if not 1 <= max_payload <= MAX_LEN:
            raise ValueError(f"max_payload must be 1..{MAX_LEN}")
        self.core = core
        self.max_payload = max_payload
        self.algorithms = tuple(a for a in PROTOCOL_ALGORITHMS if a in core.capabilities)
        self.stats = ModuleStats()
        self._cache: tuple[Frame, OutgoingFrame] | None = None
        self._handlers: dict[int, Callable[[list[bytes]], list[bytes]]] = {
            Command.INFO: self._info,
            Command.SELFTEST: self._self_test,
            Command.STATE: self._state,
            Command.RESET: self._reset,
            Command.RANDOM: self._random,
            Command.SM3: self._sm3,
            Command.HMAC_SM3: self._hmac_sm3,
            Command.SM4_ENCRYPT: lambda fields: self._sm4(fields, encrypt=True),
            Command.SM4_DECRYPT: lambda fields: self._sm4(fields, encrypt=False),
            Command.SM4_GCM_ENCRYPT: self._gcm_encrypt,
            Command.SM4_GCM_DECRYPT: self._gcm_decrypt,
            Command.SM2_GENERATE: self._sm2_generate,
            Command.SM2_IMPORT: self._sm2_import,
            Command.SM2_SIGN: self._sm2_sign,
            Command.SM2_VERIFY: self._sm2_verify,
            Command.SM2_ENCRYPT: self._sm2_encrypt,
            Command.SM2_DECRYPT: self._sm2_decrypt,
            Command.SM2_EXPORT: self._sm2_export,
            Command.SM2_DESTROY: self._sm2_destroy,
            Command.ZUC_KEYSTREAM: self._zuc,
        }
        if core.test_hooks:  # otherwise FORCE_ERROR is UNKNOWN_COMMAND, as the protocol says
            self._handlers[Command.FORCE_ERROR] = self._force_error

    def info_document(self) -> dict[str, object]:
        info = self.core.info
        return {"vendor": info.vendor, "model": f"{info.model} (serial face)",
                "firmware": info.firmware, "serial": info.serial,
                "protocol": PROTOCOL_VERSION, "max_payload": self.max_payload,
                "test_hooks": self.core.test_hooks, "algorithms": list(self.algorithms)}

    def forget(self) -> None:
        """Drop the retransmission cache: a new host is on the line."""
        self._cache = None

    def receive(self, event: ParseEvent) -> OutgoingFrame | None:
        """The frame to send back for what the parser found, if anything."""
        if isinstance(event, Frame):
            return self.answer(event)
        if isinstance(event, BadFrame | Oversize):
            self.stats.naks += 1
            return OutgoingFrame(event.seq, NAK, NAK_PAYLOAD)
        return None

    def answer(self, request: Frame) -> OutgoingFrame | None:
        """The response frame to one request, from the cache when it is a retransmission."""
        if request.cmd & RESPONSE_BIT:
            # A response or a NAK is never a request: answering it would let a
            # line that echoes (a tty left in cooked mode) ping-pong forever.
            self.stats.ignored += 1
            return None
        cached = self._cache
        if cached is not None and cached[0] == request:
            self.stats.cached += 1
            return cached[1]
        self.stats.executed += 1
        status, fields = self.execute(request.cmd, request.payload)
        response = OutgoingFrame(request.seq, request.cmd | RESPONSE_BIT,
                                 bytes((status,)) + encode_fields(*fields))
        self._cache = (request, response)
        return response

    def execute(self, cmd: int, payload: bytes) -> tuple[Status, list[bytes]]:
        """Run one request through the check order; the status and the response fields."""
        handler = self._handlers.get(cmd)
        if handler is None:
            return Status.UNKNOWN_COMMAND, []
        try:
            try:
                fields = decode_fields(payload)
            except FieldError as exc:
                raise Rejected(Status.BAD_PARAMETER, str(exc)) from None
            result = handler(fields)
            if 1 + sum(2 + len(value) for value in result) > self.max_payload:
                raise Rejected(Status.BAD_PARAMETER, "the response would exceed max_payload")
            return Status.OK, result
        except Rejected as rejection:
            if cmd >= FIRST_CRYPTO_COMMAND and self.core.state() is DeviceState.ERROR:
                return Status.ERROR_STATE, []
            return rejection.status, []
        except Refusal as refusal:
            return next((status for kind, status in REFUSAL_STATUS
                         if isinstance(refusal, kind)), Status.INTERNAL), []
        except Exception as exc:  # a bug in the core must not take the line down
            print(f"certkit emulate serial: INTERNAL for CMD {cmd:#04x}: "
                  f"{type(exc).__name__}: {exc}", file=sys.stderr)
            return Status.INTERNAL, []

    def _offered(self, algorithm: str) -> None:
        if algorithm not in self.algorithms:
            raise Rejected(Status.UNSUPPORTED, f"{algorithm} is not offered")

    def _holds_keys(self) -> None:
        if not {"SM2-GENERATE", "SM2-IMPORT"} & set(self.algorithms):
            raise Rejected(Status.UNSUPPORTED, "this module holds no keys")

    # -- services ---------------------------------------------------------------

    def _info(self, fields: list[bytes]) -> list[bytes]:
        _count(fields, 0)
        return [json.dumps(self.info_document()).encode("utf-8")]

    def _self_test(self, fields: list[bytes]) -> list[bytes]:
        _count(fields, 0)
        return [b"\x00" if self.core.self_test() else b"\x01"]

    def _state(self, fields: list[bytes]) -> list[bytes]:
        _count(fields, 0)
        return [b"\x01" if self.core.state() is DeviceState.ERROR else b"\x00"]

    def _reset(self, fields: list[bytes]) -> list[bytes]:
        _count(fields, 0)
        self.core.reset()
        return []

    def _force_error(self, fields: list[bytes]) -> list[bytes]:
        _count(fields, 0)
        self.core.force_error()
        return []

    def _random(self, fields: list[bytes]) -> list[bytes]:
        count = _integer(*_count(fields, 1), 4)
        if not 1 <= count <= self.max_payload - 3:
            raise Rejected(Status.BAD_PARAMETER, f"RANDOM of {count} bytes")
        self._offered("RANDOM")
        return [self.core.random(count)]

    # -- hashing ----------------------------------------------------------------

    def _sm3(self, fields: list[bytes]) -> list[bytes]:
        (data,) = _count(fields, 1)
        self._offered("SM3")
        return [self.core.digest("SM3", data)]

    def _hmac_sm3(self, fields: list[bytes]) -> list[bytes]:
        key, data = _count(fields, 2)
        self._offered("HMAC-SM3")
        return [self.core.mac("HMAC-SM3", key, data)]

    # -- symmetric --------------------------------------------------------------

    def _sm4(self, fields: list[bytes], *, encrypt: bool) -> list[bytes]:
        mode_field, key, iv, data = _count(fields, 4)
        mode_byte = _integer(mode_field, 1)
        if mode_byte not in iter(Sm4Mode):
            # The core never sees an undefined mode, so the lengths that hold
            # for every mode are checked here, before UNSUPPORTED.
            if len(key) != KEY_SIZE or len(iv) not in (0, BLOCK):
                raise Rejected(Status.BAD_PARAMETER, "SM4 key or IV length")
            raise Rejected(Status.UNSUPPORTED, f"SM4 mode byte {mode_byte:#04x}")
        algorithm = Sm4Mode(mode_byte).algorithm
        self._offered(algorithm)
        operation = self.core.encrypt if encrypt else self.core.decrypt
        return [operation(algorithm, key, data, iv=iv, aad=b"")]

    def _gcm_encrypt(self, fields: list[bytes]) -> list[bytes]:
        key, iv, aad, plaintext = _count(fields, 4)
        self._offered("SM4-GCM")
        sealed = self.core.encrypt("SM4-GCM", key, plaintext, iv=iv, aad=aad)
        return [sealed[:-TAG_SIZE], sealed[-TAG_SIZE:]]

    def _gcm_decrypt(self, fields: list[bytes]) -> list[bytes]:
        key, iv, aad, ciphertext, tag = _count(fields, 5)
        if len(tag) != TAG_SIZE:  # the core takes ciphertext || tag: the split is the wire's
            raise Rejected(Status.BAD_PARAMETER, f"GCM tag of {len(tag)} bytes")
        self._offered("SM4-GCM")
        return [self.core.decrypt("SM4-GCM", key, ciphertext + tag, iv=iv, aad=aad)]

    def _zuc(self, fields: list[bytes]) -> list[bytes]:
        key, iv, words_field = _count(fields, 3)
        words = _integer(words_field, 4)
        if 4 * words + 3 > self.max_payload:
            raise Rejected(Status.BAD_PARAMETER, f"ZUC keystream of {words} words")
        self._offered("ZUC")
        return [self.core.keystream("ZUC", key, iv, words)]

    # -- SM2 --------------------------------------------------------------------

    def _key_pair(self, handle: KeyHandle) -> list[bytes]:
        return [uint(handle.ref, HANDLE_SIZE), handle.public_key]

    def _sm2_generate(self, fields: list[bytes]) -> list[bytes]:
        _count(fields, 0)
        self._offered("SM2-GENERATE")
        return self._key_pair(self.core.generate_key("SM2"))

    def _sm2_import(self, fields: list[bytes]) -> list[bytes]:
        (private,) = _count(fields, 1)
        self._offered("SM2-IMPORT")
        return self._key_pair(self.core.import_key("SM2", private))

    def _sm2_sign(self, fields: list[bytes]) -> list[bytes]:
        handle, user_id, message = _count(fields, 3)
        key = _handle(handle)
        self._offered("SM2-SIGN")
        return [self.core.sign(key, message, user_id=user_id)]

    def _sm2_verify(self, fields: list[bytes]) -> list[bytes]:
        public, user_id, message, signature = _count(fields, 4)
        self._offered("SM2-VERIFY")
        valid = self.core.verify("SM2", public, message, signature, user_id=user_id)
        return [b"\x01" if valid else b"\x00"]

    def _sm2_encrypt(self, fields: list[bytes]) -> list[bytes]:
        public, message = _count(fields, 2)
        if 3 + SM2_CIPHERTEXT_OVERHEAD + len(message) > self.max_payload:
            raise Rejected(Status.BAD_PARAMETER, f"SM2 message of {len(message)} bytes")
        self._offered("SM2-ENCRYPT")
        return [self.core.public_encrypt("SM2", public, message)]

    def _sm2_decrypt(self, fields: list[bytes]) -> list[bytes]:
        handle, ciphertext = _count(fields, 2)
        key = _handle(handle)
        self._offered("SM2-DECRYPT")
        return [self.core.private_decrypt(key, ciphertext)]

    def _sm2_export(self, fields: list[bytes]) -> list[bytes]:
        key = _handle(*_count(fields, 1))
        self._holds_keys()
        return [self.core.export_key(key)]

    def _sm2_destroy(self, fields: list[bytes]) -> list[bytes]:
        key = _handle(*_count(fields, 1))
        self._holds_keys()
        self.core.destroy_key(key)
        return []
