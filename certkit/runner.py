"""The runner: select cases by profile, open the device, run, journal, write results."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certkit import profiles
from certkit.capabilities import unknown_capabilities
from certkit.case_runner import (
    collect_cases,
    device_identity,
    driver_for,
    isolation_mode,
    progress_reporter,
    run_case,
)
from certkit.device import Device, DeviceInfo
from certkit.errors import (
    ConfigError,
    DeviceError,
    OutputError,
    Unreachable,
    describe_os_error,
)
from certkit.journal import Journal
from certkit.plugins import Plugins, load_plugins
from certkit.run import Run, utc_now
from certkit.selection import Selection
from certkit.url import DeviceURL
from certkit.vectors import VectorStore
from certkit.vectors import default_root as default_vectors_root
from certkit.watchdog import GuardedDevice, Watchdog
from certkit.worker import WorkerDevice, WorkerSpec

RESULTS_FILE = "results.json"
DEFAULT_DEVICE = "emulator:"


@dataclass(frozen=True)
class Isolation:
    """What a worker process needs besides the URL: the run's profile, vectors, timeouts."""

    profile: str
    vectors_root: str | None
    operation_timeout_s: float
    timeout_per_mib_s: float


def open_for_run(plugins: Plugins, url_text: str,
                 isolation: Isolation) -> tuple[Device, DeviceURL, str]:
    """Open the device for a run: in a worker process when the URL's `isolate=` (or the
    driver's default, `process` for vendors' native libraries) says so, else here."""
    url = DeviceURL.parse(url_text)
    spec = driver_for(plugins, url)
    if isolation_mode(spec, url) == "none":
        return spec.open(url), url, url.redacted(spec.secret_options)
    inner_url = DeviceURL(url.scheme, url.target,
                          (*(o for o in url.options if o[0] != "isolate"), ("isolate", "none")))
    worker = WorkerDevice(WorkerSpec(
        device_url=inner_url.redacted(frozenset()), profile=isolation.profile,
        vectors_root=isolation.vectors_root, operation_timeout_s=isolation.operation_timeout_s,
        timeout_per_mib_s=isolation.timeout_per_mib_s, library=spec.library,
        native_functions=spec.native_functions))
    return worker, url, url.redacted(spec.secret_options)


@dataclass
class Session:
    """An open run: the device, the plugins, the journal; closed by `finish`."""

    run: Run
    device: GuardedDevice
    plugins: Plugins
    journal: Journal


class UnopenedDevice(Device):
    """Stands in for a device that could not be opened, so that the run still leaves a
    folder with results.json and a report (something to attach to a ticket)."""

    def __init__(self) -> None:
        self.info = DeviceInfo(vendor="(not opened)", model="", firmware="", serial="")
        self.capabilities = frozenset()


def resume_mismatch(header: dict[str, Any], profile_name: str | None, profile_digest: str,
                    url: DeviceURL, redacted: str, identity: dict[str, str],
                    tuning: frozenset[str]) -> str | None:
    """What differs between a resumed run and the session resuming it, or None."""
    if profile_name is not None and profile_name != header["profile"]:
        return f"--profile {profile_name} differs from the run's profile {header['profile']}"
    recorded_digest = header.get("profile_sha256")
    if recorded_digest is not None and recorded_digest != profile_digest:
        return f"profile {header['profile']} has changed since the run started"
    if redacted == header["device_url"]:
        return None
    if DeviceURL.parse(header["device_url"]).scheme != url.scheme:
        return f"--device {redacted} is another driver than the run's {header['device_url']}"
    def device_options(text: str) -> list[tuple[str, str]]:
        return sorted(option for option in DeviceURL.parse(text).options
                      if option[0] not in tuning)

    if device_options(header["device_url"]) != device_options(redacted):
        return (f"--device {redacted} has other options than the run's "
                f"{header['device_url']} (only {', '.join(sorted(tuning)) or 'none'} may "
                "change on resume)")
    # A port may change between sessions (a new pty, another ttyUSB number): the device
    # is the same when its scheme, options and the identity it reports are.
    differing = [key for key, value in header.get("device", {}).items()
                 if identity.get(key) != value] if "device" in header else ["url"]
    if differing:
        return (f"--device {redacted} is not the device of the run being resumed "
                f"({header['device_url']}): {', '.join(differing)} differ")
    return None


