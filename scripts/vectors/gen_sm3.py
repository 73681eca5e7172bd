"""Write the SM3 vector files: the GB/T 32905 examples, every length 0..300, and large messages.

    python scripts/vectors/gen_sm3.py [--check] [--only sm3/lengths.json]

Standard values are checked against OpenSSL (hashlib), Tongsuo and gmssl before they are
written; generated digests are written only when OpenSSL and gmssl agree. gmssl is pure Python
and takes about 15 s for the three large messages together.
"""

from __future__ import annotations

import sys

import implementations as impl
import vectorgen
from vectorgen import VectorFile

SCRIPT = "gen_sm3.py"
ALGORITHM = "SM3"


def _digest_all(message: bytes, what: str, *, tongsuo: bool = False) -> bytes:
    answers = {impl.HASHLIB: impl.sm3_hashlib(message), impl.GMSSL: impl.sm3_gmssl(message)}
    if tongsuo:
        answers[impl.tongsuo_name()] = impl.sm3_tongsuo(message)
    return vectorgen.agree(what, answers)


def gbt32905() -> VectorFile:
    out = VectorFile(
        "sm3/gbt32905.json", ALGORITHM, "digest",
        "Test values transcribed from GB/T 32905-2016 Annex A; facts, not copyrightable "
        "expression",
    )
    examples = [
        ("Annex A, example 1", 'the 3-byte message "abc"', b"abc",
         "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
        ("Annex A, example 2", 'the 64-byte message "abcd" x 16', b"abcd" * 16,
         "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
    ]
    for clause, comment, message, digest in examples:
        out.group(
            "GB/T 32905-2016", clause,
            method=f"transcribed via GmSSL tests/sm3test.c; {SCRIPT} checks it against OpenSSL "
                   "(hashlib), Tongsuo and gmssl",
        )
        published = bytes.fromhex(digest)
        vectorgen.expect(
            f"GB/T 32905 {clause}", published,
            {impl.HASHLIB: impl.sm3_hashlib(message), impl.GMSSL: impl.sm3_gmssl(message),
             impl.tongsuo_name(): impl.sm3_tongsuo(message)},
        )
        out.add(comment, msg=message, md=published)
    return out


def lengths() -> VectorFile:
    agreed_by = [impl.HASHLIB, impl.GMSSL]
    out = VectorFile(
        "sm3/lengths.json", ALGORITHM, "digest", vectorgen.LICENCE_GENERATED,
        generator=vectorgen.generator_info(SCRIPT, agreed_by),
        notes={
            "EmptyMessage": "The empty message: padding alone fills the only block.",
            "PaddingBoundary": "Length mod 64 is 55 or 56: the last length at which the 0x80 "
                               "byte and the 64-bit length still fit in the message's last "
                               "block, and the first at which they need one more block.",
            "BlockBoundary": "The message is a whole number of 64-byte blocks, so padding "
                             "takes a block of its own.",
        },
    )
    out.group(
        "certkit generated", "every message length from 0 to 300 bytes",
        method=f"{SCRIPT}: message of n bytes = SHAKE-256('certkit vectors|sm3/lengths n'); "
               f"digest agreed by {' and '.join(agreed_by)}",
    )
    for size in range(301):
        message = vectorgen.seeded(f"sm3/lengths {size}", size)
        flags = []
        if size == 0:
            flags.append("EmptyMessage")
        elif size % 64 in (55, 56):
            flags.append("PaddingBoundary")
        elif size % 64 == 0:
            flags.append("BlockBoundary")
        out.add(f"{size}-byte message", flags=flags, msg=message,
                md=_digest_all(message, f"SM3 of {size} bytes"))
    return out


def large() -> VectorFile:
    agreed_by = [impl.HASHLIB, impl.GMSSL]
    out = VectorFile(
        "sm3/large.json", ALGORITHM, "digest", vectorgen.LICENCE_GENERATED,
        generator=vectorgen.generator_info(SCRIPT, agreed_by),
        notes={"LargeMessage": "At least 1 MiB, given as a pattern repeated `count` times, so "
                               "a device must hash it in many updates or one large buffer."},
    )
    out.group(
        "certkit generated", "messages of 1 MiB and more",
        method=f"{SCRIPT}: msgRepeat patterns from SHAKE-256 of a label; digest agreed by "
               f"{' and '.join(agreed_by)}",
    )
    cases = [
        ("1 MiB of 'a' (0x61)", b"a", 1 << 20),
        ("1 MiB + 1 byte: a 17-byte pattern x 61681", 17, 61681),
        ("3 MiB + 17 bytes: a 433-byte pattern x 7265", 433, 7265),
    ]
    for comment, pattern, count in cases:
        if isinstance(pattern, int):
            pattern = vectorgen.seeded(f"sm3/large pattern {pattern}", pattern)
        message = pattern * count
        out.add(comment, flags=["LargeMessage"], msgRepeat={"hex": pattern.hex(), "count": count},
                md=_digest_all(message, comment))
    return out


BUILDERS = {
    "sm3/gbt32905.json": gbt32905,
    "sm3/lengths.json": lengths,
    "sm3/large.json": large,
}

if __name__ == "__main__":
    sys.exit(vectorgen.main(BUILDERS, __doc__))
