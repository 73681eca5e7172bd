"""One case against one device, and what it takes to get there: the profile's cases, the
device the URL names. Used by the runner, the worker process and the pytest plugin."""

from __future__ import annotations

import dataclasses
import fnmatch
import time
from collections.abc import Callable
from typing import Any

from certkit import profiles
from certkit.cases import Case, SuiteContext
from certkit.checks import Checks, Probe
from certkit.device import Device, DriverSpec
from certkit.errors import ConfigError, NotApplicable, OperationTimeout, Refusal, Unreachable
from certkit.plugins import Plugins
from certkit.profiles import Profile
from certkit.results import CaseResult, Verdict
from certkit.selection import Selection
from certkit.url import DeviceURL
from certkit.vectors import VectorStore

ISOLATION_MODES = ("none", "process")


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
    """Open the device a URL names, in this process; returns it with the parsed URL and its
    redacted form. Every scheme takes `isolate=none|process` (certkit.runner honours it)."""
    url = DeviceURL.parse(url_text)
    spec = driver_for(plugins, url)
    isolation_mode(spec, url)
    return spec.open(url), url, url.redacted(spec.secret_options)


def driver_for(plugins: Plugins, url: DeviceURL) -> DriverSpec:
    drivers = plugins.drivers()
    spec = drivers.get(url.scheme)
    if spec is None:
        raise ConfigError(
            f"unknown device URL scheme '{url.scheme}:' (known: "
            f"{', '.join(s + ':' for s in sorted(drivers)) or 'none'})"
        )
    url.check_options(frozenset(spec.options) | {"isolate"})
    return spec


def isolation_mode(spec: DriverSpec, url: DeviceURL) -> str:
    mode = url.get("isolate", spec.isolation)
    if mode not in ISOLATION_MODES:
        raise ConfigError(f"device URL '{url.scheme}:': isolate={mode!r} must be one of "
                          f"{', '.join(ISOLATION_MODES)}")
    return mode


def device_identity(scheme: str, device: Device) -> dict[str, str]:
    """What makes a device the same device across sessions, whatever port it is on."""
    info = device.info
    return {"scheme": scheme, "vendor": info.vendor, "model": info.model,
            "serial": info.serial, "firmware": info.firmware}


PROGRESS_INTERVAL_S = 0.25  # a case may report every iteration; observers hear at most this often


def progress_reporter(hook: Any, run: object, case: Case) -> Callable[[int, int, str], None]:
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
    # a check that named no clause enforces what its case evidences
    failures = tuple(failure if failure.clause else
                     dataclasses.replace(failure, clause="; ".join(case.clauses))
                     for failure in checks.failures)
    return CaseResult(**base, verdict=verdict, checks=checks.count, failed=checks.failed,
                      failures=failures, error=error, metrics=checks.metrics,
                      samples=checks.samples, acceptable=tuple(checks.acceptable),
                      duration_s=duration, evidence=evidence)


