"""The runner: select cases by profile, open the device, run, journal, write results."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certkit import profiles
from certkit.capabilities import unknown_capabilities
from certkit.cases import Case, SuiteContext
from certkit.checks import Checks, Probe
from certkit.device import Device
from certkit.errors import ConfigError, NotApplicable, OperationTimeout, Refusal, Unreachable
from certkit.journal import Journal
from certkit.plugins import Plugins, load_plugins
from certkit.profiles import Profile
from certkit.results import CaseResult, Verdict
from certkit.run import Run, utc_now
from certkit.url import DeviceURL
from certkit.vectors import VectorStore
from certkit.watchdog import GuardedDevice, Watchdog

RESULTS_FILE = "results.json"
DEFAULT_DEVICE = "emulator:"


def collect_cases(plugins: Plugins, profile: Profile, vectors: VectorStore) -> list[Case]:
    """Every case the profile selects, in a stable order; vector files are verified here."""
    suites = plugins.suites()
    cases: list[Case] = []
    seen: set[str] = set()
    for name in profile.suites:
        if name not in suites:
            raise ConfigError(
                f"profile {profile.name!r} names suite {name!r}, which no loaded plugin provides "
                f"(loaded: {', '.join(sorted(suites)) or 'none'})"
            )
        context = SuiteContext(vectors=vectors, params=profile.params.get(name, {}))
        for case in suites[name].collect(context):
            if case.id in seen:
                raise ConfigError(f"suite {name!r}: duplicate case id {case.id!r}")
            seen.add(case.id)
            if profile.selects(case.id):
                cases.append(case)
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


def run_case(case: Case, device: Device) -> CaseResult:
    """Run one case; device refusals that escape the case are failures, bugs are errors."""
    missing = tuple(sorted(case.requires - device.capabilities))
    base = dict(id=case.id, title=case.title, suite=case.suite,
                requires=tuple(sorted(case.requires)), clauses=case.clauses)
    if missing:
        return CaseResult(**base, verdict=Verdict.NOT_APPLICABLE, missing=missing)
    checks = Checks()
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
                      duration_s=duration, evidence=evidence)


@dataclass
class Session:
    """An open run: the device, the plugins, the journal; closed by `finish`."""

    run: Run
    device: GuardedDevice
    plugins: Plugins
    journal: Journal


def start(device_url: str | None, profile_name: str, out_dir: Path, *,
          resume: bool = False, operation_timeout_s: float | None = None,
          vectors: VectorStore | None = None, observers: Iterable[object] = (),
          certification: dict[str, Any] | None = None,
          command_line: list[str] | None = None) -> Session:
    """Prepare a run (new, or resumed from the journal in `out_dir`) up to its first case.

    `certification` (lab, operator, firmware image) and `command_line` go into results.json
    for the report; the command line with the device URL redacted. A resumed run keeps those
    of the session that started it."""
    header: dict = {}
    previous = None
    if resume:
        previous = Journal.read(out_dir)
        header = previous.header
        if device_url is None:
            device_url = header["device_url"]
        profile_name = header["profile"]
        operation_timeout_s = header["operation_timeout_s"]
    device_url = device_url or DEFAULT_DEVICE
    profile = profiles.load(profile_name)
    plugins = load_plugins(profile.allow_plugins)
    vectors = vectors or VectorStore()
    cases = collect_cases(plugins, profile, vectors)
    inner, url, redacted = open_device(plugins, device_url)
    identity = device_identity(url.scheme, inner)
    if resume and redacted != header["device_url"]:
        # A port may change between sessions (a new pty, another ttyUSB number): the
        # device is the same when its scheme and the identity it reports are.
        differing = [key for key, value in header.get("device", {}).items()
                     if identity.get(key) != value] if "device" in header else ["url"]
        if differing:
            inner.close()
            raise ConfigError(
                f"--device {redacted} is not the device of the run being resumed "
                f"({header['device_url']}): {', '.join(differing)} differ")
    timeout = operation_timeout_s or profile.operation_timeout_s
    certification = dict(certification or {})
    if command_line is not None:
        certification["command_line"] = [arg.replace(device_url, redacted)
                                          for arg in command_line]
    device = GuardedDevice(inner, timeout)
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
    )
    if previous is not None:
        planned = {case.id for case in cases}
        run.results = {r.id: r for r in previous.results if r.id in planned}
        run.sessions = list(previous.sessions)
        journal = Journal(out_dir / "journal.jsonl")
    else:
        journal = Journal.create(out_dir, {
            "run_id": run.run_id, "device_url": redacted, "profile": profile_name,
            "operation_timeout_s": timeout, "started_at": run.started_at, "device": identity,
            "certification": run.certification,
        })
    session_record: dict[str, object] = {"started_at": utc_now(), "resumed": resume,
                                         "device_url": redacted}
    if previous is not None and previous.warnings:
        session_record["warnings"] = previous.warnings
    run.sessions.append(session_record)
    journal.append({"type": "session", **session_record})
    plugins.manager.register(journal, name="certkit-journal")
    for observer in observers:
        plugins.manager.register(observer)
    return Session(run=run, device=device, plugins=plugins, journal=journal)


def execute(session: Session) -> None:
    """Run the pending cases; a lost device or Ctrl-C stops the run with every result kept."""
    run, hook = session.run, session.plugins.manager.hook
    hook.certkit_run_started(run=run)
    try:
        with Watchdog(session.device):
            for case in run.pending:
                result = run_case(case, session.device)
                run.results[case.id] = result
                hook.certkit_case_finished(run=run, result=result)
    except Unreachable as exc:
        run.stopped = f"device unreachable: {exc}"
    except KeyboardInterrupt:
        run.stopped = "interrupted"


def finish(session: Session) -> Path:
    """Close the device, write results.json and every report format; return results.json."""
    run = session.run
    try:
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
    """Write via a temporary file and rename, so a reader never sees half a file."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
