"""The runner: select cases by profile, open the device, run, journal, write results."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certkit import profiles
from certkit.capabilities import unknown_capabilities
from certkit.cases import Case, SuiteContext
from certkit.checks import Checks, Probe
from certkit.device import Device, DeviceInfo
from certkit.errors import (
    ConfigError,
    DeviceError,
    NotApplicable,
    OperationTimeout,
    OutputError,
    Refusal,
    Unreachable,
    describe_os_error,
)
from certkit.journal import Journal
from certkit.plugins import Plugins, load_plugins
from certkit.profiles import Profile
from certkit.results import CaseResult, Verdict
from certkit.run import Run, utc_now
from certkit.selection import Selection
from certkit.url import DeviceURL
from certkit.vectors import VectorStore
from certkit.watchdog import GuardedDevice, Watchdog

RESULTS_FILE = "results.json"
DEFAULT_DEVICE = "emulator:"


def collect_cases(plugins: Plugins, profile: Profile, vectors: VectorStore,
                  selection: Selection | None = None) -> list[Case]:
    """Every case the profile (and the command line's filters) select, in a stable order.

    Vector files are verified here, and so is the profile against what the suites offer:
    a `[params.SUITE]` key no suite reads, or an include/exclude entry that matches no case,
    is a ConfigError (a typo must not run the case it meant to exclude)."""
    suites = plugins.suites()
    collected: list[Case] = []
    seen: set[str] = set()
    for name in profile.suites:
        if name not in suites:
            raise ConfigError(
                f"profile {profile.name!r} names suite {name!r}, which no loaded plugin provides "
                f"(loaded: {', '.join(sorted(suites)) or 'none'})"
            )
        suite = suites[name]
        if suite.params is not None:
            profiles.check_suite_params(profile, name, suite.params)
        context = SuiteContext(vectors=vectors, params=profile.params.get(name, {}))
        for case in suite.collect(context):
            if case.id in seen:
                raise ConfigError(f"suite {name!r}: duplicate case id {case.id!r}")
            seen.add(case.id)
            collected.append(case)
    unmatched = profile.unmatched_patterns([case.id for case in collected])
    if unmatched:
        raise ConfigError(f"profile {profile.name!r}: {'; '.join(unmatched)} matches no case "
                          f"(`certkit list cases --profile {profile.name}` lists them)")
    cases = [case for case in collected if profile.selects(case.id)]
    if selection is not None and selection.active:
        selects = selection.matcher()
        for pattern in selection.cases:
            if not any(fnmatch.fnmatchcase(case.id, pattern) for case in cases):
                raise ConfigError(f"--case {pattern!r} matches no case of profile "
                                  f"{profile.name!r}")
        cases = [case for case in cases if selects(case.id)]
        if not cases:
            raise ConfigError(f"-k {selection.keyword!r} selects no case of profile "
                              f"{profile.name!r}")
    return cases


def open_device(plugins: Plugins, url_text: str) -> tuple[Device, DeviceURL, str]:
    """Open the device a URL names; returns it with the parsed URL and its redacted form."""
    url = DeviceURL.parse(url_text)
    drivers = plugins.drivers()
    spec = drivers.get(url.scheme)
    if spec is None:
        raise ConfigError(
            f"unknown device URL scheme '{url.scheme}:' (known: "
            f"{', '.join(s + ':' for s in sorted(drivers)) or 'none'})"
        )
    url.check_options(frozenset(spec.options))
    return spec.open(url), url, url.redacted(spec.secret_options)


def device_identity(scheme: str, device: Device) -> dict[str, str]:
    """What makes a device the same device across sessions, whatever port it is on."""
    info = device.info
    return {"scheme": scheme, "vendor": info.vendor, "model": info.model,
            "serial": info.serial, "firmware": info.firmware}


PROGRESS_INTERVAL_S = 0.25  # a case may report every iteration; observers hear at most this often


def progress_reporter(hook: Any, run: Run, case: Case) -> Callable[[int, int, str], None]:
    """The callback a case's Checks reports progress through: the hook, throttled in time.

    Called once at once with nothing done, so observers can name the running case."""
    last = [0.0]

    def report(done: int, total: int, unit: str) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_INTERVAL_S or done >= total:
            last[0] = now
            hook.certkit_case_progress(run=run, case=case, done=done, total=total, unit=unit)

    report(0, 0, "")
    return report


def run_case(case: Case, device: Device,
             progress: Callable[[int, int, str], None] | None = None) -> CaseResult:
    """Run one case; device refusals that escape the case are failures, bugs are errors."""
    missing = tuple(sorted(case.requires - device.capabilities))
    base = dict(id=case.id, title=case.title, suite=case.suite,
                requires=tuple(sorted(case.requires)), clauses=case.clauses)
    if missing:
        return CaseResult(**base, verdict=Verdict.NOT_APPLICABLE, missing=missing)
    checks = Checks(progress)
    error = None
    device.trace_mark()
    started = time.perf_counter()
    try:
        case.run(device, checks)
    except NotApplicable as exc:
        return CaseResult(**base, verdict=Verdict.NOT_APPLICABLE, missing=(str(exc),))
    except Refusal as exc:
        # A refusal the case did not ask for (key import, generation, a step
        # before the checks): the device did not do what it declared it does.
        checks.equal(Probe("-", "operation refused", vectors=""), "success", exc)
    except OperationTimeout as exc:
        error = str(exc)
    except (Unreachable, KeyboardInterrupt):
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    duration = time.perf_counter() - started
    if checks.failed:
        verdict = Verdict.FAIL
    elif error is not None:
        verdict = Verdict.ERROR
    elif checks.count == 0:
        verdict, error = Verdict.ERROR, "the case made no checks"
    else:
        verdict = Verdict.PASS
    evidence = device.trace_excerpt() if verdict in (Verdict.FAIL, Verdict.ERROR) else None
    return CaseResult(**base, verdict=verdict, checks=checks.count, failed=checks.failed,
                      failures=tuple(checks.failures), error=error, metrics=checks.metrics,
                      samples=checks.samples, acceptable=tuple(checks.acceptable),
                      duration_s=duration, evidence=evidence)


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
    try:
        inner, url, redacted = open_device(plugins, device_url)
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
    timeout = operation_timeout_s or profile.operation_timeout_s
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
        with Watchdog(session.device):
            for case in run.pending:
                result = run_case(case, session.device, progress_reporter(hook, run, case))
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
