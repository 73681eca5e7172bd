"""Profiles are validated as they load: a typo is a one-line error naming the key, exit 3."""

from __future__ import annotations

from pathlib import Path

import pytest

from certkit import profiles
from certkit.errors import ConfigError
from helpers import run_cli

GOOD = 'name = "mine"\nsuites = ["selftest"]\n'


def profile_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "named"), [
    (GOOD + 'exclud = ["selftest.reset"]\n', "exclud"),
    (GOOD + "operation_timeout_s = \"30\"\n", "operation_timeout_s must be a number"),
    ('name = "mine"\nsuites = "selftest"\n', "suites must be an array of strings"),
    (GOOD + "[plugins]\nalow = []\n", "[plugins]: unknown key(s) alow"),
    (GOOD + "[params.kat]\ngenerated_keys = 1\n", "[params.kat] is for a suite"),
    ('name = "mine"\nsuites = ["selftest"]\nexclude = [1 2]\n', "line 3"),
    ('suites = ["selftest"]\n', "missing key 'name'"),
])
def test_a_malformed_profile_is_one_line_naming_the_key(tmp_path: Path, text: str,
                                                        named: str) -> None:
    with pytest.raises(ConfigError) as raised:
        profiles.load(str(profile_file(tmp_path, text)))
    assert named in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize(("extra", "named"), [
    ("[params.selftest]\nbogus = 3\n", "[params.selftest] unknown key(s) bogus"),
    ('exclude = ["selftest.no-such-case"]\n', "exclude entry 'selftest.no-such-case' matches "
                                               "no case"),
])
def test_suite_params_and_patterns_are_checked_against_the_cases(
        tmp_path: Path, extra: str, named: str) -> None:
    path = profile_file(tmp_path, GOOD + extra)
    result = run_cli("run", "--profile", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 3, result.stderr
    assert named in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_every_builtin_profile_loads_and_matches_its_cases() -> None:
    for name in profiles.available():
        result = run_cli("list", "cases", "--profile", name)
        assert result.returncode == 0, (name, result.stderr)
