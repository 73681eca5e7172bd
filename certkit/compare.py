"""`certkit compare BASE NEW`: what got worse between two runs, for a CI gate.

Two kinds of regression, both read from results.json alone:

* a verdict: a case that passed in BASE and does not pass in NEW (it
  failed, errored, became not applicable, or did not run);
* a performance figure: a rate of the `performance` suite (MB/s or
  operations per second, `certkit.suites.performance.scheme`) that fell
  by more than the allowed percentage beyond the noise both runs recorded.

The figure rule. Each run records, per series, its rate in every repetition
(`samples`; the suite measures all the series of a case in interleaved rounds,
21 repetitions by default, 11 in `performance-quick`) and, in the same rounds, the
host's own speed on a fixed task (SHA-256 of 64 KiB: `host.reference`). A series
regressed when all three hold:

1. statistically: NEW's repetitions are slower than BASE's by the one-sided
   Mann-Whitney U test, at a family-wise level of 1 % over all the figures
   compared (Holm's correction), so that a comparison of 58 figures is not 58
   chances of a false alarm;
2. NEW's median is below BASE's by more than the allowance (`--max-regression`);
3. it still is once the host's drift is taken out: NEW's median over BASE's,
   divided by the host reference's NEW median over BASE's, is below the
   allowance too. A device in the host's own process (the emulator, a library)
   slows with a busy host; the reference slows with it, and the figure is not
   the device's.

A figure slower by more than the allowance for which 1 or 3 does not hold is
"too noisy to judge": shown, not failed. So is one more than a quarter of
whose repetitions the host disturbed (the suite redoes a repetition during
which certkit waited for a CPU, up to a limit, then counts it as disturbed).
Runs recorded before repetitions were kept (no `samples`) are judged by their
quartiles: NEW's upper quartile below BASE's lower quartile less the allowance.
A payload size BASE measured and NEW's device refuses is a regression.
Latencies are shown but do not gate: their tails are the host's as much as the
device's.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from certkit import rank_test
from certkit.errors import ConfigError
from certkit.results import ExitCode
from certkit.suites.performance.scheme import (
    UNIT_LABELS,
    SeriesFigures,
    SeriesName,
    series_figures,
    sweep_limits,
)

DEFAULT_MAX_REGRESSION_PCT = 10.0
FAMILY_ALPHA = 0.01  # the chance, over all the figures of a comparison, of one false alarm
HOST_REFERENCE = "host.reference"  # the suite's samples of the host's own speed
# A figure for which more than this share of repetitions had to count although the host
# kept the CPU from them (the suite's `<series>.disturbed`) is shown, not judged.
MAX_DISTURBED_FRACTION = 0.25
SUPPORTED_SCHEMA_VERSION = 1


class Change(enum.StrEnum):
    """What became of a case's verdict or a series' rate between BASE and NEW."""

    REGRESSION = "REGRESSION"  # the gate fails on these
    SLOWER = "slower"  # slower, but within the allowance and the noise
    NOISY = "too noisy to judge"  # slower, but not clearly: noise, or the host's drift
    SAME = "same"
    FASTER = "faster"  # faster beyond the allowance and the noise: an improvement
    FIXED = "fixed"  # did not pass in BASE, passes in NEW
    CHANGED = "changed"  # another verdict change that is no regression (fail -> error)
    NEW = "new"  # only in NEW
    UNMEASURED = "unmeasured"  # BASE measured it, NEW did not: over NEW's time budget


@dataclass(frozen=True)
class VerdictChange:
    case_id: str
    base: str  # a verdict, or "absent"
    new: str
    change: Change


@dataclass(frozen=True)
class FigureChange:
    case_id: str
    series: SeriesName
    quantity: str
    base: SeriesFigures
    new: SeriesFigures | None
    change: Change
    note: str = ""  # why NEW has no figure
    p_value: float | None = None  # the one-sided rank test's, when both runs kept samples
    host_drift: float | None = None  # the host reference's NEW median over BASE's

    @property
    def ratio(self) -> float | None:
        """NEW's median over BASE's: 0.7 is 30 % slower."""
        if self.new is None or self.base.median <= 0:
            return None
        return self.new.median / self.base.median


@dataclass(frozen=True)
class Comparison:
    max_regression_pct: float
    base_label: str
    new_label: str
    verdicts: tuple[VerdictChange, ...]  # only the cases whose verdict changed
    figures: tuple[FigureChange, ...]
    warnings: tuple[str, ...]  # why the two runs may not compare (other device, other host)

    @property
    def regressions(self) -> tuple[VerdictChange | FigureChange, ...]:
        return tuple(item for item in (*self.verdicts, *self.figures)
                     if item.change is Change.REGRESSION)


def judge_figure(base: SeriesFigures, new: SeriesFigures, max_regression_pct: float) -> Change:
    """The module docstring's rule, and its mirror image for an improvement."""
    if max(base.disturbed_fraction, new.disturbed_fraction) > MAX_DISTURBED_FRACTION:
        return Change.NOISY
    allowance = 1 - max_regression_pct / 100
    if new.p75 < base.p25 * allowance:
        return Change.REGRESSION
    if base.p75 < new.p25 * allowance:
        return Change.FASTER
    if new.median < base.median:
        return Change.SLOWER
    return Change.SAME


