"""The host side of serial-protocol.md, against a scripted module on a real pseudo-terminal.

The scripted module misbehaves on purpose (stale answers, NAKs, silence,
bad CRCs, noise) in ways the emulator's transport faults cannot aim at one
exchange; everything crosses a real pty.
"""

from __future__ import annotations

import itertools
import json
import os
import select
import threading
import time
import tty
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certkit.case_runner import open_device
from certkit.device import DeviceState, KeyHandle
from certkit.drivers.serial.host import ProtocolViolation, SerialDevice, open_serial
from certkit.drivers.serial.protocol import (
    PROTOCOL_ALGORITHMS,
    SYNC,
    Command,
    Frame,
    FrameParser,
    Status,
    decode_fields,
    encode_fields,
    encode_frame,
    nak,
)
from certkit.errors import (
    AuthFailed,
    BadParameter,
    ConfigError,
    Denied,
    ErrorState,
    InternalError,
    NoSuchKey,
    Refusal,
    Unreachable,
    Unsupported,
)
from certkit.plugins import load_plugins
from certkit.url import DeviceURL

INFO: dict[str, Any] = {"vendor": "Acme", "model": "HSM-1", "firmware": "1.4.2",
                        "serial": "A-1", "protocol": 1, "max_payload": 65535,
                        "test_hooks": False, "algorithms": list(PROTOCOL_ALGORITHMS)}
DIGEST = bytes(range(32))
Reply = bytes | float  # bytes to write, or seconds to wait


def ok(frame: Frame, *fields: bytes) -> bytes:
    return encode_frame(frame.seq, frame.cmd | 0x80, b"\x00" + encode_fields(*fields))


def status(frame: Frame, code: int) -> bytes:
    return encode_frame(frame.seq, frame.cmd | 0x80, bytes([code]))


class ScriptedModule:
    """A module on the master side of a pty that answers as `script` says.

    `script(frame, attempt)` returns what to send for the `attempt`-th copy
    (0-based) of a request, as bytes and pauses; INFO is answered from `info`
    unless the script handles it.
    """

    def __init__(self, script: Callable[[Frame, int], list[Reply] | None],
                 info: dict[str, Any] | None = None) -> None:
        self.script = script
        self.info = INFO if info is None else info
        self.received: list[bytes] = []  # every frame as it arrived, byte for byte
        self.frames: list[Frame] = []
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self._slave = slave
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        parser = FrameParser()
        attempts: dict[bytes, int] = {}
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.02)
            if not ready:
                continue
            data = os.read(self.master, 65536)
            for event in parser.feed(data):
                if not isinstance(event, Frame):
                    continue
                raw = event.encode()
                self.received.append(raw)
                self.frames.append(event)
                attempt = attempts.get(raw, 0)
                attempts[raw] = attempt + 1
                replies = self.script(event, attempt)
                if replies is None and event.cmd == Command.INFO:
                    replies = [ok(event, json.dumps(self.info).encode())]
                for reply in replies or []:
                    if isinstance(reply, float):
                        time.sleep(reply)
                    else:
                        os.write(self.master, reply)

    def url(self, options: str = "timeout=0.2") -> str:
        return f"serial:{self.path}?{options}"

    def unplug(self) -> None:
        """Close the master: the host's next read or write fails as on a pulled cable."""
        self._stop.set()
        self._thread.join()
        os.close(self.master)
        os.close(self._slave)

    def close(self) -> None:
        if not self._stop.is_set():
            self.unplug()


@pytest.fixture
def scripted() -> Iterator[Callable[..., ScriptedModule]]:
    modules: list[ScriptedModule] = []

    def make(script: Callable[[Frame, int], list[Reply] | None],
             info: dict[str, Any] | None = None) -> ScriptedModule:
        modules.append(ScriptedModule(script, info))
        return modules[-1]

    yield make
    for module in modules:
        module.close()


def sm3_answers(frame: Frame, attempt: int) -> list[Reply] | None:
    if frame.cmd == Command.SM3:
        return [ok(frame, DIGEST)]
    return None


def open_url(url: str) -> SerialDevice:
    device = open_serial(DeviceURL.parse(url))
    assert isinstance(device, SerialDevice)
    return device


# -- opening: INFO first, INFO becomes info and capabilities ---------------------------


