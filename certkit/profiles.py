"""Profiles: TOML files choosing which suites and cases run, and with which parameters.

A profile is validated as it loads: an unknown key, a value of the wrong type or a
TOML syntax error is a one-line ConfigError naming the key (or the line), since a
typo that silently runs the "excluded" case would change what a certificate covers.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from certkit.errors import ConfigError

DEFAULT_PROFILE = "standard"


@dataclass(frozen=True)
class Coverage:
    """What a profile certifies: a run that evidences less cannot pass (verdict `incomplete`).

    `capabilities`: the device must offer at least one of them (a token with none of the
    profile's algorithms is not certified by it); `min_applicable`: at least this many
    cases must have been applicable (passed, failed or errored)."""

    capabilities: tuple[str, ...] = ()
    min_applicable: int = 1


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    suites: tuple[str, ...]
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    operation_timeout_s: float = 30.0
    # seconds added to the operation timeout per MiB of data an operation carries
    timeout_per_mib_s: float = 0.0
    # distributions whose certkit plugins may load; empty means all installed
    allow_plugins: tuple[str, ...] = ()
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # per suite
    coverage: Coverage = field(default_factory=Coverage)

    def selects(self, case_id: str) -> bool:
        """True when the case's id matches an include pattern and no exclude pattern."""
        return any(fnmatch.fnmatchcase(case_id, p) for p in self.include) and not any(
            fnmatch.fnmatchcase(case_id, p) for p in self.exclude
        )

    def unmatched_patterns(self, case_ids: list[str]) -> list[str]:
        """Include and exclude entries that match no case of the profile's suites."""
        return [f"{key} entry {pattern!r}"
                for key, patterns in (("include", self.include), ("exclude", self.exclude))
                for pattern in patterns
                if not any(fnmatch.fnmatchcase(case_id, pattern) for case_id in case_ids)]


def builtin_dir() -> Path:
    return Path(str(files("certkit") / "profiles"))


def available() -> dict[str, Path]:
    """Built-in profile names and their files."""
    return {path.stem: path for path in sorted(builtin_dir().glob("*.toml"))}


def resolve(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.is_file():
        return path
    known = available()
    if name_or_path not in known:
        raise ConfigError(
            f"profile {name_or_path!r} not found (built-in: {', '.join(known)}; "
            "or give a path to a .toml file)"
        )
    return known[name_or_path]


def load(name_or_path: str) -> Profile:
    """Load a built-in profile by name, or a profile file by path, validating it."""
    path = resolve(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"profile {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"profile {path}: TOML syntax error: {exc}") from None
    return parse(data, str(path))


_TOP_KEYS = {"name", "description", "suites", "include", "exclude", "operation_timeout_s",
             "timeout_per_mib_s", "plugins", "params", "coverage"}


def parse(data: dict[str, Any], where: str) -> Profile:
    """A Profile from a profile file's parsed TOML; `where` names the file in errors."""
    def problem(message: str) -> ConfigError:
        return ConfigError(f"profile {where}: {message}")

    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise problem(f"unknown key(s) {', '.join(unknown)} "
                      f"(known: {', '.join(sorted(_TOP_KEYS))})")
    for key in ("name", "suites"):
        if key not in data:
            raise problem(f"missing key {key!r}")
    plugins = _table(data, "plugins", problem)
    if set(plugins) - {"allow"}:
        raise problem(f"[plugins]: unknown key(s) {', '.join(sorted(set(plugins) - {'allow'}))}")
    coverage = _table(data, "coverage", problem)
    if set(coverage) - {"capabilities", "min_applicable"}:
        raise problem(f"[coverage]: unknown key(s) "
                      f"{', '.join(sorted(set(coverage) - {'capabilities', 'min_applicable'}))}")
    params = _table(data, "params", problem)
    for suite, values in params.items():
        if not isinstance(values, dict):
            raise problem(f"params.{suite} must be a table, not {_type_name(values)}")
    suites = _strings(data, "suites", problem)
    stray = sorted(set(params) - set(suites))
    if stray:
        raise problem(f"[params.{stray[0]}] is for a suite the profile does not run "
                      f"(suites: {', '.join(suites)})")
    return Profile(
        name=_string(data, "name", problem),
        description=_string(data.get("description", ""), "description", problem, value=True),
        suites=suites,
        include=_strings(data, "include", problem, default=("*",)),
        exclude=_strings(data, "exclude", problem),
        operation_timeout_s=_number(data, "operation_timeout_s", 30.0, problem, positive=True),
        timeout_per_mib_s=_number(data, "timeout_per_mib_s", 0.0, problem),
        allow_plugins=_strings(plugins, "allow", problem, prefix="plugins."),
        params={name: dict(values) for name, values in params.items()},
        coverage=Coverage(
            capabilities=_strings(coverage, "capabilities", problem, prefix="coverage."),
            min_applicable=int(_number(coverage, "min_applicable", 1, problem,
                                       prefix="coverage.", integer=True)),
        ),
    )


def check_suite_params(profile: Profile, suite: str, accepted: frozenset[str]) -> None:
    """Refuse `[params.SUITE]` keys the suite does not read (a typo would be silently ignored)."""
    unknown = sorted(set(profile.params.get(suite, {})) - accepted)
    if unknown:
        raise ConfigError(f"profile {profile.name!r}: [params.{suite}] unknown key(s) "
                          f"{', '.join(unknown)} (known: {', '.join(sorted(accepted)) or 'none'})")


def _type_name(value: object) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "a boolean",
            list: "an array", dict: "a table"}.get(type(value), type(value).__name__)


def _table(data: dict[str, Any], key: str, problem: Any) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise problem(f"{key} must be a table, not {_type_name(value)}")
    return value


def _string(data: Any, key: str, problem: Any, *, value: bool = False) -> str:
    found = data if value else data[key]
    if not isinstance(found, str):
        raise problem(f"{key} must be a string, not {_type_name(found)}")
    return found


def _strings(data: dict[str, Any], key: str, problem: Any, *, default: tuple[str, ...] = (),
             prefix: str = "") -> tuple[str, ...]:
    value = data.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        # `suites = "selftest"` would otherwise be iterated character by character
        raise problem(f"{prefix}{key} must be an array of strings, not {_type_name(value)}")
    return tuple(value)


def _number(data: dict[str, Any], key: str, default: float, problem: Any, *,
            positive: bool = False, integer: bool = False, prefix: str = "") -> float:
    value = data.get(key, default)
    wanted = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, wanted):
        raise problem(f"{prefix}{key} must be {'an integer' if integer else 'a number'}, "
                      f"not {_type_name(value)}")
    if value < 0 or (positive and value == 0):
        raise problem(f"{prefix}{key} must be {'positive' if positive else 'zero or more'}")
    return float(value)

