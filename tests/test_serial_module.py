"""The module side of serial-protocol.md: check order, error state, cache, limits.

These drive `ProtocolModule` with frames directly, the way its server does
after parsing; the wire itself is exercised in test_serial_wire.py.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certkit.drivers.emulator.core import SoftwareModule
from certkit.drivers.serial.host import ProtocolViolation, decode_response
from certkit.drivers.serial.module import ProtocolModule
from certkit.drivers.serial.protocol import (
    MAX_LEN,
    NAK,
    PROTOCOL_ALGORITHMS,
    BadFrame,
    Command,
    Frame,
    FrameParser,
    Oversize,
    Status,
    encode_fields,
    nak,
)
from certkit.errors import Refusal
from certkit.reference import sm2

KEY = bytes(range(16))
IV = bytes(16)
PRIVATE = bytes.fromhex("3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8")


def module(*faults: str, max_payload: int = MAX_LEN, test_hooks: bool = True) -> ProtocolModule:
    return ProtocolModule(SoftwareModule(frozenset(faults), test_hooks=test_hooks),
                          max_payload=max_payload)


def ask(dut: ProtocolModule, cmd: int, *fields: bytes, seq: int = 1) -> tuple[int, list[bytes]]:
    """Send one request frame through the module's own parser; return (status, fields)."""
    response = dut.answer(Frame(seq, cmd, encode_fields(*fields)))
    assert response is not None
    (frame,) = FrameParser().feed(bytes(response))
    assert isinstance(frame, Frame) and frame.seq == seq and frame.cmd == cmd | 0x80
    status = frame.payload[0]
    if status != Status.OK:
        assert len(frame.payload) == 1, "a refusal carries no fields"
        return status, []
    return status, decode_response(cmd, frame.payload, (None,) * _count(frame.payload[1:]))


def _count(payload: bytes) -> int:
    count, offset = 0, 0
    while offset < len(payload):
        offset += 2 + int.from_bytes(payload[offset:offset + 2], "big")
        count += 1
    return count


def imported(dut: ProtocolModule) -> bytes:
    status, (handle, public) = ask(dut, Command.SM2_IMPORT, PRIVATE)
    assert status == Status.OK and public == sm2.public_key_from_private(
        int.from_bytes(PRIVATE, "big"))
    return handle


# -- INFO and the catalogue ---------------------------------------------------------


def test_info_lists_the_protocols_algorithms_and_never_sm4_ccm() -> None:
    status, (text,) = ask(module(max_payload=4096), Command.INFO)
    info = json.loads(text)
    assert status == Status.OK
    assert info["protocol"] == 1 and info["max_payload"] == 4096 and info["test_hooks"] is True
    assert info["algorithms"] == list(PROTOCOL_ALGORITHMS)
    assert "SM4-CCM" not in info["algorithms"]
    assert {"vendor", "model", "firmware", "serial"} <= info.keys()


def test_force_error_is_an_unknown_command_without_test_hooks() -> None:
    dut = module(test_hooks=False)
    assert json.loads(ask(dut, Command.INFO)[1][0])["test_hooks"] is False
    assert ask(dut, Command.FORCE_ERROR)[0] == Status.UNKNOWN_COMMAND


@pytest.mark.parametrize("cmd", [0x00, 0x06, 0x0F, 0x22, 0x34, 0x48, 0x51, 0x7E, 0x7F])
def test_undefined_commands_are_unknown(cmd: int) -> None:
    assert ask(module(), cmd)[0] == Status.UNKNOWN_COMMAND


def test_responses_and_naks_are_never_answered() -> None:
    dut = module()
    for cmd in (0x81, 0xA0, NAK):
        assert dut.answer(Frame(1, cmd, b"\x00")) is None


# -- check order -----------------------------------------------------------------


def test_unknown_command_comes_before_the_error_state() -> None:
    dut = module()
    ask(dut, Command.FORCE_ERROR)
    assert ask(dut, 0x60)[0] == Status.UNKNOWN_COMMAND


def test_error_state_comes_before_field_checks() -> None:
    dut = module()
    assert ask(dut, Command.FORCE_ERROR)[0] == Status.OK
    assert ask(dut, Command.SM3)[0] == Status.ERROR_STATE  # no fields at all
    assert ask(dut, Command.SM4_ENCRYPT, b"\x09", b"short", b"", b"")[0] == Status.ERROR_STATE