def test_first_request_is_info_and_it_becomes_identity_and_capabilities(scripted) -> None:
    module = scripted(sm3_answers)
    with open_url(module.url()) as device:
        assert module.frames[0].cmd == Command.INFO and module.frames[0].payload == b""
        assert (device.info.vendor, device.info.model, device.info.firmware,
                device.info.serial) == ("Acme", "HSM-1", "1.4.2", "A-1")
        assert device.capabilities == {*PROTOCOL_ALGORITHMS, "SELFTEST", "KEY-DESTROY"}
        assert device.max_payload == 65535


def test_capabilities_follow_info_and_never_name_what_the_protocol_cannot_carry(
        scripted) -> None:
    info = {**INFO, "test_hooks": True, "algorithms": ["SM3", "SM4-CCM", "SM9", "AES-GCM"],
            "extra": {"ignored": True}}
    with open_url(scripted(sm3_answers, info).url()) as device:
        assert device.capabilities == {"SM3", "SELFTEST", "TEST-HOOKS"}
        assert device.ignored_algorithms == ("SM4-CCM", "SM9", "AES-GCM")


@pytest.mark.parametrize(("change", "complaint"), [
    ({"protocol": 2}, "protocol is 2"),
    ({"protocol": True}, "protocol is True"),
    ({"max_payload": 0}, "max_payload"),
    ({"max_payload": "big"}, "max_payload"),
    ({"algorithms": "SM3"}, "algorithms"),
    ({"vendor": None}, "vendor"),
    ({"test_hooks": "yes"}, "test_hooks"),
])
def test_a_malformed_info_is_a_protocol_violation_at_open(scripted, change: dict[str, Any],
                                                          complaint: str) -> None:
    module = scripted(sm3_answers, {**INFO, **change})
    with pytest.raises(ProtocolViolation, match=complaint):
        open_url(module.url())


def test_info_that_is_not_json_is_a_protocol_violation(scripted) -> None:
    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        return [ok(frame, b"\xff{not json")] if frame.cmd == Command.INFO else None

    with pytest.raises(ProtocolViolation, match="INFO is not UTF-8 JSON"):
        open_url(scripted(script).url())


# -- SEQ matching and discarding -------------------------------------------------------


def test_every_request_has_a_new_seq(scripted) -> None:
    module = scripted(sm3_answers)
    with open_url(module.url()) as device:
        for _ in range(300):
            device.digest("SM3", b"abc")
    seqs = [frame.seq for frame in module.frames]
    assert all((b - a) % 256 == 1 for a, b in itertools.pairwise(seqs))


def test_stale_and_mismatched_responses_are_discarded(scripted) -> None:
    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        if frame.cmd != Command.SM3:
            return None
        stale = Frame((frame.seq - 1) % 256, frame.cmd, b"")
        return [ok(stale, b"\x11" * 32),  # the previous request's SEQ
                encode_frame(frame.seq, Command.HMAC_SM3 | 0x80, b"\x00"),  # wrong CMD
                encode_frame(frame.seq, Command.SM3, b"\x00"),  # no response bit
                ok(frame, DIGEST)]

    module = scripted(script)
    with open_url(module.url()) as device:
        assert device.digest("SM3", b"abc") == DIGEST
        assert device.stats.discarded == 3 and device.stats.retransmissions == 0


# -- retransmission ---------------------------------------------------------------------


def test_nak_is_followed_at_once_by_the_identical_frame(scripted) -> None:
    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        if frame.cmd == Command.SM3:
            return [nak(frame.seq)] if attempt == 0 else [ok(frame, DIGEST)]
        return None

    module = scripted(script)
    with open_url(module.url("timeout=5")) as device:
        started = time.monotonic()
        assert device.digest("SM3", b"abc") == DIGEST
        assert time.monotonic() - started < 1  # at once, not after the 5 s timeout
    assert module.received[1] == module.received[2]  # byte for byte, same SEQ
    assert device.stats.naks == 1 and device.stats.retransmissions == 1


def test_a_nak_for_another_seq_is_not_ours(scripted) -> None:
    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        if frame.cmd == Command.SM3:
            return [nak((frame.seq + 7) % 256), ok(frame, DIGEST)]
        return None

    with open_url(scripted(script).url()) as device:
        assert device.digest("SM3", b"abc") == DIGEST
        assert device.stats.naks == 0 and device.stats.retransmissions == 0


