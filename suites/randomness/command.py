"""`certkit rng FILE`: the randomness suite over a file, with the report and exit code of `run`.

The file is opened as a `file:` device, so its samples go through the same
cases, journal, results.json and reports as a device's RANDOM. The profile
actually run (the named one, narrowed to the randomness suite, with
--samples and --bits applied) is written to the output folder and recorded
in results.json like any profile.
"""

from __future__ import annotations

import json
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import click

from certkit import profiles
from certkit.errors import ConfigError
from certkit.progress import Progress
from certkit.results import Verdict, exit_code_for
from certkit.runner import execute, finish, start

from .phases import DEFAULT_PHASES, SHARED_KEYS
from .source import FORMATS, count_bits

PROFILE_FILE = "profile.toml"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise ConfigError(f"cannot write {value!r} into a profile")


def profile_text(name: str, description: str, timeout: float, params: dict[str, Any]) -> str:
    """A profile file running only the randomness suite with these parameters."""
    lines = [f"name = {_toml_value(name)}", f"description = {_toml_value(description)}",
             'suites = ["randomness"]', f"operation_timeout_s = {timeout!r}", "",
             "[params.randomness]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in params.items()
              if not isinstance(value, dict)]
    for phase, table in params.items():
        if isinstance(table, dict):
            lines += ["", f"[params.randomness.{json.dumps(phase)}]"]
            lines += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def effective_params(profile_name: str | None, samples: int | None, bits: int | None,
                     available: int) -> tuple[str, str, float, dict[str, Any]]:
    """The profile to run: name, description, timeout and randomness params, overrides applied."""
    if profile_name is None:
        name, description, timeout = "rng", "GM/T 0005-2021 randomness of a file", 30.0
        params: dict[str, Any] = {k: dict(v) for k, v in DEFAULT_PHASES.items()}
    else:
        loaded = profiles.load(profile_name)
        params = {k: (dict(v) if isinstance(v, dict) else v)
                  for k, v in loaded.params.get("randomness", {}).items()}
        if not any(isinstance(v, dict) for v in params.values()):
            params.update({k: dict(v) for k, v in DEFAULT_PHASES.items()})
        name, description, timeout = (loaded.name, loaded.description,
                                      loaded.operation_timeout_s)
    phases = {k: v for k, v in params.items() if isinstance(v, dict)}
    batteries = [v for v in phases.values() if v.get("kind", "battery") == "battery"]
    if (samples is not None or bits is not None or profile_name is None) and len(phases) != 1:
        raise ConfigError(f"--samples and --bits apply to a profile with one phase; "
                          f"{name!r} has {len(phases)}")
    for table in batteries:
        if bits is not None:
            table["bits"] = bits
        n = table.get("bits", 1_000_000)
        if samples is not None:
            table["samples"] = samples
        elif profile_name is None:
            table["samples"] = available // n  # every whole sample the file holds
    needed = sum(v.get("samples", 1000) * v.get("bits", 1_000_000) for v in batteries)
    needed += sum(v.get("bits", 256) * (1 + v.get("retries", 1)) for v in phases.values()
                  if v.get("kind") == "single-draw")
    if batteries and min(v.get("samples", 1000) for v in batteries) < 1:
        raise ConfigError(f"the file holds {available} bits, less than one sample")
    if needed > available:
        raise ConfigError(f"the file holds {available} bits; profile {name!r} needs {needed}")
    return name, description, timeout, params


def _interrupt_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@click.command("rng")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--samples", type=click.IntRange(min=1),
              help="samples to test (default: every whole sample in FILE)")
@click.option("--bits", type=click.IntRange(min=8),
              help="bits per sample (default 1000000; Annex A sets: 20000, 1000000, 100000000)")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="bin", show_default=True,
              help="bin: bytes, most significant bit first; ascii: '0'/'1' characters")
@click.option("--profile", "profile_name",
              help="a profile's randomness phases (e.g. gmt0062-e-factory) instead of GM/T 0005")
@click.option("--workers", type=click.IntRange(min=1), help="processes (default: one per core)")
@click.option("--out", "out_dir", type=click.Path(path_type=Path),
              help="output folder (default certkit-out/<time>-rng)")
def rng(file: Path, samples: int | None, bits: int | None, fmt: str, profile_name: str | None,
        workers: int | None, out_dir: Path | None) -> None:
    """Test the randomness of FILE (GM/T 0005-2021); report and exit code as `certkit run`."""
    available = count_bits(file, fmt)
    name, description, timeout, params = effective_params(profile_name, samples, bits,
                                                          available)
    if workers is not None:
        params["workers"] = workers
    unknown = {k for k, v in params.items() if not isinstance(v, dict)} - SHARED_KEYS
    if unknown:
        raise ConfigError(f"profile {name!r}: unknown randomness key(s) {sorted(unknown)}")
    out = out_dir or Path("certkit-out") / f"{datetime.now(UTC):%Y%m%d-%H%M%S}-rng"
    out.mkdir(parents=True, exist_ok=True)
    if (out / "journal.jsonl").exists():
        raise ConfigError(f"{out}: already holds a run; choose another --out")
    profile_path = out / PROFILE_FILE
    profile_path.write_text(profile_text(name, description, timeout, params), encoding="utf-8")
    signal.signal(signal.SIGTERM, _interrupt_on_sigterm)
    url = f"file:{file.resolve()}?format={fmt}"
    session = start(url, str(profile_path), out, observers=[Progress()])
    execute(session)
    results_path = finish(session)
    run_ = session.run
    summary = run_.document()["summary"]
    counts = ", ".join(f"{summary[str(v)]} {v}" for v in Verdict)
    state = "" if run_.complete else f"; INCOMPLETE ({run_.stopped})"
    click.echo(f"certkit: {str(run_.verdict).upper()}: {summary['finished']} of "
               f"{summary['planned']} cases ({counts}){state}; report: {out / 'report.html'}",
               err=True)
    click.echo(str(results_path))
    sys.exit(exit_code_for(run_.verdict))