def judge_samples(base: SeriesFigures, new: SeriesFigures, *, slower: bool, faster: bool,
                  host_drift: float, max_regression_pct: float) -> Change:
    """The module docstring's rule on repetitions: `slower` and `faster` say whether the rank
    test (after Holm's correction) found NEW slower or faster than BASE."""
    if max(base.disturbed_fraction, new.disturbed_fraction) > MAX_DISTURBED_FRACTION:
        return Change.NOISY
    allowance = 1 - max_regression_pct / 100
    ratio = new.median / base.median if base.median > 0 else 1.0
    if ratio < allowance:
        return Change.REGRESSION if slower and ratio / host_drift < allowance else Change.NOISY
    if faster and ratio > 1 / allowance and ratio / host_drift > 1 / allowance:
        return Change.FASTER
    return Change.SLOWER if ratio < 1 else Change.SAME


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _host_drift(base_case: Mapping[str, Any], new_case: Mapping[str, Any]) -> float:
    base_host = base_case.get("samples", {}).get(HOST_REFERENCE) or []
    new_host = new_case.get("samples", {}).get(HOST_REFERENCE) or []
    if not base_host or not new_host or _median(base_host) <= 0:
        return 1.0
    return _median(new_host) / _median(base_host)


def _verdict_change(base: str, new: str) -> Change:
    if base == "absent":
        return Change.NEW
    if base == "pass":
        return Change.REGRESSION
    if new == "pass":
        return Change.FIXED
    return Change.CHANGED


