"""SM4 in every mode, the SM4 Monte Carlo example, and ZUC-128 keystreams."""

from __future__ import annotations

from collections.abc import Iterator

from certkit.cases import Case, SuiteContext
from certkit.checks import Checks
from certkit.device import Device
from certkit.errors import Refusal
from certkit.vectors import (
    AeadVector,
    CipherVector,
    KeystreamVector,
    MonteCarloVector,
    Result,
)

from .common import answer, only_valid

MODES_STANDARD = "GB/T 17964-2021"
SM4_STANDARD = "GB/T 32907-2016"


def _cipher_case(ctx: SuiteContext, case_id: str, algorithm: str, title: str, path: str,
                 clauses: tuple[str, ...]) -> Case:
    vectors = only_valid(ctx.vectors.load(path), case_id)

    def run(device: Device, checks: Checks) -> None:
        encrypt, decrypt = device.encrypt, device.decrypt
        for vector in vectors:
            assert isinstance(vector, CipherVector)
            key, iv = vector.key, vector.iv
            try:
                got = encrypt(algorithm, key, vector.msg, iv=iv, aad=b"")
            except Refusal as refusal:
                got = refusal
            checks.equal(vector, vector.ct, got, "encrypt")
            try:
                got = decrypt(algorithm, key, vector.ct, iv=iv, aad=b"")
            except Refusal as refusal:
                got = refusal
            checks.equal(vector, vector.msg, got, "decrypt")

    return Case(case_id, title, "kat", frozenset({algorithm}), clauses, run)


def _aead_case(ctx: SuiteContext, case_id: str, algorithm: str, title: str, path: str,
               clauses: tuple[str, ...]) -> Case:
    # The file's altered (invalid) vectors are the conformance suite's to judge.
    vectors = [vector for vector in ctx.vectors.load(path) if vector.result is Result.VALID]

    def run(device: Device, checks: Checks) -> None:
        for vector in vectors:
            assert isinstance(vector, AeadVector)
            sealed = vector.ct + vector.tag
            got = answer(device.encrypt, algorithm, vector.key, vector.msg, iv=vector.iv,
                         aad=vector.aad)
            checks.equal(vector, sealed, got, "encrypt")
            got = answer(device.decrypt, algorithm, vector.key, sealed, iv=vector.iv,
                         aad=vector.aad)
            checks.equal(vector, vector.msg, got, "decrypt")

    return Case(case_id, title, "kat", frozenset({algorithm}), clauses, run)


def _monte_carlo_case(ctx: SuiteContext) -> Case:
    case_id = "kat.sm4-ecb.monte-carlo"
    vectors = only_valid(ctx.vectors.load("sm4/gbt32907_monte_carlo.json"), case_id)

    def run(device: Device, checks: Checks) -> None:
        encrypt = device.encrypt
        for vector in vectors:
            assert isinstance(vector, MonteCarloVector)
            block, key = vector.msg, vector.key
            total = vector.iterations
            try:
                for done in range(total):
                    block = encrypt("SM4-ECB", key, block, iv=b"", aad=b"")
                    if not done & 0x3FFF:  # the console hears how far the loop has got
                        checks.progress(done, total, "iterations")
            except Refusal as refusal:
                block = refusal
            checks.equal(vector, vector.ct, block, f"encrypt x{vector.iterations}")

    return Case(case_id, "SM4: the standard's 1,000,000-iteration example", "kat",
                frozenset({"SM4-ECB"}), (f"{SM4_STANDARD} Annex A",), run,
                operations=sum(vector.iterations for vector in vectors))


def _zuc_case(ctx: SuiteContext) -> Case:
    case_id = "kat.zuc.keystream"
    vectors = only_valid(ctx.vectors.load("zuc/keystream.json"), case_id)

    def run(device: Device, checks: Checks) -> None:
        for vector in vectors:
            assert isinstance(vector, KeystreamVector)
            words = len(vector.keystream) // 4
            got = answer(device.keystream, "ZUC", vector.key, vector.iv, words)
            checks.equal(vector, vector.keystream, got, "keystream")

    return Case(case_id, "ZUC-128: keystream test sets", "kat", frozenset({"ZUC"}),
                ("GM/T 0001-2012", "GB/T 33133.1-2016"), run)


def cases(ctx: SuiteContext) -> Iterator[Case]:
    yield _cipher_case(ctx, "kat.sm4-ecb.gbt32907", "SM4-ECB", "SM4: the standard's example",
                       "sm4/gbt32907_ecb.json", (f"{SM4_STANDARD} Annex A",))
    yield _monte_carlo_case(ctx)
    for mode in ("ecb", "cbc", "ctr", "ofb", "cfb"):
        algorithm = f"SM4-{mode.upper()}"
        yield _cipher_case(
            ctx, f"kat.sm4-{mode}.vectors", algorithm,
            f"{algorithm}: published and generated multi-block vectors", f"sm4/{mode}.json",
            (SM4_STANDARD, MODES_STANDARD),
        )
    yield _cipher_case(ctx, "kat.sm4-ctr.counter-wrap", "SM4-CTR",
                       "SM4-CTR: counters crossing the 2^32, 2^64 and 2^128 boundaries",
                       "sm4/ctr_counter_wrap.json", (MODES_STANDARD,))
    yield _aead_case(ctx, "kat.sm4-gcm.vectors", "SM4-GCM",
                     "SM4-GCM: RFC 8998, GB/T 36624 and generated vectors", "sm4/gcm.json",
                     ("RFC 8998 Appendix A.1", "GB/T 36624-2018", MODES_STANDARD))
    yield _aead_case(ctx, "kat.sm4-ccm.vectors", "SM4-CCM", "SM4-CCM: RFC 8998 vectors",
                     "sm4/ccm.json", ("RFC 8998 Appendix A.2", MODES_STANDARD))
    yield _zuc_case(ctx)
