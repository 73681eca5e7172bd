"""Wall time of the `standard` profile, end to end in one process, on emulator: and gmssl:.

Each is run once per benchmark round (they take seconds to minutes); the
figures go to benchmarks/README.md against the goals of 60 s and 5 minutes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from certkit.runner import execute, finish, start


def _certify(device_url: str, out: Path) -> str:
    session = start(device_url, "standard", out)
    execute(session)
    finish(session)
    return str(session.run.verdict)


@pytest.mark.parametrize(("device_url", "expected"), [("emulator:", "pass"), ("gmssl:", "fail")])
def test_standard_profile_wall_time(benchmark, tmp_path: Path, device_url: str,
                                    expected: str) -> None:
    counter = iter(range(100))
    verdict = benchmark.pedantic(
        lambda: _certify(device_url, tmp_path / f"run{next(counter)}"), rounds=1, iterations=1
    )
    assert verdict == expected
