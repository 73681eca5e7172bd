"""SM3 and HMAC-SM3 known answers."""

from __future__ import annotations

from collections.abc import Iterator

from certkit.cases import Case, SuiteContext
from certkit.checks import Checks
from certkit.device import Device
from certkit.vectors import DigestVector, MacVector

from .common import answer, only_valid


def _digest_case(ctx: SuiteContext, case_id: str, title: str, path: str,
                 clauses: tuple[str, ...], requires: frozenset[str] = frozenset({"SM3"})) -> Case:
    vectors = only_valid(ctx.vectors.load(path), case_id)

    def run(device: Device, checks: Checks) -> None:
        for vector in vectors:
            assert isinstance(vector, DigestVector)
            checks.equal(vector, vector.md, answer(device.digest, "SM3", vector.msg), "digest")

    return Case(case_id, title, "kat", requires, clauses, run)


def cases(ctx: SuiteContext) -> Iterator[Case]:
    yield _digest_case(ctx, "kat.sm3.gbt32905", "SM3: the standard's examples",
                       "sm3/gbt32905.json", ("GB/T 32905-2016 Annex A",))
    yield _digest_case(ctx, "kat.sm3.lengths", "SM3: every message length from 0 to 300 bytes",
                       "sm3/lengths.json", ("GB/T 32905-2016 (padding)",))
    yield _digest_case(ctx, "kat.sm3.large", "SM3: messages of 1 MiB and more",
                       "sm3/large.json", ("GB/T 32905-2016 (padding)",),
                       frozenset({"SM3", "LARGE-MESSAGES"}))

    macs = only_valid(ctx.vectors.load("hmac_sm3/keys.json"), "kat.hmac-sm3.keys")

    def run_mac(device: Device, checks: Checks) -> None:
        for vector in macs:
            assert isinstance(vector, MacVector)
            got = answer(device.mac, "HMAC-SM3", vector.key, vector.msg)
            checks.equal(vector, vector.tag, got, "mac")

    yield Case("kat.hmac-sm3.keys",
               "HMAC-SM3: keys shorter than, equal to and longer than the 64-byte block",
               "kat", frozenset({"HMAC-SM3"}), ("GB/T 15852.2-2012", "RFC 2104"), run_mac)
