"""Vectors per second on the SM4 single-block KAT: through certkit vs a bare library loop.

Both sides do the same work per vector: one SM4-ECB encryption and one
decryption of a single block with OpenSSL (cryptography), each compared with
the expected value. Run with `pytest benchmarks --benchmark-only`; the ratio
goes to benchmarks/README.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from certkit.cases import SuiteContext
from certkit.checks import Checks
from certkit.drivers.emulator.core import SoftwareModule
from certkit.suites.kat.symmetric import _cipher_case
from certkit.vectors import SCHEMA_FILE, VectorStore
from certkit.watchdog import GuardedDevice, Watchdog

COUNT = 2000


def _single_blocks() -> list[tuple[bytes, bytes, bytes]]:
    rows = []
    for _ in range(COUNT):
        key, block = os.urandom(16), os.urandom(16)
        encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
        rows.append((key, block, encryptor.update(block) + encryptor.finalize()))
    return rows


@pytest.fixture(scope="module")
def rows() -> list[tuple[bytes, bytes, bytes]]:
    return _single_blocks()


@pytest.fixture(scope="module")
def vector_root(tmp_path_factory: pytest.TempPathFactory,
                rows: list[tuple[bytes, bytes, bytes]]) -> Path:
    root = tmp_path_factory.mktemp("vectors")
    (root / "schema").mkdir()
    shutil.copy(VectorStore().root / SCHEMA_FILE, root / SCHEMA_FILE)
    tests = [{"tcId": i + 1, "comment": "", "result": "valid", "flags": [], "key": k.hex(),
              "iv": "", "msg": m.hex(), "ct": c.hex()} for i, (k, m, c) in enumerate(rows)]
    document = {"algorithm": "SM4-ECB", "schema": "cipher", "schemaVersion": 1,
                "licence": "CC0-1.0", "numberOfTests": len(tests),
                "testGroups": [{"source": {"document": "benchmark"}, "tests": tests}]}
    (root / "bench.json").write_text(json.dumps(document))
    manifest = {name: hashlib.sha256((root / name).read_bytes()).hexdigest()
                for name in (SCHEMA_FILE, "bench.json")}
    (root / "MANIFEST.json").write_text(json.dumps({"schemaVersion": 1, "files": manifest}))
    return root


def test_certkit_sm4_single_block_kat(benchmark, vector_root: Path) -> None:
    case = _cipher_case(SuiteContext(VectorStore(vector_root)), "bench", "SM4-ECB", "bench",
                        "bench.json", ())
    device = GuardedDevice(SoftwareModule(), timeout_s=30)

    def run() -> Checks:
        checks = Checks()
        case.run(device, checks)
        return checks

    with Watchdog(device):
        checks = benchmark(run)
    assert checks.count == 2 * COUNT and checks.failed == 0
    benchmark.extra_info["vectors_per_second"] = COUNT / benchmark.stats.stats.median


def test_bare_loop_sm4_single_block(benchmark, rows: list[tuple[bytes, bytes, bytes]]) -> None:
    def run() -> int:
        good = 0
        for key, block, expected in rows:
            encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
            good += encryptor.update(block) + encryptor.finalize() == expected
            decryptor = Cipher(algorithms.SM4(key), modes.ECB()).decryptor()
            good += decryptor.update(expected) + decryptor.finalize() == block
        return good

    assert benchmark(run) == 2 * COUNT
    benchmark.extra_info["vectors_per_second"] = COUNT / benchmark.stats.stats.median