def _cases(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {case["id"]: case for case in document["cases"]}


def _planned_but_not_run(document: Mapping[str, Any]) -> set[str]:
    return {item["id"] for item in document.get("not_run", ())}


def _identity(document: Mapping[str, Any]) -> dict[str, str]:
    device = document.get("device", {})
    return {key: str(device.get(key, "?")) for key in ("vendor", "model", "serial")}


def _warnings(base: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    warnings = []
    if _identity(base) != _identity(new):
        warnings.append(f"different devices: BASE is {_describe(base)}, NEW is {_describe(new)}")
    base_host, new_host = base.get("host", {}), new.get("host", {})
    for key in ("hostname", "machine"):
        if base_host.get(key) != new_host.get(key):
            warnings.append(f"different hosts ({key} {base_host.get(key)!r} and "
                            f"{new_host.get(key)!r}): the figures include the host's share")
    base_profile = base.get("profile", {}).get("name")
    new_profile = new.get("profile", {}).get("name")
    if base_profile != new_profile:
        warnings.append(f"different profiles ({base_profile!r} and {new_profile!r}): cases one "
                        "ran and the other did not count as verdict changes")
    for label, document in (("BASE", base), ("NEW", new)):
        if not document.get("complete", True):
            warnings.append(f"{label} is incomplete: {document.get('stopped') or 'stopped'}")
    return warnings


def _describe(document: Mapping[str, Any]) -> str:
    device = document.get("device", {})
    return (f"{device.get('vendor', '?')} {device.get('model', '?')} serial "
            f"{device.get('serial', '?')} firmware {device.get('firmware', '?')}")


def compare(base: Mapping[str, Any], new: Mapping[str, Any], *,
            max_regression_pct: float = DEFAULT_MAX_REGRESSION_PCT,
            base_label: str = "BASE", new_label: str = "NEW") -> Comparison:
    """Compare two results.json documents case by case and figure by figure."""
    for label, document in ((base_label, base), (new_label, new)):
        version = document.get("schema_version")
        if version != SUPPORTED_SCHEMA_VERSION:
            raise ConfigError(f"{label}: results.json schema version {version!r} is not "
                              f"supported (this certkit reads {SUPPORTED_SCHEMA_VERSION})")
    base_cases, new_cases = _cases(base), _cases(new)
    not_run = _planned_but_not_run(new)
    verdicts = []
    for case_id in [*base_cases, *(c for c in new_cases if c not in base_cases)]:
        old = base_cases[case_id]["verdict"] if case_id in base_cases else "absent"
        if case_id in new_cases:
            now = new_cases[case_id]["verdict"]
        else:
            now = "not run" if case_id in not_run else "absent"
        if old != now:
            verdicts.append(VerdictChange(case_id, old, now, _verdict_change(old, now)))
    figures: list[FigureChange] = []
    ranked: list[tuple[int, list[float], list[float], float]] = []  # figures with samples
    for case_id, case in base_cases.items():
        if case_id not in new_cases:
            continue
        new_case = new_cases[case_id]
        new_metrics = new_case["metrics"]
        measured_now = {(f.name, f.quantity): f for f in series_figures(new_metrics)}
        limits_now = sweep_limits(new_metrics)
        drift = _host_drift(case, new_case)
        for figure in series_figures(case["metrics"]):
            now_figure = measured_now.get((figure.name, figure.quantity))
            if now_figure is not None:
                base_samples = case.get("samples", {}).get(str(figure.name))
                new_samples = new_case.get("samples", {}).get(str(figure.name))
                if base_samples and new_samples:
                    ranked.append((len(figures), base_samples, new_samples, drift))
                    change = Change.SAME  # decided below, with the whole family's tests
                else:
                    change = judge_figure(figure, now_figure, max_regression_pct)
                figures.append(FigureChange(case_id, figure.name, figure.quantity, figure,
                                            now_figure, change))
                continue
            # A payload BASE measured and NEW refuses is a lost capability; one NEW left
            # out as too slow to measure within its budget is shown, not judged.
            name = figure.name
            refused = limits_now.get((name.subject, name.operation), {}).get("refused_bytes")
            if refused is not None and name.size is not None and name.size >= refused:
                change, note = Change.REGRESSION, f"refused ({refused} bytes and more)"
            else:
                change, note = Change.UNMEASURED, "not measured"
            figures.append(FigureChange(case_id, name, figure.quantity, figure, None, change,
                                        note))
    slower_p = [rank_test.p_less(new, base) for _, base, new, _ in ranked]
    faster_p = [rank_test.p_less(base, new) for _, base, new, _ in ranked]
    slower = rank_test.holm(slower_p, FAMILY_ALPHA)
    faster = rank_test.holm(faster_p, FAMILY_ALPHA)
    for number, (index, _, _, drift) in enumerate(ranked):
        item = figures[index]
        assert item.new is not None
        change = judge_samples(item.base, item.new, slower=slower[number],
                               faster=faster[number], host_drift=drift,
                               max_regression_pct=max_regression_pct)
        figures[index] = dataclasses.replace(item, change=change, p_value=slower_p[number],
                                             host_drift=drift)
    return Comparison(max_regression_pct, base_label, new_label, tuple(verdicts),
                      tuple(figures), tuple(_warnings(base, new)))


def load(path: Path) -> dict[str, Any]:
    """A results.json document, or a ConfigError naming what is wrong with the file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable results.json: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("cases"), list):
        raise ConfigError(f"{path}: not a results.json (no list of cases)")
    return document


# -- presentation -----------------------------------------------------------------


def _number(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"


def _percent(ratio: float | None) -> str:
    return "-" if ratio is None else f"{(ratio - 1) * 100:+.1f}%"


def _quartiles(figures: SeriesFigures | None, note: str = "not measured") -> str:
    if figures is None:
        return note
    return f"{_number(figures.median)} [{_number(figures.p25)}-{_number(figures.p75)}]"


def figure_rows(comparison: Comparison, *, everything: bool) -> list[list[str]]:
    rows = []
    for item in comparison.figures:
        # "too noisy to judge" is shown: a reader should know a drop was seen and not judged
        if not everything and item.change in (Change.SAME, Change.SLOWER):
            continue
        rows.append([item.change.value, str(item.series), UNIT_LABELS[item.quantity],
                     _quartiles(item.base), _quartiles(item.new, item.note), _percent(item.ratio),
                     item.case_id])
    return rows


FIGURE_HEADER = ["change", "series", "unit", "BASE median [p25-p75]", "NEW median [p25-p75]",
                 "median", "case"]
VERDICT_HEADER = ["change", "case", "BASE", "NEW"]


def _table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    rows = list(rows)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
             .rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


def summary_line(comparison: Comparison) -> str:
    regressions = comparison.regressions
    verdicts = sum(1 for item in regressions if isinstance(item, VerdictChange))
    figures = len(regressions) - verdicts
    faster = sum(1 for item in comparison.figures if item.change is Change.FASTER)
    noisy = sum(1 for item in comparison.figures if item.change is Change.NOISY)
    if not regressions:
        head = "no regression"
    else:
        head = f"REGRESSION: {verdicts} case verdict(s), {figures} performance figure(s)"
    return (f"{head}; {len(comparison.figures)} figures compared, {faster} faster, "
            f"{noisy} too noisy to judge; allowance {comparison.max_regression_pct:g}%, "
            f"rank test at {FAMILY_ALPHA:g} over all figures, host drift taken out")


def render_text(comparison: Comparison, *, everything: bool = False) -> str:
    """The comparison as plain-text tables, for a CI log."""
    lines = [f"certkit compare: {comparison.base_label} -> {comparison.new_label}"]
    lines += [f"warning: {warning}" for warning in comparison.warnings]
    lines.append("")
    lines.append("Case verdicts")
    if comparison.verdicts:
        lines += _table(VERDICT_HEADER, ([v.change.value, v.case_id, v.base, v.new]
                                         for v in comparison.verdicts))
    else:
        lines.append("no case changed its verdict")
    lines.append("")
    lines.append("Performance figures (rates; higher is better)")
    rows = figure_rows(comparison, everything=everything)
    if rows:
        lines += _table(FIGURE_HEADER, rows)
    elif comparison.figures:
        lines.append("no figure changed beyond the allowance and the noise "
                     "(--all lists every figure)")
    else:
        lines.append("no performance figures in both runs")
    lines.append("")
    lines.append(summary_line(comparison))
    return "\n".join(lines) + "\n"


def _markdown_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")


def render_markdown(comparison: Comparison, *, everything: bool = False) -> str:
    """The comparison as Markdown tables, for a CI job summary or a review comment."""
    def table(header: list[str], rows: list[list[str]]) -> list[str]:
        return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
                *("| " + " | ".join(_markdown_cell(cell) for cell in row) + " |"
                  for row in rows)]

    lines = [f"## certkit compare: {_markdown_cell(comparison.base_label)} -> "
             f"{_markdown_cell(comparison.new_label)}", "",
             f"**{_markdown_cell(summary_line(comparison))}**", ""]
    lines += [f"- warning: {_markdown_cell(warning)}" for warning in comparison.warnings]
    lines += ["", "### Case verdicts", ""]
    if comparison.verdicts:
        lines += table(VERDICT_HEADER, [[v.change.value, v.case_id, v.base, v.new]
                                        for v in comparison.verdicts])
    else:
        lines.append("No case changed its verdict.")
    lines += ["", "### Performance figures", ""]
    rows = figure_rows(comparison, everything=everything)
    if rows:
        lines += table(FIGURE_HEADER, rows)
    else:
        lines.append("No figure changed beyond the allowance and the noise.")
    return "\n".join(lines) + "\n"


def to_json(comparison: Comparison) -> dict[str, Any]:
    """The comparison as plain data, for scripts."""
    def figures(item: SeriesFigures | None) -> dict[str, float] | None:
        if item is None:
            return None
        return {"median": item.median, "p25": item.p25, "p75": item.p75}

    return {
        "regression": bool(comparison.regressions),
        "max_regression_pct": comparison.max_regression_pct,
        "warnings": list(comparison.warnings),
        "verdicts": [{"case": v.case_id, "base": v.base, "new": v.new, "change": v.change.value}
                     for v in comparison.verdicts],
        "figures": [{"case": f.case_id, "series": str(f.series), "quantity": f.quantity,
                     "base": figures(f.base), "new": figures(f.new), "ratio": f.ratio,
                     "p_value": f.p_value, "host_drift": f.host_drift,
                     "change": f.change.value} for f in comparison.figures],
    }


# -- the command ---------------------------------------------------------------------


def _results_path(path: Path) -> Path:
    """A results.json, or the run folder that holds one."""
    return path / "results.json" if path.is_dir() else path


@click.command("compare")
@click.argument("base", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@click.option("--max-regression", "max_regression", default=DEFAULT_MAX_REGRESSION_PCT,
              show_default=True, type=click.FloatRange(min=0, max=100), metavar="PCT",
              help="allowed slowdown beyond the noise, in percent of BASE's rate")
@click.option("--format", "format_name", type=click.Choice(["text", "markdown", "json"]),
              default="text", show_default=True, help="how to print the comparison")
@click.option("--all", "everything", is_flag=True,
              help="list every figure compared, not only regressions and improvements")
def compare_command(base: Path, new: Path, max_regression: float, format_name: str,
                    everything: bool) -> None:
    """Compare two runs (results.json files or run folders): exit 1 on a regression.

    A regression is a case that passed in BASE and does not pass in NEW, or a
    performance rate that fell by more than PCT, clearly (a one-sided rank test on
    the repetitions, 1 % over all figures) and not by the host's drift (the host
    reference both runs measured). A drop that is not clear is "too noisy to judge"
    and passes the gate.
    """
    base_path, new_path = _results_path(base), _results_path(new)
    comparison = compare(load(base_path), load(new_path), max_regression_pct=max_regression,
                         base_label=str(base_path), new_label=str(new_path))
    if format_name == "json":
        click.echo(json.dumps(to_json(comparison), indent=2))
    elif format_name == "markdown":
        click.echo(render_markdown(comparison, everything=everything), nl=False)
    else:
        click.echo(render_text(comparison, everything=everything), nl=False)
    sys.exit(ExitCode.FAIL if comparison.regressions else ExitCode.PASS)
