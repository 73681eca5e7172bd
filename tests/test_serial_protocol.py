"""The serial protocol's bytes, as serial-protocol.md fixes them, and the frame parser's rules.

Byte-exact layouts are written out by hand from the specification, so a
change to the encoder cannot also change the expectation.
"""

from __future__ import annotations

import binascii
import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certkit.drivers.serial.protocol import (
    INCOMPLETE_FRAME_S,
    MAX_LEN,
    SYNC,
    BadFrame,
    Expired,
    FieldError,
    Frame,
    FrameParser,
    OutgoingFrame,
    Oversize,
    Skipped,
    crc16,
    decode_fields,
    encode_fields,
    encode_frame,
    nak,
)


def test_crc_check_value_is_the_specifications() -> None:
    assert crc16(b"123456789") == 0x29B1


@pytest.mark.parametrize("size", [0, 1, 8191, 8192, 32766, 32767, 32768, 61481, 65535, 65546])
def test_folded_crc_equals_the_table_driven_one(size: int) -> None:
    data = os.urandom(size)
    assert crc16(data) == binascii.crc_hqx(data, 0xFFFF)
    assert crc16(memoryview(data)) == binascii.crc_hqx(data, 0xFFFF)


@given(st.integers(8192, 70000), st.integers(0, 2**32))
@settings(max_examples=40, deadline=None)
def test_folded_crc_equals_the_table_driven_one_for_any_long_data(size: int, seed: int) -> None:
    data = random.Random(seed).randbytes(size)
    assert crc16(data) == binascii.crc_hqx(data, 0xFFFF)


def test_frame_layout_is_byte_exact() -> None:
    # SM3 request, SEQ 0x07, one field "abc": SYNC VER SEQ CMD LEN(5) 0003 616263 CRC
    body = bytes.fromhex("01" "07" "20" "0005" "0003" "616263")
    expected = bytes.fromhex("a55a") + body + binascii.crc_hqx(body, 0xFFFF).to_bytes(2, "big")
    assert encode_frame(0x07, 0x20, encode_fields(b"abc")) == expected


@pytest.mark.parametrize("size", [0, 100, 20000, 65535])
def test_an_outgoing_frame_is_the_encoded_frame(size: int) -> None:
    payload = os.urandom(size)
    frame = OutgoingFrame(0x99, 0xB0, payload)
    assert bytes(frame) == encode_frame(0x99, 0xB0, payload) and len(frame) == size + 9
    assert frame.body == encode_frame(0x99, 0xB0, payload)[:-2]


def test_nak_is_cmd_ff_with_the_seq_read_and_payload_03() -> None:
    body = bytes.fromhex("01" "2a" "ff" "0001" "03")
    assert nak(0x2A) == b"\xa5\x5a" + body + binascii.crc_hqx(body, 0xFFFF).to_bytes(2, "big")


def test_fields_are_big_endian_length_prefixed() -> None:
    assert encode_fields(b"", b"\x01", b"xy") == bytes.fromhex("0000" "000101" "00027879")
    assert decode_fields(bytes.fromhex("0000" "000101" "00027879")) == [b"", b"\x01", b"xy"]


@pytest.mark.parametrize("payload", ["00", "0003aabb", "0001aa00"])
def test_truncated_fields_are_a_field_error(payload: str) -> None:
    with pytest.raises(FieldError):
        decode_fields(bytes.fromhex(payload))


def test_garbage_before_a_frame_is_skipped() -> None:
    frame = encode_frame(1, 0x20, encode_fields(b"abc"))
    events = FrameParser().feed(b"\x00\xa5\xff" + frame)
    assert events == [Skipped(3), Frame(1, 0x20, encode_fields(b"abc"))]


def test_a_frame_split_anywhere_is_reassembled() -> None:
    frame = encode_frame(9, 0x30, os.urandom(300))
    for cut in range(len(frame) + 1):
        parser = FrameParser()
        first = parser.feed(frame[:cut])
        second = parser.feed(frame[cut:])
        frames = [e for e in first + second if isinstance(e, Frame)]
        assert frames == [Frame(9, 0x30, frame[7:-2])], cut


def test_wanted_never_reads_past_the_frame_in_progress() -> None:
    frame = encode_frame(3, 0x20, os.urandom(100))
    parser = FrameParser()
    received = 0
    while received < len(frame):
        wanted = parser.wanted()
        assert received + wanted <= len(frame)
        parser.feed(frame[received:received + wanted])
        received += wanted
    assert parser.buffered == 0


def test_bad_crc_drops_the_frame_as_len_delimits_it() -> None:
    bad = bytearray(encode_frame(5, 0x20, encode_fields(b"\xa5\x5a inside")))
    bad[-1] ^= 0x01
    good = encode_frame(6, 0x20, b"")
    # A SYNC inside the bad frame's payload must not be taken for a frame.
    assert FrameParser().feed(bytes(bad) + good) == [BadFrame(5, 0x20, "CRC"),
                                                    Frame(6, 0x20, b"")]


def test_wrong_version_is_a_bad_frame() -> None:
    body = bytes.fromhex("02" "05" "20" "0000")
    frame = SYNC + body + crc16(body).to_bytes(2, "big")
    assert FrameParser().feed(frame) == [BadFrame(5, 0x20, "VER 0x02")]