def test_field_checks_come_before_the_mode_offered() -> None:
    # An undefined mode byte is UNSUPPORTED, but a bad key length is found first.
    assert ask(module(), Command.SM4_ENCRYPT, b"\x09", KEY[:15], b"", b"")[0] \
        == Status.BAD_PARAMETER
    assert ask(module(), Command.SM4_ENCRYPT, b"\x09", KEY, b"", b"")[0] == Status.UNSUPPORTED
    assert ask(module(), Command.SM4_DECRYPT, b"\x00", KEY, IV, b"x")[0] == Status.UNSUPPORTED


@pytest.mark.parametrize(("fields", "why"), [
    ((b"\x01", KEY, IV, bytes(16)), "ECB takes no IV"),
    ((b"\x02", KEY, b"", bytes(16)), "CBC needs a 16-byte IV"),
    ((b"\x01", KEY, b"", bytes(15)), "ECB data must be block-aligned"),
    ((b"\x02", KEY, IV, bytes(17)), "CBC data must be block-aligned"),
    ((b"\x01", KEY, b"", bytes(16), b""), "five fields"),
    ((b"\x01\x01", KEY, b"", bytes(16)), "a two-byte mode"),
])
def test_sm4_field_checks(fields: tuple[bytes, ...], why: str) -> None:
    assert ask(module(), Command.SM4_ENCRYPT, *fields)[0] == Status.BAD_PARAMETER, why


@pytest.mark.parametrize("mode", [3, 4, 5])
def test_stream_modes_take_any_length(mode: int) -> None:
    status, (data,) = ask(module(), Command.SM4_ENCRYPT, bytes([mode]), KEY, IV, bytes(17))
    assert status == Status.OK and len(data) == 17


def test_length_checks_come_before_the_key_handle() -> None:
    dut = module()
    # Handle 0x7777 does not exist, but the ID is too long: BAD_PARAMETER first.
    assert ask(dut, Command.SM2_SIGN, b"\x77\x77", bytes(8192), b"m")[0] == Status.BAD_PARAMETER
    assert ask(dut, Command.SM2_SIGN, b"\x77\x77", bytes(8191), b"m")[0] == Status.NO_SUCH_KEY
    assert ask(dut, Command.SM2_DECRYPT, b"\x77\x77", bytes(97))[0] == Status.BAD_PARAMETER
    assert ask(dut, Command.SM2_DECRYPT, b"\x77\x77", bytes(98))[0] == Status.NO_SUCH_KEY


def test_key_handle_comes_before_policy_and_content() -> None:
    dut = module()
    assert ask(dut, Command.SM2_EXPORT, b"\x77\x77")[0] == Status.NO_SUCH_KEY
    handle = imported(dut)
    assert ask(dut, Command.SM2_EXPORT, handle)[0] == Status.DENIED
    # Invalid C1 (not on the curve) is content: BAD_PARAMETER once the handle is known.
    assert ask(dut, Command.SM2_DECRYPT, handle, b"\x04" + bytes(97))[0] == Status.BAD_PARAMETER


def test_sm2_import_range_is_content() -> None:
    assert ask(module(), Command.SM2_IMPORT, bytes(32))[0] == Status.BAD_PARAMETER
    n_minus_1 = (sm2.N - 1).to_bytes(32, "big")
    assert ask(module(), Command.SM2_IMPORT, n_minus_1)[0] == Status.BAD_PARAMETER
    assert ask(module(), Command.SM2_IMPORT, bytes(31) + b"\x01")[0] == Status.OK


def test_destroyed_handle_is_no_such_key_and_handles_are_never_reused() -> None:
    dut = module()
    first = imported(dut)
    assert ask(dut, Command.SM2_DESTROY, first)[0] == Status.OK
    assert ask(dut, Command.SM2_SIGN, first, b"id", b"m")[0] == Status.NO_SUCH_KEY
    assert ask(dut, Command.SM2_DESTROY, first)[0] == Status.NO_SUCH_KEY
    ask(dut, Command.RESET)
    assert imported(dut) != first


def test_out_of_range_signature_verifies_as_00_not_an_error() -> None:
    public = sm2.public_key_from_private(int.from_bytes(PRIVATE, "big"))
    status, (valid,) = ask(module(), Command.SM2_VERIFY, public, b"id", b"m", b"\xff" * 64)
    assert (status, valid) == (Status.OK, b"\x00")


