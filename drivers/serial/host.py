"""`SerialDevice`: a module speaking serial-protocol.md, as a certkit Device.

Each Device operation is one protocol command (RANDOM may be several); the
module's status byte becomes certkit's exception family here and nowhere
else. Opening the port reads INFO first and turns it into `info` and
`capabilities`: the INFO `algorithms` that the protocol can carry, plus
SELFTEST (SELFTEST, STATE and RESET are mandatory commands), TEST-HOOKS when
INFO says `test_hooks`, and KEY-DESTROY when the module holds keys at all
(SM2-GENERATE or SM2-IMPORT offered; SM2_DESTROY is then mandatory).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from certkit.device import SERIAL_PROTOCOL, Device, DeviceInfo, DeviceState, KeyHandle
from certkit.errors import (
    AuthFailed,
    BadParameter,
    ConfigError,
    Denied,
    ErrorState,
    InternalError,
    NoSuchKey,
    Refusal,
    Unsupported,
)
from certkit.url import DeviceURL

from .link import Link, LinkOptions, LinkStats
from .protocol import (
    DIGEST_SIZE,
    HANDLE_SIZE,
    MAX_LEN,
    PROTOCOL_ALGORITHMS,
    PROTOCOL_VERSION,
    SM2_PUBLIC_SIZE,
    SM2_SIGNATURE_SIZE,
    SM4_MODE_BY_ALGORITHM,
    TAG_SIZE,
    Command,
    FieldError,
    Status,
    decode_fields,
    describe_command,
    encode_fields,
    uint,
)

STATUS_REFUSALS: dict[Status, type[Refusal]] = {
    Status.UNKNOWN_COMMAND: Unsupported,
    Status.BAD_PARAMETER: BadParameter,
    Status.AUTH_FAILED: AuthFailed,
    Status.NO_SUCH_KEY: NoSuchKey,
    Status.ERROR_STATE: ErrorState,
    Status.UNSUPPORTED: Unsupported,
    Status.DENIED: Denied,
    Status.INTERNAL: InternalError,
}
KEY_ALGORITHMS = frozenset({"SM2-GENERATE", "SM2-IMPORT"})

Shape = tuple[int | None, ...]  # the response's fields: a fixed size, or None for any


class ProtocolViolation(InternalError):
    """The module's answer breaks the protocol: a missing STATUS, wrong fields, an unknown code.

    A Refusal, so that a case which meets one fails with it as evidence: the
    device did not do what it declared.
    """


def decode_response(cmd: int, payload: bytes, shape: Shape) -> list[bytes]:
    """The fields of an OK response in `shape`, or the Refusal its status stands for.

    Never raises anything but a Refusal, whatever the payload holds.
    """
    if payload[:1] != b"\x00":
        raise _refusal(cmd, payload)
    try:
        fields = decode_fields(memoryview(payload)[1:])
    except FieldError as exc:
        raise ProtocolViolation(f"{describe_command(cmd)}: malformed fields: {exc}") from None
    if len(fields) != len(shape):
        raise ProtocolViolation(f"{describe_command(cmd)}: {len(fields)} field(s) in the "
                                f"response, the protocol has {len(shape)}")
    for number, (value, size) in enumerate(zip(fields, shape, strict=True), start=1):
        if size is not None and len(value) != size:
            raise ProtocolViolation(f"{describe_command(cmd)}: response field {number} is "
                                    f"{len(value)} bytes, the protocol has {size} "
                                    f"(got {value[:64].hex()})")
    return fields


def _refusal(cmd: int, payload: bytes) -> Refusal:
    """What a response whose STATUS is not OK stands for."""
    name = describe_command(cmd)
    if not payload:
        return ProtocolViolation(f"{name}: response without a STATUS byte")
    try:
        status = Status(payload[0])
    except ValueError:
        return ProtocolViolation(f"{name}: undefined status {payload[0]:#04x}")
    if status is Status.BAD_FRAME:
        return ProtocolViolation(f"{name}: BAD_FRAME outside a NAK")
    if len(payload) > 1:
        return ProtocolViolation(f"{name}: status {status.name} followed by "
                                 f"{len(payload) - 1} byte(s); it carries no fields")
    return STATUS_REFUSALS[status](f"{name}: module answered {status.name}")


def _flag(value: bytes, name: str) -> bool:
    if value not in (b"\x00", b"\x01"):
        raise ProtocolViolation(f"{name}: flag byte {value.hex()}, expected 00 or 01")
    return value == b"\x01"


class SerialDevice(Device):
    """A serial crypto module, opened by URL; INFO has been read when this exists."""

    interfaces = frozenset({SERIAL_PROTOCOL})

    def __init__(self, link: Link) -> None:
        self.link = link
        info = self._read_info()
        self.info_document = info
        self.max_payload: int = info["max_payload"]
        self.test_hooks: bool = info["test_hooks"]
        link.set_max_payload(self.max_payload)
        self.info = DeviceInfo(vendor=info["vendor"], model=info["model"],
                               firmware=info["firmware"], serial=info["serial"])
        offered = frozenset(info["algorithms"]) & frozenset(PROTOCOL_ALGORITHMS)
        # Names the protocol cannot carry are not capabilities here: a case for
        # them could only fail for want of a command, not for a module defect.
        self.ignored_algorithms = tuple(a for a in info["algorithms"] if a not in offered)
        self.capabilities = offered | {"SELFTEST"} | (
            {"TEST-HOOKS"} if self.test_hooks else set()) | (
            {"KEY-DESTROY"} if offered & KEY_ALGORITHMS else set())

    @property
    def stats(self) -> LinkStats:
        return self.link.stats

    def diagnostics(self) -> dict[str, Any]:
        return {"link": dataclasses.asdict(self.link.stats)}

    def close(self) -> None:
        self.link.close()

    # -- wire evidence ----------------------------------------------------------

    def trace_mark(self) -> None:
        """Begin the excerpt a failing case will keep (no-op unless the URL has trace=1)."""
        if self.link.trace is not None:
            self.link.trace.mark()

    def trace_excerpt(self) -> dict[str, Any] | None:
        """The bytes exchanged since `trace_mark`, hex in both directions with timestamps."""
        return self.link.trace.excerpt() if self.link.trace is not None else None

    # -- one command ------------------------------------------------------------

    def _call(self, cmd: Command, fields: tuple[bytes, ...], shape: Shape,
              response_size: int = 64) -> list[bytes]:
        size = sum(2 + len(value) for value in fields)
        if size > self.link.max_payload:
            raise Unsupported(
                f"{describe_command(cmd)} needs a {size}-byte payload, over the module's "
                f"max_payload of {self.link.max_payload}: the protocol has no way to send it")
        payload = encode_fields(*fields)
        response = self.link.exchange(cmd, payload, response_size=response_size)
        return decode_response(cmd, response.payload, shape)

    def _read_info(self) -> dict[str, Any]:
        (text,) = self._call(Command.INFO, (), (None,), response_size=1024)
        try:
            info = json.loads(text.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ProtocolViolation(f"INFO is not UTF-8 JSON: {exc}") from None
        if not isinstance(info, dict):
            raise ProtocolViolation("INFO is not a JSON object")
        problems = []
        for key in ("vendor", "model", "firmware", "serial"):
            if not isinstance(info.get(key), str):
                problems.append(f"{key} is not a string")
        if type(info.get("protocol")) is not int or info["protocol"] != PROTOCOL_VERSION:
            problems.append(f"protocol is {info.get('protocol')!r}, this host speaks "
                            f"{PROTOCOL_VERSION}")
        max_payload = info.get("max_payload")
        if type(max_payload) is not int or not 1 <= max_payload <= MAX_LEN:
            problems.append(f"max_payload {max_payload!r} is not an integer 1..{MAX_LEN}")
        info.setdefault("test_hooks", False)
        if not isinstance(info["test_hooks"], bool):
            problems.append("test_hooks is not true or false")
        algorithms = info.get("algorithms")
        if not isinstance(algorithms, list) or not all(isinstance(a, str) for a in algorithms):
            problems.append("algorithms is not a list of names")
        if problems:
            raise ProtocolViolation(f"INFO: {'; '.join(problems)}")
        return info

    # -- services ---------------------------------------------------------------

    def self_test(self) -> bool:
        (result,) = self._call(Command.SELFTEST, (), (1,))
        return not _flag(result, "SELFTEST result")

    def state(self) -> DeviceState:
        (state,) = self._call(Command.STATE, (), (1,))
        return DeviceState.ERROR if _flag(state, "STATE") else DeviceState.OPERATIONAL

    def reset(self) -> None:
        self._call(Command.RESET, (), ())

    def force_error(self) -> None:
        self._call(Command.FORCE_ERROR, (), ())

    def random(self, length: int) -> bytes:
        if not 0 <= length <= 0xFFFFFFFF:
            raise BadParameter(f"RANDOM of {length} bytes cannot be encoded")
        # One response carries at most max_payload - 3 bytes (STATUS, field length).
        chunk = max(1, self.max_payload - 3)
        parts = []
        remaining = length
        while True:
            size = min(remaining, chunk)
            (data,) = self._call(Command.RANDOM, (uint(size, 4),), (size,), response_size=size + 3)
            parts.append(data)
            remaining -= size
            if remaining <= 0:
                return b"".join(parts)

    # -- hashing ----------------------------------------------------------------

    def digest(self, algorithm: str, data: bytes) -> bytes:
        if algorithm != "SM3":
            raise Unsupported(f"digest {algorithm}: the serial protocol has SM3 only")
        return self._call(Command.SM3, (data,), (DIGEST_SIZE,))[0]

    def mac(self, algorithm: str, key: bytes, data: bytes) -> bytes:
        if algorithm != "HMAC-SM3":
            raise Unsupported(f"mac {algorithm}: the serial protocol has HMAC-SM3 only")
        return self._call(Command.HMAC_SM3, (key, data), (DIGEST_SIZE,))[0]

    # -- symmetric --------------------------------------------------------------

    def encrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes, aad: bytes) -> bytes:
        return self._sm4(algorithm, key, data, iv, aad, encrypt=True)

    def decrypt(self, algorithm: str, key: bytes, data: bytes, *, iv: bytes, aad: bytes) -> bytes:
        return self._sm4(algorithm, key, data, iv, aad, encrypt=False)

    def _sm4(self, algorithm: str, key: bytes, data: bytes, iv: bytes, aad: bytes, *,
             encrypt: bool) -> bytes:
        size = len(data) + 3
        if algorithm == "SM4-GCM":
            if encrypt:
                ciphertext, tag = self._call(Command.SM4_GCM_ENCRYPT, (key, iv, aad, data),
                                             (None, TAG_SIZE), response_size=size + TAG_SIZE)
                return ciphertext + tag
            if len(data) < TAG_SIZE:
                raise BadParameter("SM4-GCM input shorter than its 16-byte tag")
            fields = (key, iv, aad, data[:-TAG_SIZE], data[-TAG_SIZE:])
            return self._call(Command.SM4_GCM_DECRYPT, fields, (None,), response_size=size)[0]
        mode = SM4_MODE_BY_ALGORITHM.get(algorithm)
        if mode is None:
            raise Unsupported(f"{'encrypt' if encrypt else 'decrypt'} {algorithm}: "
                              "not a mode of the serial protocol")
        if aad:
            raise BadParameter(f"{algorithm} takes no additional data")
        cmd = Command.SM4_ENCRYPT if encrypt else Command.SM4_DECRYPT
        return self._call(cmd, (uint(mode, 1), key, iv, data), (None,), response_size=size)[0]

    def keystream(self, algorithm: str, key: bytes, iv: bytes, words: int) -> bytes:
        if algorithm != "ZUC":
            raise Unsupported(f"keystream {algorithm}: the serial protocol has ZUC-128 only")
        if not 0 <= words <= 0xFFFFFFFF:
            raise BadParameter(f"ZUC keystream of {words} words cannot be encoded")
        return self._call(Command.ZUC_KEYSTREAM, (key, iv, uint(words, 4)), (4 * words,),
                          response_size=4 * words + 3)[0]

    # -- SM2 --------------------------------------------------------------------

    def _handle(self, fields: list[bytes]) -> KeyHandle:
        return KeyHandle(algorithm="SM2", ref=int.from_bytes(fields[0], "big"),
                         public_key=fields[1])

    def _ref(self, handle: KeyHandle) -> bytes:
        if handle.algorithm != "SM2" or not 0 <= handle.ref <= 0xFFFF:
            raise NoSuchKey(f"{handle.algorithm} key {handle.ref} cannot be held by this module")
        return uint(handle.ref, HANDLE_SIZE)

    def generate_key(self, algorithm: str) -> KeyHandle:
        if algorithm != "SM2":
            raise Unsupported(f"generate key {algorithm}: the serial protocol has SM2 only")
        return self._handle(self._call(Command.SM2_GENERATE, (),
                                       (HANDLE_SIZE, SM2_PUBLIC_SIZE)))

    def import_key(self, algorithm: str, private_key: bytes) -> KeyHandle:
        if algorithm != "SM2":
            raise Unsupported(f"import key {algorithm}: the serial protocol has SM2 only")
        return self._handle(self._call(Command.SM2_IMPORT, (private_key,),
                                       (HANDLE_SIZE, SM2_PUBLIC_SIZE)))

    def export_key(self, handle: KeyHandle) -> bytes:
        return self._call(Command.SM2_EXPORT, (self._ref(handle),), (None,))[0]

    def destroy_key(self, handle: KeyHandle) -> None:
        self._call(Command.SM2_DESTROY, (self._ref(handle),), ())

    def sign(self, handle: KeyHandle, message: bytes, *, user_id: bytes) -> bytes:
        return self._call(Command.SM2_SIGN, (self._ref(handle), user_id, message),
                          (SM2_SIGNATURE_SIZE,))[0]

    def verify(self, algorithm: str, public_key: bytes, message: bytes, signature: bytes, *,
               user_id: bytes) -> bool:
        if algorithm != "SM2":
            raise Unsupported(f"verify {algorithm}: the serial protocol has SM2 only")
        (valid,) = self._call(Command.SM2_VERIFY, (public_key, user_id, message, signature),
                              (1,))
        return _flag(valid, "SM2_VERIFY valid")

    def public_encrypt(self, algorithm: str, public_key: bytes, message: bytes) -> bytes:
        if algorithm != "SM2":
            raise Unsupported(f"public-key encrypt {algorithm}: the serial protocol has SM2 only")
        return self._call(Command.SM2_ENCRYPT, (public_key, message), (None,),
                          response_size=len(message) + 100)[0]

    def private_decrypt(self, handle: KeyHandle, ciphertext: bytes) -> bytes:
        return self._call(Command.SM2_DECRYPT, (self._ref(handle), ciphertext), (None,),
                          response_size=len(ciphertext))[0]


def open_serial(url: DeviceURL) -> SerialDevice:
    """Open `serial:<port as pyserial names it>?options` and read the module's INFO."""
    if not url.target:
        raise ConfigError("serial: needs a port, e.g. serial:/dev/ttyUSB0 or "
                          "serial:socket://127.0.0.1:7000")
    link = Link.open(url.target, LinkOptions.from_url(url))
    try:
        return SerialDevice(link)
    except BaseException:
        link.close()
        raise
