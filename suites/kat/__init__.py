"""`kat`: known-answer and Monte Carlo vectors for SM3, HMAC-SM3, SM4, SM2, ZUC and RANDOM."""

from __future__ import annotations

from collections.abc import Iterator

from certkit.cases import Case, Suite, SuiteContext
from certkit.hookspecs import hookimpl

from . import hashing, international, random, sm2, symmetric


def collect(ctx: SuiteContext) -> Iterator[Case]:
    for module in (hashing, symmetric, sm2, random):
        yield from module.cases(ctx)
    yield from international.upstream_cases(ctx)


@hookimpl
def certkit_suites() -> list[Suite]:
    return [Suite(name="kat", title="Known-answer tests", collect=collect,
                  params=frozenset({"generated_keys"})),
            Suite(name=international.SUITE, title="Known-answer tests: AES, SHA-1/SHA-2, "
                  "HMAC-SHA-256, ECDSA P-256, RSA-2048", collect=international.cases,
                  params=frozenset({"generated_keys"}))]