def test_a_response_with_a_bad_crc_is_retransmitted_at_once(scripted) -> None:
    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        if frame.cmd != Command.SM3:
            return None
        good = ok(frame, DIGEST)
        return [good[:-1] + bytes([good[-1] ^ 0x5A])] if attempt == 0 else [good]

    module = scripted(script)
    with open_url(module.url("timeout=5")) as device:
        started = time.monotonic()
        assert device.digest("SM3", b"abc") == DIGEST
        assert time.monotonic() - started < 1
    assert device.stats.bad_frames == 1 and module.received[1] == module.received[2]


def test_a_timeout_is_followed_by_the_identical_frame(scripted) -> None:
    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        if frame.cmd == Command.SM3:
            return [] if attempt < 2 else [ok(frame, DIGEST)]
        return None

    module = scripted(script)
    with open_url(module.url("timeout=0.2")) as device:
        started = time.monotonic()
        assert device.digest("SM3", b"abc") == DIGEST
        assert 0.4 <= time.monotonic() - started < 1.5
    assert module.received[1] == module.received[2] == module.received[3]
    assert device.stats.timeouts == 2


def test_three_retransmissions_then_unreachable(scripted) -> None:
    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        return [] if frame.cmd == Command.SM3 else None

    module = scripted(script)
    with open_url(module.url("timeout=0.1")) as device:
        started = time.monotonic()
        with pytest.raises(Unreachable, match="after 3 retransmission"):
            device.digest("SM3", b"abc")
        assert 0.4 <= time.monotonic() - started < 1.5
    assert len(module.received) == 1 + 4  # INFO, then the request and 3 copies


def test_a_lost_noisy_link_names_its_error_rate_and_the_retries_that_would_carry_it(
        scripted) -> None:
    # one bad CRC in every five answers, then four in a row: the link is lost
    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        if frame.cmd != Command.SM3:
            return None
        good = ok(frame, DIGEST)
        bad = [good[:-1] + bytes([good[-1] ^ 0x5A])]
        if frame.payload.endswith(b"last"):
            return bad
        return bad if frame.seq % 5 == 0 and attempt == 0 else [good]

    module = scripted(script)
    with open_url(module.url("timeout=2")) as device:
        for _ in range(40):
            device.digest("SM3", b"abc")
        with pytest.raises(Unreachable) as lost:
            device.digest("SM3", b"last")
        assert device.diagnostics()["link"]["bad_frames"] == device.stats.bad_frames >= 8
    message = str(lost.value)
    assert "the link so far: 42 requests" in message and "bad CRC/VER" in message
    assert "% of transmissions failed" in message
    needed = int(message.split("retries=")[1].split()[0])
    assert needed > 3 and "would carry a line like this" in message


def test_retries_option_sets_the_number_of_retransmissions(scripted) -> None:
    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        return [nak(frame.seq)] if frame.cmd == Command.SM3 else None

    module = scripted(script)
    with open_url(module.url("retries=1")) as device, pytest.raises(Unreachable):
        device.digest("SM3", b"abc")
    assert len(module.received) == 1 + 2


def test_a_late_answer_after_a_retransmission_is_discarded_next_time(scripted) -> None:
    """The first answer arrives after the timeout; the cached duplicate must not be
    taken for the next request's answer."""

    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        if frame.cmd == Command.SM3 and frame.payload == encode_fields(b"slow"):
            return [0.3, ok(frame, b"\x01" * 32)]
        return sm3_answers(frame, attempt)

    with open_url(scripted(script).url("timeout=0.2")) as device:
        assert device.digest("SM3", b"slow") == b"\x01" * 32
        assert device.digest("SM3", b"next") == DIGEST
        assert device.stats.discarded >= 1


def test_slow_commands_wait_for_the_slow_timeout(scripted) -> None:
    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        if frame.cmd in (Command.SELFTEST, Command.RESET, Command.SM2_GENERATE):
            fields = {Command.SELFTEST: (b"\x00",), Command.RESET: (),
                      Command.SM2_GENERATE: (b"\x00\x07", b"\x04" + bytes(64))}[frame.cmd]
            return [0.4, ok(frame, *fields)]
        if frame.cmd == Command.STATE:
            return [0.4, ok(frame, b"\x00")]
        return None

    module = scripted(script)
    with open_url(module.url("timeout=0.2&slow-timeout=2")) as device:
        assert device.self_test() is True
        device.reset()
        assert device.generate_key("SM2") == KeyHandle("SM2", 7, b"\x04" + bytes(64))
        assert device.stats.retransmissions == 0
        # STATE is not slow: after 0.2 s it is retransmitted (and the late answer,
        # having the request's SEQ, is still its answer).
        assert device.state() is DeviceState.OPERATIONAL
        assert device.stats.timeouts >= 1