def test_gcm_tag_mismatch_is_auth_failed_without_plaintext() -> None:
    dut = module()
    _, (ciphertext, tag) = ask(dut, Command.SM4_GCM_ENCRYPT, KEY, IV[:12], b"aad", b"secret")
    assert ask(dut, Command.SM4_GCM_DECRYPT, KEY, IV[:12], b"aad", ciphertext, tag) \
        == (Status.OK, [b"secret"])
    bad_tag = bytes([tag[0] ^ 1]) + tag[1:]
    assert ask(dut, Command.SM4_GCM_DECRYPT, KEY, IV[:12], b"aad", ciphertext, bad_tag) \
        == (Status.AUTH_FAILED, [])
    assert ask(dut, Command.SM4_GCM_ENCRYPT, KEY, bytes(65), b"", b"x")[0] == Status.BAD_PARAMETER


# -- the error state --------------------------------------------------------------


def test_error_state_keeps_info_selftest_state_reset_and_force_error() -> None:
    dut = module()
    ask(dut, Command.FORCE_ERROR)
    assert ask(dut, Command.STATE) == (Status.OK, [b"\x01"])
    assert ask(dut, Command.INFO)[0] == Status.OK
    assert ask(dut, Command.SELFTEST) == (Status.OK, [b"\x01"])
    assert ask(dut, Command.FORCE_ERROR) == (Status.OK, [])
    refused = [(Command.RANDOM, (b"\x00\x00\x00\x10",)), (Command.SM3, (b"abc",)),
               (Command.SM2_GENERATE, ()), (Command.ZUC_KEYSTREAM, (KEY, IV, b"\0\0\0\1"))]
    for cmd, fields in refused:
        assert ask(dut, cmd, *fields) == (Status.ERROR_STATE, [])
    assert ask(dut, Command.RESET) == (Status.OK, [])
    assert ask(dut, Command.STATE) == (Status.OK, [b"\x00"])
    assert ask(dut, Command.SM3, b"abc")[0] == Status.OK


def test_reset_zeroises_keys() -> None:
    dut = module()
    handle = imported(dut)
    ask(dut, Command.RESET)
    assert ask(dut, Command.SM2_SIGN, handle, b"id", b"m")[0] == Status.NO_SUCH_KEY


def test_the_faces_own_refusals_yield_to_the_error_state() -> None:
    dut = module()
    ask(dut, Command.FORCE_ERROR)
    assert ask(dut, Command.RANDOM, bytes(4))[0] == Status.ERROR_STATE  # n = 0
    assert ask(dut, Command.SM4_ENCRYPT, b"\x09", KEY, b"", b"")[0] == Status.ERROR_STATE
    assert ask(dut, Command.SM2_SIGN, b"\x01", b"", b"")[0] == Status.ERROR_STATE
    assert ask(dut, Command.SM4_GCM_DECRYPT, KEY, IV, b"", b"", b"short")[0] \
        == Status.ERROR_STATE


# -- the core's faults show through the face -----------------------------------------


def test_input_checking_faults_of_the_core_show_on_the_wire() -> None:
    """The face leaves key, IV and alignment checks to the core, so a core that
    skips them is seen skipping them, as in process."""
    assert ask(module(), Command.SM4_ENCRYPT, b"\x01", KEY, b"", bytes(15))[0] \
        == Status.BAD_PARAMETER
    status, (data,) = ask(module("sm4-ecb-zero-pads"), Command.SM4_ENCRYPT, b"\x01", KEY, b"",
                          bytes(15))
    assert status == Status.OK and len(data) == 16
    assert ask(module("sm4-cbc-short-iv-padded"), Command.SM4_ENCRYPT, b"\x02", KEY, IV[:8],
               bytes(16))[0] == Status.OK
    assert ask(module("sm4-gcm-any-iv-length"), Command.SM4_GCM_ENCRYPT, KEY, b"", b"",
               b"x")[0] == Status.OK


def test_an_error_state_fault_of_the_core_shows_on_the_wire() -> None:
    dut = module("error-state-random-leaks")
    ask(dut, Command.FORCE_ERROR)
    assert ask(dut, Command.RANDOM, (16).to_bytes(4, "big"))[0] == Status.OK
    assert ask(dut, Command.SM3, b"abc")[0] == Status.ERROR_STATE


# -- retransmission cache and limits ------------------------------------------------