def start(device_url: str | None, profile_name: str | None, out_dir: Path, *,
          resume: bool = False, operation_timeout_s: float | None = None,
          vectors: VectorStore | None = None, observers: Iterable[object] = (),
          certification: dict[str, Any] | None = None,
          command_line: list[str] | None = None,
          selection: Selection | None = None) -> Session:
    """Prepare a run (new, or resumed from the journal in `out_dir`) up to its first case.

    `certification` (lab, operator, firmware image) and `command_line` go into results.json
    for the report; the command line with the device URL redacted. A resumed run keeps those
    of the session that started it, and refuses another profile, driver or URL options.
    A device that cannot be opened still gives a run (stopped before its first case)."""
    header: dict = {}
    previous = None
    if resume:
        previous = Journal.read(out_dir)
        header = previous.header
        if device_url is None:
            device_url = header["device_url"]
        operation_timeout_s = header["operation_timeout_s"]
        if header.get("selection"):
            selection = Selection(header["selection"]["keyword"],
                                  tuple(header["selection"]["cases"]))
    device_url = device_url or DEFAULT_DEVICE
    profile_path = profiles.resolve(header["profile"] if resume else
                                    profile_name or profiles.DEFAULT_PROFILE)
    profile_digest = hashlib.sha256(profile_path.read_bytes()).hexdigest()
    profile = profiles.load(str(profile_path))
    plugins = load_plugins(profile.allow_plugins)
    vectors = vectors or VectorStore()
    cases = collect_cases(plugins, profile, vectors, selection)
    url = DeviceURL.parse(device_url)
    stopped = None
    timeout = operation_timeout_s or profile.operation_timeout_s
    isolation = Isolation(str(profile_path), None if vectors.root == default_vectors_root()
                          else str(vectors.root), timeout, profile.timeout_per_mib_s)
    try:
        inner, url, redacted = open_for_run(plugins, device_url, isolation)
    except DeviceError as exc:
        spec = plugins.drivers()[url.scheme]
        inner, redacted = UnopenedDevice(), url.redacted(spec.secret_options)
        stopped = f"device could not be opened: {type(exc).__name__}: {exc}"
    identity = device_identity(url.scheme, inner)
    if resume:
        tuning = plugins.drivers()[url.scheme].tuning_options
        mismatch = resume_mismatch(header, profile_name, profile_digest, url, redacted,
                                   identity, tuning) if stopped is None else None
        if mismatch:
            inner.close()
            raise ConfigError(f"cannot resume {out_dir}: {mismatch}")
    certification = dict(certification or {})
    if command_line is not None:
        certification["command_line"] = [arg.replace(device_url, redacted)
                                          for arg in command_line]
    device = GuardedDevice(inner, timeout, profile.timeout_per_mib_s)
    run = Run(
        run_id=header.get("run_id") or uuid.uuid4().hex[:12],
        out_dir=out_dir,
        device_url=redacted,
        driver=url.scheme,
        profile=profile,
        device_info=inner.info,
        capabilities=frozenset(inner.capabilities),
        plugins=plugins.loaded,
        vectors_manifest_sha256=vectors.manifest_digest,
        started_at=header.get("started_at") or utc_now(),
        cases=cases,
        operation_timeout_s=timeout,
        unrecognised_capabilities=tuple(sorted(unknown_capabilities(inner.capabilities))),
        certification={**certification, **header.get("certification", {})},
        selection=selection.to_dict() if selection is not None and selection.active else None,
        stopped=stopped,
    )
    if previous is not None:
        planned = {case.id for case in cases}
        run.results = {r.id: r for r in previous.results if r.id in planned}
        run.sessions = list(previous.sessions)
        journal = Journal(out_dir / "journal.jsonl")
    else:
        journal = Journal.create(out_dir, {
            "run_id": run.run_id, "device_url": redacted,
            "profile": profile_name or profiles.DEFAULT_PROFILE,
            "profile_sha256": profile_digest, "selection": run.selection,
            "operation_timeout_s": timeout, "started_at": run.started_at, "device": identity,
            "certification": run.certification,
        })
    session_record: dict[str, object] = {"started_at": utc_now(), "resumed": resume,
                                         "device_url": redacted}
    if previous is not None and previous.warnings:
        session_record["warnings"] = previous.warnings
    if stopped is not None:
        session_record["stopped"] = stopped
    run.sessions.append(session_record)
    journal.append({"type": "session", **session_record})
    plugins.manager.register(journal, name="certkit-journal")
    for observer in observers:
        plugins.manager.register(observer)
    return Session(run=run, device=device, plugins=plugins, journal=journal)


def execute(session: Session) -> None:
    """Run the pending cases; a lost device or Ctrl-C stops the run with every result kept.

    A journal that cannot be written (disk full) stops the run too: a result that is
    not durable must not be followed by more of them."""
    run, hook = session.run, session.plugins.manager.hook
    hook.certkit_run_started(run=run)
    if run.stopped is not None:
        return
    try:
        worker = session.device.inner if isinstance(session.device.inner, WorkerDevice) \
            else None
        with Watchdog(session.device):
            for case in run.pending:
                progress = progress_reporter(hook, run, case)
                if worker is not None:
                    result = worker.run_case(case, progress)
                else:
                    result = run_case(case, session.device, progress)
                run.results[case.id] = result
                hook.certkit_case_finished(run=run, result=result)
    except Unreachable as exc:
        run.stopped = f"device unreachable: {exc}"
    except KeyboardInterrupt:
        run.stopped = "interrupted"
    except OutputError as exc:
        run.stopped = str(exc)


def finish(session: Session) -> Path:
    """Close the device, write results.json and every report format; return results.json.

    Raises OutputError (naming the file and the errno) when one cannot be written."""
    run = session.run
    try:
        run.diagnostics = session.device.diagnostics()
        session.device.close()
    except Exception as exc:  # the results matter more than a clean close
        run.stopped = run.stopped or f"device close failed: {exc}"
    session.plugins.manager.hook.certkit_run_finished(run=run)
    session.journal.close()
    document = run.document()
    results_path = run.out_dir / RESULTS_FILE
    write_atomically(results_path, json.dumps(document, indent=2, sort_keys=False) + "\n")
    for report in session.plugins.report_formats().values():
        if report.name != "json":
            write_atomically(run.out_dir / report.filename, report.render(document))
    return results_path


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file.

    On failure the temporary file is removed and OutputError names the file."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {describe_os_error(exc)}") from None