# -- resynchronisation --------------------------------------------------------------


def test_noise_and_a_false_sync_before_the_response_are_survived(scripted) -> None:
    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        if frame.cmd != Command.SM3:
            return None
        # A false SYNC whose LEN swallows the real response: the host sees a bad
        # frame for some other SEQ, times out, retransmits, and gets the answer.
        false_sync = SYNC + bytes([1, (frame.seq + 1) % 256, 0xA0, 0x00, 0x30])
        noise = b"\x00\xff\xa5" if attempt else b"\x13" + false_sync
        return [noise + ok(frame, DIGEST)]

    with open_url(scripted(script).url("timeout=0.2")) as device:
        assert device.digest("SM3", b"abc") == DIGEST
        assert device.stats.skipped_bytes > 0


def test_a_response_written_byte_by_byte_is_assembled(scripted) -> None:
    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        if frame.cmd != Command.SM3:
            return None
        response = ok(frame, DIGEST)
        replies: list[Reply] = []
        for byte in response:
            replies += [bytes([byte]), 0.001]
        return replies

    with open_url(scripted(script).url()) as device:
        assert device.digest("SM3", b"abc") == DIGEST


# -- status codes and malformed answers ----------------------------------------------


@pytest.mark.parametrize(("code", "exception"), [
    (Status.UNKNOWN_COMMAND, Unsupported), (Status.BAD_PARAMETER, BadParameter),
    (Status.AUTH_FAILED, AuthFailed), (Status.NO_SUCH_KEY, NoSuchKey),
    (Status.ERROR_STATE, ErrorState), (Status.UNSUPPORTED, Unsupported),
    (Status.DENIED, Denied), (Status.INTERNAL, InternalError),
])
def test_status_codes_become_certkits_exceptions(scripted, code: int,
                                                 exception: type[Exception]) -> None:
    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        return [status(frame, code)] if frame.cmd == Command.SM3 else None

    with open_url(scripted(script).url()) as device, pytest.raises(exception) as raised:
        device.digest("SM3", b"abc")
    assert type(raised.value) is exception and Status(code).name in str(raised.value)


@pytest.mark.parametrize(("payload", "complaint"), [
    (b"", "without a STATUS"),
    (b"\x0a", "undefined status"),
    (b"\x03", "BAD_FRAME outside a NAK"),
    (b"\x02\x00\x00", "carries no fields"),
    (b"\x00" + encode_fields(bytes(31)), "31 bytes"),
    (b"\x00" + encode_fields(DIGEST, b""), "2 field"),
    (b"\x00\x00\x20\x01", "malformed fields"),
])
def test_malformed_responses_are_protocol_violations(scripted, payload: bytes,
                                                     complaint: str) -> None:
    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        if frame.cmd == Command.SM3:
            return [encode_frame(frame.seq, frame.cmd | 0x80, payload)]
        return None

    with open_url(scripted(script).url()) as device, \
            pytest.raises(ProtocolViolation, match=complaint):
        device.digest("SM3", b"abc")


# -- how Device operations become commands -----------------------------------------------