def test_a_retransmission_is_answered_from_the_cache_not_executed_again() -> None:
    dut = module()
    request = Frame(42, Command.RANDOM, encode_fields(b"\x00\x00\x00\x20"))
    first = bytes(dut.answer(request) or b"")
    assert bytes(dut.answer(request) or b"") == first  # same random bytes: not drawn twice
    assert dut.stats.cached == 1 and dut.stats.executed == 1
    # The same command with a new SEQ is a new request.
    again = bytes(dut.answer(Frame(43, Command.RANDOM, request.payload)) or b"")
    assert again[7:-2] != first[7:-2]
    generated = bytes(dut.answer(Frame(44, Command.SM2_GENERATE, b"")) or b"")
    assert bytes(dut.answer(Frame(44, Command.SM2_GENERATE, b"")) or b"") == generated
    assert dut.stats.executed == 3  # no second key either


def test_random_bounds_follow_max_payload() -> None:
    dut = module(max_payload=1000)
    assert ask(dut, Command.RANDOM, (997).to_bytes(4, "big"))[0] == Status.OK
    assert ask(dut, Command.RANDOM, (998).to_bytes(4, "big"))[0] == Status.BAD_PARAMETER
    assert ask(dut, Command.RANDOM, bytes(4))[0] == Status.BAD_PARAMETER
    assert ask(dut, Command.RANDOM, bytes(3))[0] == Status.BAD_PARAMETER


def test_responses_that_would_exceed_max_payload_are_bad_parameter() -> None:
    dut = module(max_payload=1000)
    assert ask(dut, Command.ZUC_KEYSTREAM, KEY, IV, (249).to_bytes(4, "big"))[0] == Status.OK
    assert ask(dut, Command.ZUC_KEYSTREAM, KEY, IV, (250).to_bytes(4, "big"))[0] \
        == Status.BAD_PARAMETER
    public = sm2.public_key_from_private(int.from_bytes(PRIVATE, "big"))
    # SM2 ciphertext is 97 bytes longer than the message: 3 + 97 + 900 = 1000 fits.
    assert ask(dut, Command.SM2_ENCRYPT, public, bytes(900))[0] == Status.OK
    assert ask(dut, Command.SM2_ENCRYPT, public, bytes(901))[0] == Status.BAD_PARAMETER
    assert ask(dut, Command.SM2_ENCRYPT, public, b"")[0] == Status.BAD_PARAMETER


def test_unreadable_frames_are_naked_with_the_seq_read() -> None:
    dut = module()
    assert bytes(dut.receive(BadFrame(0x33, 0x20, "CRC")) or b"") == nak(0x33)
    assert bytes(dut.receive(Oversize(0x34, 0xFFFF)) or b"") == nak(0x34)


# -- properties: both decoders answer, never raise ------------------------------------


@given(st.integers(0, 0x7F), st.binary(max_size=300), st.integers(0, 255))
@settings(max_examples=400, deadline=2000)
def test_any_request_gets_one_well_formed_response(cmd: int, payload: bytes, seq: int) -> None:
    dut = module(max_payload=2048)
    response = dut.answer(Frame(seq, cmd, payload))
    assert response is not None
    (frame,) = FrameParser().feed(bytes(response))
    assert isinstance(frame, Frame) and (frame.seq, frame.cmd) == (seq, cmd | 0x80)
    assert frame.payload and frame.payload[0] in iter(Status)
    assert frame.payload[0] != Status.BAD_FRAME
    assert len(frame.payload) <= 2048


@given(st.lists(st.binary(max_size=70), max_size=5), st.integers(0, 0x7F))
@settings(max_examples=300, deadline=2000)
def test_well_formed_fields_of_any_content_get_a_status(fields: list[bytes], cmd: int) -> None:
    assert ask(module(), cmd, *fields)[0] in iter(Status)


@given(st.sampled_from(list(Command)), st.binary(max_size=200),
       st.lists(st.one_of(st.none(), st.integers(0, 70)), max_size=4))
@settings(max_examples=400, deadline=1000)
def test_host_response_decoder_answers_fields_or_a_refusal(
        cmd: Command, payload: bytes, shape: list[int | None]) -> None:
    try:
        fields = decode_response(cmd, payload, tuple(shape))
    except Refusal as refusal:
        if isinstance(refusal, ProtocolViolation):
            assert str(refusal)
        return
    assert payload[0] == Status.OK and len(fields) == len(shape)
