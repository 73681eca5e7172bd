"""`conformance`, `selftest` and `keys`: negative vectors, nonce hygiene, capability honesty,
self-tests and the error state, key protection."""

from __future__ import annotations

from collections.abc import Iterator

from certkit.cases import Case, Suite, SuiteContext
from certkit.hookspecs import hookimpl

from . import honesty, keys, negative, nonces, selftest, sm2_edges


def _conformance(ctx: SuiteContext) -> Iterator[Case]:
    yield from negative.cases(ctx)
    yield from sm2_edges.cases(ctx)
    yield from nonces.cases(ctx)
    yield from honesty.cases(ctx)


@hookimpl
def certkit_suites() -> list[Suite]:
    return [
        Suite("conformance", "Negative vectors, nonce hygiene and capability honesty",
              _conformance, params=frozenset({"sm2_zero_kdf_encryptions"})),
        Suite("selftest", "Self-tests and the error state", selftest.cases),
        Suite("keys", "Key protection", keys.cases),
    ]