def test_operations_send_the_protocols_fields(scripted) -> None:
    public = b"\x04" + bytes(range(64))
    answers = {
        Command.SM4_ENCRYPT: (b"c" * 32,), Command.SM4_GCM_ENCRYPT: (b"c" * 5, b"t" * 16),
        Command.SM4_GCM_DECRYPT: (b"plain",), Command.SM2_SIGN: (b"s" * 64,),
        Command.SM2_VERIFY: (b"\x01",), Command.ZUC_KEYSTREAM: (b"k" * 8,),
        Command.HMAC_SM3: (DIGEST,), Command.SM2_IMPORT: (b"\x01\x02", public),
        Command.STATE: (b"\x01",), Command.SELFTEST: (b"\x01",),
    }

    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        if frame.cmd == Command.INFO:
            return None
        return [ok(frame, *answers.get(Command(frame.cmd), ()))]

    module = scripted(script)
    key, iv = bytes(16), bytes(range(16))
    with open_url(module.url()) as device:
        assert device.encrypt("SM4-CBC", key, bytes(32), iv=iv, aad=b"") == b"c" * 32
        assert device.encrypt("SM4-GCM", key, b"plain", iv=iv[:12], aad=b"A") \
            == b"c" * 5 + b"t" * 16
        assert device.decrypt("SM4-GCM", key, b"c" * 5 + b"t" * 16, iv=iv[:12],
                              aad=b"A") == b"plain"
        handle = device.import_key("SM2", b"d" * 32)
        assert handle == KeyHandle("SM2", 0x0102, public)
        assert device.sign(handle, b"msg", user_id=b"id") == b"s" * 64
        assert device.verify("SM2", public, b"msg", b"s" * 64, user_id=b"id") is True
        assert device.keystream("ZUC", key, iv, 2) == b"k" * 8
        assert device.mac("HMAC-SM3", b"k", b"m") == DIGEST
        device.destroy_key(handle)
        assert device.state() is DeviceState.ERROR
        assert device.self_test() is False
        device.force_error()
    sent = {Command(frame.cmd): decode_fields(frame.payload) for frame in module.frames}
    assert sent[Command.SM4_ENCRYPT] == [b"\x02", key, iv, bytes(32)]
    assert sent[Command.SM4_GCM_ENCRYPT] == [key, iv[:12], b"A", b"plain"]
    assert sent[Command.SM4_GCM_DECRYPT] == [key, iv[:12], b"A", b"c" * 5, b"t" * 16]
    assert sent[Command.SM2_SIGN] == [b"\x01\x02", b"id", b"msg"]
    assert sent[Command.SM2_VERIFY] == [public, b"id", b"msg", b"s" * 64]
    assert sent[Command.ZUC_KEYSTREAM] == [key, iv, b"\x00\x00\x00\x02"]
    assert sent[Command.SM2_DESTROY] == [b"\x01\x02"]
    assert sent[Command.FORCE_ERROR] == []


def test_random_is_split_by_max_payload_minus_three(scripted) -> None:
    def script(frame: Frame, attempt: int) -> list[Reply] | None:
        if frame.cmd == Command.RANDOM:
            (count,) = decode_fields(frame.payload)
            return [ok(frame, b"r" * int.from_bytes(count, "big"))]
        return None

    module = scripted(script, {**INFO, "max_payload": 1000})
    with open_url(module.url()) as device:
        assert device.random(2500) == b"r" * 2500
    asked = [int.from_bytes(decode_fields(f.payload)[0], "big") for f in module.frames[1:]]
    assert asked == [997, 997, 506]


def test_a_request_over_max_payload_is_refused_without_being_sent(scripted) -> None:
    module = scripted(sm3_answers, {**INFO, "max_payload": 1000})
    with open_url(module.url()) as device:
        assert device.digest("SM3", bytes(998)) == DIGEST  # 2 + 998 = 1000 fits
        with pytest.raises(Unsupported, match="max_payload"):
            device.digest("SM3", bytes(999))
    assert len(module.frames) == 2


@pytest.mark.parametrize("call", [
    lambda d: d.digest("SHA-256", b""),
    lambda d: d.encrypt("SM4-CCM", bytes(16), b"", iv=bytes(12), aad=b""),
    lambda d: d.encrypt("AES-CBC", bytes(16), b"", iv=bytes(16), aad=b""),
    lambda d: d.keystream("ZUC-256", bytes(32), bytes(25), 1),
    lambda d: d.generate_key("ECDSA-P256"),
])
def test_what_the_protocol_cannot_express_is_unsupported_locally(scripted, call) -> None:
    module = scripted(sm3_answers)
    with open_url(module.url()) as device, pytest.raises(Unsupported):
        call(device)
    assert len(module.frames) == 1  # INFO only


def test_a_handle_this_module_cannot_hold_is_no_such_key(scripted) -> None:
    with open_url(scripted(sm3_answers).url()) as device:
        with pytest.raises(NoSuchKey):
            device.sign(KeyHandle("SM2", 70000, b""), b"m", user_id=b"")
        with pytest.raises(NoSuchKey):
            device.sign(KeyHandle("RSA", 1, b""), b"m", user_id=b"")


# -- the port ---------------------------------------------------------------------


