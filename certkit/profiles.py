"""Profiles: TOML files choosing which suites and cases run, and with which parameters."""

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
class Profile:
    name: str
    description: str
    suites: tuple[str, ...]
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    operation_timeout_s: float = 30.0
    # distributions whose certkit plugins may load; empty means all installed
    allow_plugins: tuple[str, ...] = ()
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # per suite

    def selects(self, case_id: str) -> bool:
        """True when the case's id matches an include pattern and no exclude pattern."""
        return any(fnmatch.fnmatchcase(case_id, p) for p in self.include) and not any(
            fnmatch.fnmatchcase(case_id, p) for p in self.exclude
        )


def builtin_dir() -> Path:
    return Path(str(files("certkit") / "profiles"))


def available() -> dict[str, Path]:
    """Built-in profile names and their files."""
    return {path.stem: path for path in sorted(builtin_dir().glob("*.toml"))}


def load(name_or_path: str) -> Profile:
    """Load a built-in profile by name, or a profile file by path."""
    path = Path(name_or_path)
    if not (path.suffix == ".toml" and path.is_file()):
        known = available()
        if name_or_path not in known:
            raise ConfigError(
                f"profile {name_or_path!r} not found (built-in: {', '.join(known)}; "
                "or give a path to a .toml file)"
            )
        path = known[name_or_path]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Profile(
            name=data["name"],
            description=data.get("description", ""),
            suites=tuple(data["suites"]),
            include=tuple(data.get("include", ["*"])),
            exclude=tuple(data.get("exclude", [])),
            operation_timeout_s=float(data.get("operation_timeout_s", 30.0)),
            allow_plugins=tuple(data.get("plugins", {}).get("allow", [])),
            params={name: dict(values) for name, values in data.get("params", {}).items()},
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        detail = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ConfigError(f"profile {path}: {detail}") from None