def test_len_over_max_payload_resumes_scanning_right_after_that_sync() -> None:
    good = encode_frame(2, 0x01, b"")
    oversize_header = SYNC + bytes.fromhex("01" "63" "20" "0400")  # LEN 1024 > 512
    events = FrameParser(max_payload=512).feed(oversize_header + good)
    assert events[0] == Oversize(0x63, 1024)
    assert events[-1] == Frame(2, 0x01, b"")


def test_incomplete_frame_expires_one_second_after_its_last_byte() -> None:
    parser = FrameParser()
    frame = encode_frame(4, 0x20, encode_fields(b"abc"))
    parser.feed(frame[:6], now=10.0)
    parser.feed(frame[6:9], now=10.5)
    assert parser.expire(10.5 + INCOMPLETE_FRAME_S - 0.01) == []
    assert parser.expires_at == pytest.approx(10.5 + INCOMPLETE_FRAME_S)
    # Its SYNC is dropped, and the 7 bytes after it hold no other SYNC.
    assert parser.expire(10.5 + INCOMPLETE_FRAME_S) == [Expired(2), Skipped(7)]
    # The rest of that frame, arriving late, is no frame at all.
    assert [e for e in parser.feed(frame[9:], now=12.0) if isinstance(e, Frame)] == []


def test_a_false_sync_that_expires_gives_the_frame_it_swallowed_a_second_look() -> None:
    real = encode_frame(8, 0x01, b"")
    parser = FrameParser()
    assert parser.feed(SYNC + bytes.fromhex("01" "00" "20" "0100") + real, now=1.0) == []
    assert parser.expire(1.0 + INCOMPLETE_FRAME_S) == [Expired(2), Skipped(5),
                                                       Frame(8, 0x01, b"")]


# -- properties: whatever arrives, the parser answers events and stays bounded --------

PAYLOAD_LIMIT = 600


def _feed_all(parser: FrameParser, chunks: list[bytes]) -> list[object]:
    events: list[object] = []
    for number, chunk in enumerate(chunks):
        events += parser.feed(chunk, now=float(number))
        assert parser.buffered <= 9 + PAYLOAD_LIMIT
    now = float(len(chunks))
    while parser.buffered > 1:  # each false SYNC in turn waits out its second
        now += INCOMPLETE_FRAME_S
        expired = parser.expire(now)
        assert expired and isinstance(expired[0], Expired)
        events += expired
    return events


@given(st.lists(st.binary(max_size=300), max_size=20))
@settings(max_examples=300, deadline=1000)
def test_arbitrary_bytes_give_events_never_exceptions(chunks: list[bytes]) -> None:
    events = _feed_all(FrameParser(max_payload=PAYLOAD_LIMIT), chunks)
    for event in events:
        assert isinstance(event, Frame | BadFrame | Oversize | Skipped | Expired)
        if isinstance(event, Frame):
            assert len(event.payload) <= PAYLOAD_LIMIT


@st.composite
def mutated_stream(draw: st.DrawFn) -> tuple[list[bytes], list[Frame], bool]:
    """Valid frames, some mutated (bit flips, cuts, insertions), the stream split at random."""
    frames = [Frame(draw(st.integers(0, 255)), draw(st.integers(0, 255)),
                    draw(st.binary(max_size=80))) for _ in range(draw(st.integers(1, 6)))]
    stream = bytearray()
    mutated = False
    for frame in frames:
        data = bytearray(frame.encode())
        mutation = draw(st.sampled_from(["none", "flip", "cut", "insert"]))
        if mutation == "flip":
            position = draw(st.integers(0, len(data) - 1))
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif mutation == "cut":
            del data[draw(st.integers(0, len(data) - 1)):]
        elif mutation == "insert":
            position = draw(st.integers(0, len(data)))
            data[position:position] = draw(st.binary(min_size=1, max_size=4))
        mutated |= mutation != "none"
        stream += data
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    chunks = [bytes(stream[a:b]) for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    return chunks, frames, mutated


@given(mutated_stream())
@settings(max_examples=300, deadline=1000)
def test_mutated_frames_give_only_frames_that_were_sent(
        case: tuple[list[bytes], list[Frame], bool]) -> None:
    chunks, sent, mutated = case
    events = _feed_all(FrameParser(max_payload=PAYLOAD_LIMIT), chunks)
    frames = [event for event in events if isinstance(event, Frame)]
    # A mutation survives the CRC with probability 2^-16 per frame; hypothesis
    # does not invert CRCs, so a frame out is a frame that went in.
    assert all(frame in sent for frame in frames)
    if not mutated:
        assert frames == sent


@given(st.binary(max_size=400), st.binary(max_size=60), st.integers(0, 255))
@settings(max_examples=300, deadline=1000)
def test_a_clean_frame_after_any_noise_is_recovered(noise: bytes, payload: bytes,
                                                    seq: int) -> None:
    parser = FrameParser(max_payload=PAYLOAD_LIMIT)
    parser.feed(noise, now=0.0)
    now = 0.0
    while parser.buffered > 1:  # the noise may hold false SYNCs: each expires in turn
        now += INCOMPLETE_FRAME_S
        parser.expire(now)
    frame = Frame(seq, 0x20, payload)
    events = parser.feed(frame.encode(), now=now)
    assert [event for event in events if isinstance(event, Frame)] == [frame]


def test_max_len_is_sixteen_bits() -> None:
    assert MAX_LEN == 0xFFFF
    with pytest.raises(ValueError):
        encode_frame(0, 0x20, bytes(MAX_LEN + 1))
