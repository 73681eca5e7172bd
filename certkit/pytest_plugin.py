"""pytest plugin: certkit's cases as pytest items, for repositories that already gate on pytest.

    pytest --certkit-device emulator: --certkit-profile smoke --junitxml=junit.xml

adds one item per case the profile selects (node id
`certkit::<suite>::<case id>`, so JUnit's classname is `certkit.<suite>` as
in certkit's own JUnit report), run against one device opened for the
whole session. A case that passes passes; one that fails fails with its
failing vectors as the message; one that errors is a pytest error; one the
device has no capability for is skipped with "not applicable: missing X",
which is not a pass. `-k` and `--deselect` work on the items as on any;
cases not run leave the certkit run incomplete, as `certkit run` would, and
pytest then exits with certkit's status for that verdict (2), not 0.
With `--certkit-out DIR` the run's results.json, journal and reports are
written there as by `certkit run --out DIR`. One device serves the whole
session, in order: not for pytest-xdist's parallel workers.

Without `--certkit-device` the plugin only registers its options: installed
certkit must not change any other pytest run (certkit's own tests included).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from certkit.cases import Case
    from certkit.results import CaseResult
    from certkit.runner import Session

_STATE = pytest.StashKey["_CertkitRun"]()
ROOT = "certkit"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("certkit", "certkit: certify a device as part of this run")
    group.addoption("--certkit-device", metavar="URL", default=None,
                    help="run certkit's cases against this device (e.g. emulator:); "
                         "without it the plugin does nothing")
    group.addoption("--certkit-profile", metavar="NAME", default=None,
                    help="certkit profile name or .toml path (default: certkit's default, "
                         "standard)")
    group.addoption("--certkit-out", metavar="DIR", default=None,
                    help="also write certkit's results.json, journal and reports here")


class CaseFailed(Exception):
    """A certkit case's verdict was `fail`; the message is its failing checks."""


class CaseErrored(Exception):
    """A certkit case's verdict was `error`, or the device was lost before it."""


class _CertkitRun:
    """The certkit run behind the items: started at collection, finished with the session."""

    def __init__(self, config: pytest.Config) -> None:
        from certkit import profiles
        from certkit.runner import start

        self.device_url: str = config.getoption("certkit_device")
        self.profile: str = config.getoption("certkit_profile") or profiles.DEFAULT_PROFILE
        out = config.getoption("certkit_out")
        self._scratch = None if out else tempfile.TemporaryDirectory(prefix="certkit-pytest-")
        self.out_dir = Path(out) if out else Path(self._scratch.name) / "run"  # type: ignore[union-attr]
        self.session: Session = start(self.device_url, self.profile, self.out_dir)
        self.started = False
        self.lost: str | None = None  # why the device cannot be used any more
        self.results_path: Path | None = None

    @property
    def cases(self) -> list[Case]:
        return self.session.run.cases

    def run_case(self, case: Case) -> CaseResult:
        from certkit.case_runner import run_case
        from certkit.errors import Unreachable
        from certkit.watchdog import Watchdog

        run, hook = self.session.run, self.session.plugins.manager.hook
        if self.lost is not None:
            raise CaseErrored(f"not run: {self.lost}")
        if not self.started:
            hook.certkit_run_started(run=run)
            self.started = True
        try:
            with Watchdog(self.session.device):
                result = run_case(case, self.session.device)
        except Unreachable as exc:
            self.lost = run.stopped = f"device unreachable: {exc}"
            raise CaseErrored(self.lost) from None
        except KeyboardInterrupt:
            run.stopped = "interrupted"
            raise
        run.results[case.id] = result
        hook.certkit_case_finished(run=run, result=result)
        return result

    def finish(self) -> Path:
        from certkit.runner import finish

        self.results_path = finish(self.session)
        if self._scratch is not None:
            self._scratch.cleanup()
        return self.results_path