def test_an_unplugged_module_is_unreachable_at_once(scripted) -> None:
    module = scripted(sm3_answers)
    with open_url(module.url("timeout=5")) as device:
        module.unplug()
        started = time.monotonic()
        with pytest.raises(Unreachable):
            device.digest("SM3", b"abc")
        assert time.monotonic() - started < 1


def test_a_missing_port_is_unreachable(tmp_path) -> None:
    with pytest.raises(Unreachable, match="cannot open"):
        open_url(f"serial:{tmp_path / 'ttyNONE'}")


def test_url_options_are_checked_and_unknown_ones_named(scripted) -> None:
    plugins = load_plugins()
    with pytest.raises(ConfigError, match="speed"):
        open_device(plugins, "serial:/dev/null?speed=9")
    for bad in ("timeout=0", "timeout=x", "retries=-1", "baud=0", "trace=2",
                "slow-timeout=nan"):
        with pytest.raises(ConfigError, match=bad.split("=")[0]):
            open_device(plugins, f"serial:/dev/null?{bad}")
    with pytest.raises(ConfigError, match="needs a port"):
        open_device(plugins, "serial:")
    module = scripted(sm3_answers)
    device, _, redacted = open_device(plugins, module.url("baud=9600&timeout=1&retries=2&"
                                                          "slow-timeout=3&trace=1"))
    with device:
        assert redacted.startswith(f"serial:{module.path}?")


# -- property: whatever comes back, an answer or a clear error, in bounded time -------


@st.composite
def replies(draw: st.DrawFn) -> Callable[[Frame], bytes]:
    """Arbitrary bytes, or the right response damaged: a flipped bit, a cut, noise."""
    kind = draw(st.sampled_from(["noise", "flip", "cut", "prefix", "intact"]))
    noise = draw(st.binary(max_size=120))
    position = draw(st.integers(0, 10_000))
    bit = draw(st.integers(0, 7))

    def reply(frame: Frame) -> bytes:
        good = bytearray(ok(frame, DIGEST))
        if kind == "noise":
            return noise
        if kind == "flip":
            good[position % len(good)] ^= 1 << bit
        elif kind == "cut":
            del good[position % len(good):]
        elif kind == "prefix":
            good[:0] = noise
        return bytes(good)

    return reply


@given(replies())
@settings(max_examples=40, deadline=None)
def test_any_reply_gives_the_answer_or_a_clear_error_in_bounded_time(
        reply: Callable[[Frame], bytes]) -> None:
    module = ScriptedModule(lambda frame, attempt: [reply(frame)]
                            if frame.cmd == Command.SM3 else None)
    try:
        with open_url(module.url("timeout=0.05&retries=1")) as device:
            started = time.monotonic()
            try:
                answer: object = device.digest("SM3", b"abc")
            except (Refusal, Unreachable) as error:
                answer = error
            assert time.monotonic() - started < 2
        assert answer == DIGEST or isinstance(answer, Refusal | Unreachable)
    finally:
        module.close()


# -- wire evidence -----------------------------------------------------------------------


def test_trace_records_both_directions_with_timestamps_and_stays_bounded(scripted) -> None:
    module = scripted(sm3_answers)
    with open_url(module.url("trace=1")) as device:
        device.trace_mark()
        device.digest("SM3", b"abc")
        excerpt = device.trace_excerpt()
        assert excerpt is not None and excerpt["omitted"] == 0
        request, response = excerpt["records"]
        assert request["dir"] == "host>module" and response["dir"] == "module>host"
        assert bytes.fromhex(request["hex"]) == module.received[-1]
        assert DIGEST.hex() in response["hex"] and response["size"] == 9 + 3 + 32
        assert request["t"] <= response["t"] and request["t"].endswith("+00:00")
        for _ in range(200):
            device.digest("SM3", os.urandom(1000))
        excerpt = device.trace_excerpt()
        assert excerpt is not None
        assert len(excerpt["records"]) == 64 and excerpt["omitted"] == 2 + 400 - 64
        assert all(len(record["hex"]) <= 512 for record in excerpt["records"])
        assert excerpt["records"][0]["hex"] == request["hex"]  # the head is kept


def test_without_trace_there_is_no_excerpt(scripted) -> None:
    with open_url(scripted(sm3_answers).url()) as device:
        device.digest("SM3", b"abc")
        assert device.trace_excerpt() is None
