"""`certkit mutants`: the detection table, and a non-zero exit when a fault goes undetected."""

from __future__ import annotations

from certkit.mutants import Detection, sweep_passed, table
from helpers import run_cli


def test_mutants_prints_the_detection_table() -> None:
    result = run_cli("mutants", "--fault", "sm4-cbc-no-chaining", "--fault", "reset-keeps-keys")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split()[:3] == ["(none)", "clean:", "pass"]
    assert any(line.startswith("sm4-cbc-no-chaining") and "kat.sm4-cbc.vectors" in line
               for line in lines)
    assert any(line.startswith("reset-keeps-keys") and "keys.reset-zeroises" in line
               for line in lines)


def test_a_missed_or_misattributed_fault_fails_the_sweep() -> None:
    clean = Detection("", (), ())
    missed = Detection("x", (), ("kat.a",))
    wrong = Detection("y", ("kat.b",), ("kat.a",))
    assert not sweep_passed([clean, missed]) and "MISSED" in table([clean, missed])
    assert not sweep_passed([clean, wrong]) and "not as catalogued" in table([clean, wrong])
    assert sweep_passed([clean, Detection("z", ("kat.a",), ("kat.a",))])
    assert not sweep_passed([Detection("", ("kat.a",), ())])


def test_unknown_fault_is_a_usage_error() -> None:
    result = run_cli("mutants", "--fault", "no-such-fault")
    assert result.returncode == 3 and "no-such-fault" in result.stderr


def test_a_fault_whose_cases_do_not_apply_is_unobservable_not_passed() -> None:
    clean = Detection("", (), ())
    ccm = Detection("sm4-ccm-x", (), ("conformance.sm4-ccm.tamper",),
                    ("conformance.sm4-ccm.tamper",))
    assert ccm.unobservable and sweep_passed([clean, ccm])
    assert "not observable" in table([clean, ccm])
    half = Detection("f", (), ("kat.a", "kat.b"), ("kat.b",))
    assert not half.unobservable and not sweep_passed([clean, half])


def test_mutants_over_the_serial_emulator_on_a_pty() -> None:
    result = run_cli("mutants", "--serial", "--fault", "sm2-decrypt-no-c3-check", "--fault",
                     "sm4-ccm-tag-unchecked")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert "conformance.sm2-decrypt.integrity" in rows["sm2-decrypt-no-c3-check"]
    assert "not observable" in rows["sm4-ccm-tag-unchecked"]