class CertkitItem(pytest.Item):
    """One certkit case; its verdict decides the pytest outcome."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.result: CaseResult | None = None

    def setup(self) -> None:
        # Run here, so an `error` verdict is a pytest error and `not-applicable` a skip.
        from certkit.results import Verdict

        state = self.config.stash[_STATE]
        self.result = state.run_case(self.case)
        self.user_properties.append(("certkit.verdict", str(self.result.verdict)))
        self.user_properties.append(("certkit.checks", self.result.checks))
        if self.result.verdict is Verdict.NOT_APPLICABLE:
            missing = ", ".join(self.result.missing) or "?"
            pytest.skip(f"not applicable: missing {missing} (not a pass)")
        if self.result.verdict is Verdict.ERROR:
            raise CaseErrored(self.result.error or "error not recorded")

    def runtest(self) -> None:
        from certkit.results import Verdict

        assert self.result is not None
        if self.result.verdict is Verdict.FAIL:
            raise CaseFailed(failure_text(self.result))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailed | CaseErrored):
            return f"{self.case.id}: {excinfo.value}"
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return f"{ROOT}::{self.case.suite}", None, f"{self.case.id}: {self.case.title}"


class SuiteCollector(pytest.Collector):
    """The cases of one certkit suite, in the profile's order."""

    def __init__(self, *, cases: list[Case], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cases = cases

    def collect(self) -> Iterator[CertkitItem]:
        for case in self.cases:
            yield CertkitItem.from_parent(self, name=case.id, case=case)


class RunCollector(pytest.Collector):
    """All of certkit's cases for the device, one collector per suite."""

    def __init__(self, *, cases: list[Case], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cases = cases

    def collect(self) -> Iterator[SuiteCollector]:
        suites = list(dict.fromkeys(case.suite for case in self.cases))
        for suite in suites:
            members = [case for case in self.cases if case.suite == suite]
            yield SuiteCollector.from_parent(self, name=suite, cases=members)


def failure_text(result: CaseResult) -> str:
    """The failing checks, as a reader reproduces them (certkit's JUnit report says the same)."""
    lines = [f"{result.failed} of {result.checks} checks failed; "
             f"showing {len(result.failures)}:"]
    for failure in result.failures:
        where = f"{failure.vectors} tcId {failure.tc_id}" if failure.vectors else \
            f"tcId {failure.tc_id}"
        check = f" [{failure.check}]" if failure.check else ""
        lines.append(f"  {where}{check}: {failure.comment}")
        lines.extend(f"    {name}: {value}" for name, value in failure.inputs.items())
        lines.append(f"    expected: {failure.expected}")
        lines.append(f"    got:      {failure.got}")
    return "\n".join(lines)


def _items(collector: RunCollector) -> list[pytest.Item]:
    items: list[pytest.Item] = []
    for suite in collector.collect():
        items.extend(suite.collect())
    return items


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselect, so they apply to certkit's items too
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    if config.getoption("certkit_device") is None:
        return
    from certkit.errors import ConfigError, DeviceError

    try:
        if config.option.collectonly:
            cases = _planned_cases(config)  # listing the cases needs no device
        else:
            state = _CertkitRun(config)
            config.stash[_STATE] = state
            cases = state.cases
    except (ConfigError, DeviceError) as exc:
        raise pytest.UsageError(f"certkit: {exc}") from None
    items.extend(_items(RunCollector.from_parent(session, name=ROOT, nodeid=ROOT, cases=cases)))


def _planned_cases(config: pytest.Config) -> list[Case]:
    from certkit import profiles
    from certkit.case_runner import collect_cases
    from certkit.plugins import load_plugins
    from certkit.vectors import VectorStore

    profile = profiles.load(config.getoption("certkit_profile") or profiles.DEFAULT_PROFILE)
    return collect_cases(load_plugins(profile.allow_plugins), profile, VectorStore())


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is not None and state.results_path is None:
        state.finish()
    if state is not None and session.exitstatus == pytest.ExitCode.OK:
        from certkit.results import exit_code_for

        # pytest saw every item it ran pass; certkit's verdict also weighs what did not
        # run (a -k that deselected cases) and the profile's coverage, and a gate must not
        # go green where `certkit run` would not.
        session.exitstatus = int(exit_code_for(state.session.run.verdict))


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    if config.getoption("certkit_device") is None:
        return None
    profile = config.getoption("certkit_profile") or "default profile"
    return [f"certkit: device {config.getoption('certkit_device')}, profile {profile}"]


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None or state.results_path is None:
        return
    run = state.session.run
    complete = "" if run.complete else f" (incomplete: {len(run.pending)} case(s) not run)"
    where = (f"; results in {state.results_path}" if config.getoption("certkit_out")
             else "")
    terminalreporter.write_line(f"certkit: {str(run.verdict).upper()}{complete}{where}")
