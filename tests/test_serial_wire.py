"""The serial emulator on the wire: raw bytes in, raw bytes out, on a real pty and on TCP.

A pty or TCP port that cannot be had fails these tests; it never skips them.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from certkit.drivers.serial.lineio import write_frame
from certkit.drivers.serial.protocol import (
    NAK,
    SYNC,
    Command,
    Frame,
    FrameParser,
    OutgoingFrame,
    crc16,
    encode_fields,
    encode_frame,
    nak,
)
from certkit.drivers.serial.spawn import EmulatorProcess

QUIET_S = 0.4  # how long a line must stay silent to show that nothing was answered


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess("--pty", "--max-payload", "4096") as process:
        yield process


@pytest.fixture
def line(emulator: EmulatorProcess) -> Iterator[serial.Serial]:
    port = serial.serial_for_url(emulator.port, timeout=2)
    yield port
    port.close()


def read_frames(port: serial.SerialBase, count: int, timeout_s: float = 2.0) -> list[object]:
    """Read until `count` frames (or NAKs) arrived, or the timeout; return them."""
    parser = FrameParser()
    frames: list[object] = []
    deadline = time.monotonic() + timeout_s
    while len(frames) < count and (remaining := deadline - time.monotonic()) > 0:
        port.timeout = remaining
        data = port.read(max(1, port.in_waiting))
        frames += [e for e in parser.feed(data) if isinstance(e, Frame)]
    return frames


def request(seq: int, cmd: int, *fields: bytes) -> bytes:
    return encode_frame(seq, cmd, encode_fields(*fields))


def test_a_request_is_answered_with_its_seq_and_cmd_with_the_response_bit(line) -> None:
    line.write(request(0x5C, Command.SM3, b"abc"))
    (response,) = read_frames(line, 1)
    assert response == Frame(0x5C, 0xA0, b"\x00" + encode_fields(bytes.fromhex(
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")))


def test_info_on_the_wire(line) -> None:
    line.write(request(1, Command.INFO))
    (response,) = read_frames(line, 1)
    info = json.loads(response.payload[3:])
    assert response.payload[0] == 0 and info["max_payload"] == 4096
    assert "SM4-CCM" not in info["algorithms"] and info["test_hooks"] is False


def test_bad_crc_is_naked_with_the_seq_read_and_dropped_as_len_delimits(line) -> None:
    inner = request(0x11, Command.STATE)  # a whole frame inside the bad one's payload
    bad = bytearray(request(0x10, Command.SM3, inner))
    bad[-2] ^= 0xFF
    line.write(bytes(bad) + request(0x12, Command.STATE))
    frames = read_frames(line, 2)
    assert frames[0] == Frame(0x10, NAK, b"\x03")
    assert frames[0] == FrameParser().feed(nak(0x10))[0]
    assert [f.seq for f in frames] == [0x10, 0x12]
    assert read_frames(line, 1, timeout_s=QUIET_S) == []  # 0x11 inside was never answered


def test_wrong_version_is_naked(line) -> None:
    body = bytes([0x02, 0x21, Command.STATE, 0, 0])
    line.write(SYNC + body + crc16(body).to_bytes(2, "big"))
    assert read_frames(line, 1) == [Frame(0x21, NAK, b"\x03")]


def test_len_over_max_payload_is_naked_and_scanning_resumes_after_that_sync(line) -> None:
    oversize = SYNC + bytes([0x01, 0x31, Command.SM3]) + (4097).to_bytes(2, "big")
    line.write(oversize + request(0x32, Command.STATE))
    frames = read_frames(line, 2)
    assert frames[0] == Frame(0x31, NAK, b"\x03")
    assert frames[1] == Frame(0x32, Command.STATE | 0x80, b"\x00" + encode_fields(b"\x00"))


def test_garbage_before_a_request_is_skipped(line) -> None:
    line.write(b"\x00\xa5\xff\x5a\xa5" + request(0x41, Command.STATE))
    assert [f.seq for f in read_frames(line, 1)] == [0x41]


def test_an_incomplete_frame_is_dropped_after_one_second_without_an_answer(line) -> None:
    whole = request(0x51, Command.SM3, b"abc")
    line.write(whole[:6])
    time.sleep(1.3)
    line.write(whole[6:])  # the rest alone is no frame
    line.write(request(0x52, Command.STATE))
    assert [f.seq for f in read_frames(line, 1)] == [0x52]
    assert read_frames(line, 1, timeout_s=QUIET_S) == []


def test_a_frame_completed_within_the_second_is_answered(line) -> None:
    whole = request(0x61, Command.SM3, b"abc")
    line.write(whole[:8])
    time.sleep(0.5)
    line.write(whole[8:])
    assert [f.seq for f in read_frames(line, 1)] == [0x61]


def test_a_retransmission_gets_the_cached_bytes(line) -> None:
    frame = request(0x71, Command.RANDOM, (64).to_bytes(4, "big"))
    line.write(frame)
    first = read_frames(line, 1)
    line.write(frame)
    assert read_frames(line, 1) == first
    line.write(request(0x72, Command.RANDOM, (64).to_bytes(4, "big")))
    assert read_frames(line, 1) != first


def test_responses_arriving_at_the_module_are_not_answered(line) -> None:
    """A line that echoes (a tty in cooked mode) must not make the module talk to itself."""
    line.write(encode_frame(0x7A, Command.SM3 | 0x80, b"\x00") + nak(0x7B)
               + request(0x7C, Command.STATE))
    assert [f.seq for f in read_frames(line, 1)] == [0x7C]
    assert read_frames(line, 1, timeout_s=QUIET_S) == []


def test_answers_come_well_within_one_second(line) -> None:
    started = time.monotonic()
    line.write(request(0x0A, Command.SM2_GENERATE))
    (frame,) = read_frames(line, 1)
    assert frame.payload[0] == 0 and time.monotonic() - started < 1


def test_a_host_may_close_and_reopen_the_pty(emulator: EmulatorProcess) -> None:
    for seq in range(3):
        with serial.serial_for_url(emulator.port, timeout=2) as port:
            port.write(request(seq, Command.STATE))
            assert [f.seq for f in read_frames(port, 1)] == [seq]


# -- the writer ------------------------------------------------------------------------


def test_a_long_frame_streamed_with_its_crc_last_arrives_byte_exact() -> None:
    payload = os.urandom(60_000)
    reader, writer = os.pipe()
    os.set_blocking(writer, False)
    received = bytearray()
    drain = threading.Thread(target=lambda: received.extend(_read_all(reader)))
    drain.start()
    assert write_frame(writer, OutgoingFrame(0x44, 0xB0, payload), time.monotonic() + 5)
    os.close(writer)
    drain.join()
    os.close(reader)
    assert bytes(received) == encode_frame(0x44, 0xB0, payload)


def test_a_reader_that_stops_draining_leaves_the_write_unfinished_at_the_deadline() -> None:
    reader, writer = os.pipe()
    os.set_blocking(writer, False)
    started = time.monotonic()
    assert not write_frame(writer, OutgoingFrame(1, 0x30, bytes(65535)) , started + 0.2)
    assert 0.2 <= time.monotonic() - started < 1
    os.close(reader)
    os.close(writer)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


# -- TCP ------------------------------------------------------------------------------


def test_tcp_serves_one_host_at_a_time_and_the_next_after_it() -> None:
    with EmulatorProcess("--tcp", "0") as emulator:
        assert emulator.port.startswith("socket://127.0.0.1:")
        address = ("127.0.0.1", int(emulator.port.rsplit(":", 1)[1]))
        first = serial.serial_for_url(emulator.port, timeout=2)
        first.write(request(1, Command.STATE))
        assert [f.seq for f in read_frames(first, 1)] == [1]
        with socket.create_connection(address, timeout=2) as second:
            second.sendall(request(2, Command.STATE))
            try:
                answer = second.recv(100)
            except ConnectionResetError:  # closed with the request unread
                answer = b""
            assert answer == b""  # refused without an answer
        first.write(request(3, Command.STATE))
        assert [f.seq for f in read_frames(first, 1)] == [3]
        first.close()
        with serial.serial_for_url(emulator.port, timeout=2) as again:
            again.write(request(4, Command.STATE))
            assert [f.seq for f in read_frames(again, 1)] == [4]


# -- lifecycle ---------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_stop_it_cleanly(tmp_path: Path, signum: int) -> None:
    link = tmp_path / "ttyCERTKIT"
    emulator = EmulatorProcess("--pty", "--link", str(link))
    with emulator:
        assert emulator.port == str(link) and os.readlink(link).startswith("/dev/pts/")
        with serial.serial_for_url(str(link), timeout=2) as port:
            port.write(request(9, Command.STATE))
            assert [f.seq for f in read_frames(port, 1)] == [9]
        assert emulator.stop(signum) == 0
        assert "stopped: 1 requests executed" in emulator.stderr()
        assert "Traceback" not in emulator.stderr()
    assert not link.exists()


def test_link_never_replaces_a_file_that_is_not_a_symlink(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.write_text("keep me")
    with pytest.raises(RuntimeError, match="not a symlink"):
        EmulatorProcess("--pty", "--link", str(precious))
    assert precious.read_text() == "keep me"


def test_unknown_fault_names_are_a_usage_error() -> None:
    with pytest.raises(RuntimeError, match="unknown fault 'no-such-fault'"):
        EmulatorProcess("--fault", "no-such-fault")
    with pytest.raises(RuntimeError, match="rate"):
        EmulatorProcess("--fault", "drop-response=2")
