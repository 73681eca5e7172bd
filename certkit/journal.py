"""The run journal: one JSON line per finished case, fsync'd the moment it is known.

A crash, Ctrl-C or a lost device leaves a journal from which
`certkit run --resume DIR` continues without re-running finished cases.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certkit.errors import ConfigError, OutputError, describe_os_error
from certkit.hookspecs import hookimpl
from certkit.results import CaseResult

JOURNAL_FILE = "journal.jsonl"


@dataclass(frozen=True)
class JournalContents:
    header: dict[str, Any]
    results: list[CaseResult]
    sessions: list[dict[str, object]]
    warnings: list[str]


class Journal:
    """Appends records durably; registered as a plugin for the run's events."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._file = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {describe_os_error(exc)}") from None

    @classmethod
    def create(cls, out_dir: Path, header: dict[str, Any]) -> Journal:
        path = out_dir / JOURNAL_FILE
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create {out_dir}: {describe_os_error(exc)}") from None
        if path.exists():
            raise ConfigError(f"{out_dir}: already holds a journal; use --resume {out_dir} "
                              "to continue that run, or choose another --out")
        journal = cls(path)
        journal.append({"type": "run", **header})
        _fsync_dir(out_dir)
        return journal

    def append(self, record: dict[str, Any]) -> None:
        """Write one record durably; OutputError (file and errno) when the disk refuses.

        A record that does not fit leaves at most a torn last line, which `read` drops."""
        try:
            self._file.write(json.dumps(record, sort_keys=True) + "\n")
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as exc:
            raise OutputError(f"cannot write {self.path}: {describe_os_error(exc)}") from None

    def close(self) -> None:
        with contextlib.suppress(OSError):  # a failed flush was already reported by append
            self._file.close()

    @hookimpl
    def certkit_case_finished(self, result: CaseResult) -> None:
        self.append({"type": "case", **result.to_dict()})

    @staticmethod
    def read(out_dir: Path) -> JournalContents:
        """Read a journal back; a torn last line (killed mid-write) is dropped with a warning."""
        path = out_dir / JOURNAL_FILE
        try:
            lines = path.read_text(encoding="utf-8").split("\n")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read journal: {exc.strerror}") from None
        tail_complete = lines[-1] == ""
        lines = lines[:-1] if tail_complete else lines
        records, warnings = [], []
        for number, line in enumerate(lines, start=1):
            try:
                records.append(json.loads(line))
            except ValueError:
                if number == len(lines) and not tail_complete:
                    warnings.append(f"{path}:{number}: torn last line dropped (run was killed)")
                    continue
                raise ConfigError(f"{path}:{number}: not a JSON record") from None
        if not records or records[0].get("type") != "run":
            raise ConfigError(f"{path}: first line is not a run header")
        results: dict[str, CaseResult] = {}
        sessions = []
        for number, record in enumerate(records[1:], start=2):
            try:
                if record["type"] == "case":
                    result = CaseResult.from_dict(record)
                    results[result.id] = result
                elif record["type"] == "session":
                    sessions.append({k: v for k, v in record.items() if k != "type"})
            except (KeyError, TypeError, ValueError) as exc:
                raise ConfigError(f"{path}:{number}: malformed record: {exc}") from None
        return JournalContents(records[0], list(results.values()), sessions, warnings)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
