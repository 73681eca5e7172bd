"""`performance`: device throughput, latency and operation rates, against declared figures.

One case per capability (`performance.sm4-cbc`, `performance.sm2-sign`, ...);
the device's declared capabilities decide which run, so the suite runs on
every kind of device. Payload operations (SM4 and AES in every mode, both
directions; SM3 and the other digests; HMAC; ZUC keystream; RANDOM) sweep
the profile's payload sizes, 16 B to 1 MiB in x4 steps by default, up to
the first size the device refuses or whose measurement would overrun the
time budget. Public-key operations (SM2 sign, verify, encrypt, decrypt and
key generation; ECDSA P-256 and RSA-2048 on tokens) are rated per
operation. One thread, one session; SM2 signs and verifies a 32-byte
message with the default ID, so the device computes Z_A and the digest.

How: each series (one operation at one size) is warmed up for `warmup_s`,
which also sizes its repetitions: a repetition is a batch of calls lasting
about `repetition_s`, each call timed, and its rate is the batch's work over
the sum of its call times. The case then runs `repetitions` rounds, one
repetition of every series per round (interleaved, so a burst of host load
costs a few repetitions of each series rather than most of one). On Linux a
repetition during which certkit waited for a CPU (schedstat) is done again,
up to twice `repetitions` times per series, then counted as disturbed. A
series' rate is the median over repetitions, its spread the quartiles;
latencies are percentiles over all timed calls.

Metrics (flat, in each case's `metrics` in results.json; the host and the
device they were taken on are results.json's `host` and `device`):

    <series>.mb_s.median, .p25, .p75       payload series: 10^6 bytes per second
                                           (x8 for the Mbit/s of product specs)
    <series>.ops_s.median, .p25, .p75      operation series: operations per second
    <series>.latency_us.p50, .p95, .p99    microseconds per call, over all timed calls
    <series>.calls                         timed calls behind those percentiles
    <series>.redone                        repetitions done again: the host kept the CPU
    <series>.disturbed                     repetitions counted although the host disturbed them
    <series>.mb_s.declared, .ops_s.declared   the vendor's declared minimum, when declared
    <subject>.<operation>.largest_bytes    the largest payload measured
    <subject>.<operation>.refused_bytes    the first payload the device refused (its limit)
    <subject>.<operation>.skipped_bytes    the first payload left out as over the time budget
    repetitions, warmup_s, repetition_s, threads, host.cpus, host.load_1m,
    host.cpu_wait                          share of the timing spent waiting for a CPU (Linux)

where <series> is <subject>.<operation>[.<bytes>]: `SM4-CBC.encrypt.4096`,
`SM4-CBC.decrypt.16`, `SM3.digest.65536`, `HMAC-SM3.mac.1024`,
`ZUC.keystream.4096`, `RANDOM.generate.256`, `SM2.sign`, `SM2.verify`,
`SM2.encrypt`, `SM2.decrypt`, `SM2.generate`, `ECDSA-P256.sign`,
`RSA-2048-PKCS1.sign`, `RSA-2048.generate`. `scheme.py` builds and parses
these names; `certkit compare` and the report's charts read them.

Verdict: a case passes when every series it could run measured a positive
rate in every repetition, one answer of each was right, and every declared
figure was met by the median; it fails when the device refuses an
operation it declares (at the smallest size), answers wrongly, or falls
short of a declared figure (the failure shows declared and measured).
Declared figures come from the profile (`[params.performance.declared]`)
or a product declaration file it names (`declaration`); see `settings.py`.
"""

from __future__ import annotations

from collections.abc import Iterator

from certkit.cases import Case, Suite, SuiteContext
from certkit.errors import ConfigError
from certkit.hookspecs import hookimpl

from . import settings
from .operations import case_specs
from .run import bind


def collect(ctx: SuiteContext) -> Iterator[Case]:
    chosen = settings.load(ctx.params)
    specs = case_specs()
    measured = {(op.subject, op.operation) for spec in specs for op in spec.operations}
    for figure in chosen.declared:
        if (figure.series.subject, figure.series.operation) not in measured:
            raise ConfigError(
                f"[params.performance]: declared figure {figure.stated!r} names "
                f"{figure.series.subject} {figure.series.operation}, which this suite does "
                f"not measure (it measures: "
                f"{', '.join(sorted(f'{s}.{o}' for s, o in measured))})")
    for spec in specs:
        yield bind(spec, chosen)


@hookimpl
def certkit_suites() -> list[Suite]:
    return [Suite(name="performance", title="Throughput, latency and operation rates",
                  collect=collect, params=None)]
