"""The `certkit` command line: small click subcommands over the runner and the plugins."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

import click

from certkit import __version__, estimate, profiles
from certkit.case_runner import collect_cases, open_device
from certkit.errors import ConfigError, DeviceError, OutputError, describe_os_error
from certkit.inert import one_line
from certkit.plugins import load_plugins
from certkit.progress import Progress, format_duration
from certkit.results import ExitCode, Verdict, exit_code_for
from certkit.run import Run
from certkit.runner import DEFAULT_DEVICE, execute, finish, start
from certkit.selection import Selection
from certkit.suites.randomness.command import rng
from certkit.vectors import VectorStore


def fail(code: ExitCode, message: str) -> NoReturn:
    click.echo(f"certkit: error: {message}", err=True)
    sys.exit(code)


class Group(click.Group):
    """Every usage or configuration error, click's own included, is one line and exit
    status 3; device trouble and output that cannot be written are one line and exit 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Abort:
            fail(ExitCode.ERROR, "interrupted")
        except click.ClickException as exc:  # a typo'd option, a path that is not there
            exc.show()
            sys.exit(ExitCode.USAGE)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            fail(ExitCode.USAGE, str(exc))
        except DeviceError as exc:
            fail(ExitCode.ERROR, f"device: {type(exc).__name__}: {exc}")
        except OutputError as exc:
            fail(ExitCode.ERROR, str(exc))
        except OSError as exc:  # a file certkit writes outside a run's own outputs
            where = f"{exc.filename}: " if exc.filename else ""
            fail(ExitCode.ERROR, f"{where}{describe_os_error(exc)}")
        except KeyboardInterrupt:
            fail(ExitCode.ERROR, "interrupted")


@click.group(cls=Group)
@click.version_option(__version__, prog_name="certkit")
def main() -> None:
    """certkit: test and certify commercial cryptography products (SM2, SM3, SM4, ZUC)."""


def _default_out(device_url: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    scheme = device_url.partition(":")[0] or "device"
    return Path("certkit-out") / f"{stamp}-{scheme}"


def _certification(lab: str | None, operator: str | None,
                   firmware_image: Path | None) -> dict[str, object]:
    """The report cover's inputs given on the command line; those not given stay out."""
    given: dict[str, object] = {"lab": lab, "operator": operator}
    if firmware_image is not None:
        given["firmware_image"] = {"name": firmware_image.name,
                                   "size": firmware_image.stat().st_size,
                                   "sm3": hashlib.new("sm3", firmware_image.read_bytes())
                                   .hexdigest()}
    return {key: value for key, value in given.items() if value is not None}


def _interrupt_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@main.command()
@click.option("--device", "device_url", metavar="URL",
              help=f"device under test (default {DEFAULT_DEVICE})")
@click.option("--profile", "profile_name", metavar="NAME",
              help=f"profile name or path to a profile .toml (default "
                   f"{profiles.DEFAULT_PROFILE}; a resumed run keeps its own)")
@click.option("-k", "keyword", metavar="EXPR",
              help="only cases whose id matches: words with and/or/not, as pytest's -k")
@click.option("--case", "case_ids", multiple=True, metavar="ID",
              help="only this case (an id or a glob pattern; repeatable)")
@click.option("--list", "dry_run", is_flag=True,
              help="open the device and list what would run, what is not applicable and "
                   "why, with an estimate of the time; run nothing")
@click.option("--out", "out_dir", type=click.Path(path_type=Path),
              help="output folder (default certkit-out/<time>-<scheme>)")
@click.option("--resume", "resume_dir", type=click.Path(path_type=Path, file_okay=False),
              help="continue the interrupted run whose journal is in this folder")
@click.option("--operation-timeout", type=click.FloatRange(min=0.1), metavar="SECONDS",
              help="abandon a device operation after this long (default: the profile's)")
@click.option("--vectors", "vectors_root", type=click.Path(file_okay=False, path_type=Path),
              help="vectors folder with its MANIFEST.json (default: the installed one)")
@click.option("--lab", help="the testing laboratory, for the report's cover")
@click.option("--operator", help="who ran the tests, for the report's cover")
@click.option("--firmware-image", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="the firmware image under test: its SM3 digest goes on the report's cover")
def run(device_url: str | None, profile_name: str | None, keyword: str | None,
        case_ids: tuple[str, ...], dry_run: bool, out_dir: Path | None,
        resume_dir: Path | None, operation_timeout: float | None,
        vectors_root: Path | None, lab: str | None, operator: str | None,
        firmware_image: Path | None) -> None:
    """Certify a device: run the profile's cases, journal them, write results and reports."""
    selection = Selection(keyword, case_ids)
    if resume_dir is not None and out_dir is not None and out_dir != resume_dir:
        raise ConfigError("--resume writes into the folder it resumes; drop --out")
    if resume_dir is not None and selection.active:
        raise ConfigError("--resume runs the selection of the run it resumes; drop -k/--case")
    if dry_run:
        plan(device_url or DEFAULT_DEVICE, profile_name or profiles.DEFAULT_PROFILE, selection,
             VectorStore(vectors_root))
        return
    out = resume_dir or out_dir or _default_out(device_url or DEFAULT_DEVICE)
    signal.signal(signal.SIGTERM, _interrupt_on_sigterm)
    # A shell without job control starts background jobs with SIGINT ignored, and Python
    # then installs no handler: Ctrl-C must still stop a run and keep its results.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    session = start(device_url, profile_name, out, resume=resume_dir is not None,
                    operation_timeout_s=operation_timeout, vectors=VectorStore(vectors_root),
                    observers=[Progress()],
                    certification=_certification(lab, operator, firmware_image),
                    command_line=["certkit", *sys.argv[1:]], selection=selection)
    for warning in session.run.sessions[-1].get("warnings", []):
        click.echo(f"certkit: warning: {warning}", err=True)
    execute(session)
    results_path = finish(session)
    click.echo(verdict_line(session.run, out), err=True)
    click.echo(str(results_path))
    sys.exit(exit_code_for(session.run.verdict))


def verdict_line(run_: Run, out: Path) -> str:
    """The run's last line on stderr: verdict, counts, and why it is not a plain pass."""
    summary = run_.document()["summary"]
    counts = ", ".join(f"{summary[str(v)]} {v}" for v in Verdict if v is not Verdict.INCOMPLETE)
    notes = []
    if not run_.complete:
        notes.append(f"stopped ({run_.stopped}): resume with `certkit run --resume {out}`")
    if run_.coverage_shortfall:
        notes.append(f"not certified: {run_.coverage_shortfall}")
    if run_.selection:
        notes.append("filtered by " + " ".join(
            ([f"-k {run_.selection['keyword']!r}"] if run_.selection["keyword"] else []) +
            [f"--case {case}" for case in run_.selection["cases"]]) +
            ": not a full run of the profile")
    return (f"certkit: {str(run_.verdict).upper()}: {summary['finished']} of "
            f"{summary['planned']} cases ({counts})"
            + "".join(f"; {note}" for note in notes) + f"; report: {out / 'report.html'}")


def plan(device_url: str, profile_name: str, selection: Selection,
         vectors_store: VectorStore) -> None:
    """`certkit run --list`: what would run on this device, and roughly how long it takes."""
    profile = profiles.load(profile_name)
    plugins = load_plugins(profile.allow_plugins)
    cases = collect_cases(plugins, profile, vectors_store, selection)
    device, _, redacted = open_device(plugins, device_url)
    with device:
        round_trip = estimate.round_trip_s(device)
        capabilities = frozenset(device.capabilities)
    click.echo(one_line(f"certkit: {redacted}: profile {profile.name}, {len(cases)} case(s); "
                        f"one operation takes about {round_trip * 1e3:.2f} ms"), err=True)
    applicable, seconds = 0, 0.0
    for case in cases:
        missing = sorted(case.requires - capabilities)
        if missing:
            click.echo(f"{case.id}\tnot-applicable\tlacks {', '.join(missing)}")
            continue
        applicable += 1
        expected = case.operations * round_trip
        seconds += expected
        click.echo(f"{case.id}\twill run\tabout {format_duration(expected)}")
    click.echo(f"certkit: {applicable} of {len(cases)} case(s) applicable; about "
               f"{format_duration(seconds)} of device time (computation on the host not "
               "included)", err=True)


@main.command("list")
@click.argument("what", type=click.Choice(["devices", "suites", "cases", "profiles", "faults",
                                           "plugins"]))
@click.option("--profile", "profile_name", default=profiles.DEFAULT_PROFILE, show_default=True)
def list_(what: str, profile_name: str) -> None:
    """List what the installed plugins offer."""
    if what == "profiles":
        for name, path in profiles.available().items():
            click.echo(f"{name}\t{profiles.load(str(path)).description}")
        return
    if what == "faults":
        from certkit.drivers.emulator.faults import FAULTS

        for fault in FAULTS.values():
            click.echo(f"{fault.name}\t{fault.algorithm}\t{fault.description}")
        return
    profile = profiles.load(profile_name)
    plugins = load_plugins(profile.allow_plugins)
    if what == "devices":
        for scheme, spec in sorted(plugins.drivers().items()):
            options = ", ".join(spec.options) or "no options"
            click.echo(f"{scheme}:\t{spec.title} ({options})")
    elif what == "suites":
        for name, suite in sorted(plugins.suites().items()):
            click.echo(f"{name}\t{suite.title}")
    elif what == "plugins":
        for plugin in plugins.loaded:
            click.echo(f"{plugin.name}\t{plugin.module}\t{plugin.distribution} {plugin.version}")
    else:
        for case in collect_cases(plugins, profile, VectorStore()):
            click.echo(f"{case.id}\t{','.join(sorted(case.requires))}\t{case.title}")


@main.command()
@click.option("--device", "device_url", default=DEFAULT_DEVICE, show_default=True, metavar="URL")
def info(device_url: str) -> None:
    """Open a device and print its identity and capabilities as JSON."""
    plugins = load_plugins()
    device, _, redacted = open_device(plugins, device_url)
    with device:
        click.echo(json.dumps({
            "url": redacted,
            "vendor": device.info.vendor, "model": device.info.model,
            "firmware": device.info.firmware, "serial": device.info.serial,
            "capabilities": sorted(device.capabilities),
        }, indent=2))


@main.group()
def report() -> None:
    """Work with reports."""


@report.command("render")
@click.argument("results", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "format_name", default="html", show_default=True,
              help="html, md, junit, json, or pdf (printed by headless Chromium)")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="the report's language (html, md, pdf)")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="write here instead of stdout")
def render(results: Path, format_name: str, lang: str, out_file: Path | None) -> None:
    """Render a results.json in a report format (html, md, junit, json, pdf)."""
    from certkit.reports import render_in_language

    formats = load_plugins().report_formats()
    if format_name not in formats and format_name != "pdf":
        raise ConfigError(f"unknown report format {format_name!r} (known: "
                          f"{', '.join(sorted([*formats, 'pdf']))})")
    try:
        document = json.loads(results.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{results}: not a results.json: {exc}") from None
    if format_name == "pdf":
        from certkit.reports.pdf import render_pdf

        pdf = render_pdf(document, lang)
        if out_file is None:
            sys.stdout.buffer.write(pdf)
        else:
            out_file.write_bytes(pdf)
        return
    text = render_in_language(formats[format_name], document, lang)
    if out_file is None:
        click.echo(text, nl=False)
    else:
        out_file.write_text(text, encoding="utf-8")


@main.group()
def vectors() -> None:
    """Work with vector files."""


@vectors.command("verify")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="vectors folder (default: the installed one)")
def verify(root: Path | None) -> None:
    """Check every vector file against the schema and MANIFEST.json."""
    store = VectorStore(root)
    problems = store.verify_all()
    for problem in problems:
        click.echo(f"certkit: error: {problem}", err=True)
    if problems:
        sys.exit(ExitCode.USAGE)
    click.echo(f"{len(store.listed_files())} files verified; manifest SHA-256 "
               f"{store.manifest_digest}")


@main.command()
@click.option("--profile", "profile_name", default="smoke", show_default=True)
@click.option("--fault", "fault_names", multiple=True, metavar="NAME",
              help="only these faults (default: every catalogued fault)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="keep each run's results here (default: a temporary folder)")
@click.option("--serial", "over_serial", is_flag=True,
              help="run each fault over the wire: a serial emulator on a pty per fault")
def mutants(profile_name: str, fault_names: tuple[str, ...], out_dir: Path | None,
            over_serial: bool) -> None:
    """Run the profile against the clean emulator and every fault; print the detection table."""
    from certkit import mutants as sweep_module
    from certkit.drivers.emulator.faults import FAULTS

    unknown = sorted(set(fault_names) - FAULTS.keys())
    if unknown:
        raise ConfigError(f"unknown fault(s) {', '.join(unknown)} (see `certkit list faults`)")
    faults = [FAULTS[name] for name in fault_names] if fault_names else sweep_module.all_faults()

    def progress(detection: sweep_module.Detection) -> None:
        click.echo(f"certkit: {detection.fault or 'clean'}: "
                   f"{len(detection.failing)} failing case(s)", err=True)

    if over_serial:
        emulators = sweep_module.SerialEmulators()
        try:
            detections = sweep_module.sweep(profile_name, faults, emulators, out_dir, progress)
        finally:
            emulators.stop()
    else:
        detections = sweep_module.sweep(profile_name, faults, sweep_module.emulator_url,
                                        out_dir, progress)
    click.echo(sweep_module.table(detections))
    sys.exit(ExitCode.PASS if sweep_module.sweep_passed(detections) else ExitCode.FAIL)


main.add_command(rng)


# The serial driver's emulator (drivers/serial/cli.py); imported last, as it imports the core.
from certkit.drivers.serial.cli import emulate  # noqa: E402

main.add_command(emulate)


# `certkit compare` (certkit/compare.py): the CI gate between two runs.
from certkit.compare import compare_command  # noqa: E402

main.add_command(compare_command)


# `certkit vectors import` (certkit/importers.py): upstream vector files into certkit's format.
from certkit import importers  # noqa: E402


@vectors.command("import")
@click.option("--from", "source", type=click.Choice(importers.SOURCES),
              help="the format of FILES")
@click.option("--wycheproof-root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="a Wycheproof checkout: import every file certkit can run")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="a vectors folder to create or add to (run it with `certkit run --vectors`),"
                   " or a .json file for a single import")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_vectors(source: str | None, wycheproof_root: Path | None, out: Path,
                   files: tuple[Path, ...]) -> None:
    """Convert Wycheproof, NIST CAVP or ACVP files into certkit vector files, sources kept."""
    if wycheproof_root is not None:
        if files or source:
            raise ConfigError("--wycheproof-root imports a checkout; give FILES with --from "
                              "instead, not both")
        imported, passed_over = importers.import_wycheproof_root(wycheproof_root)
        for name, reason in sorted(passed_over.items()):
            click.echo(f"certkit: not imported: {name}: {reason}", err=True)
    elif source and files:
        imported = [importers.IMPORTERS[source](path) for path in files]
    else:
        raise ConfigError("give --from wycheproof|cavp|acvp and FILES, or --wycheproof-root DIR")
    for item in imported:
        click.echo(f"certkit: {item.summary()}", err=True)
    if out.suffix == ".json":
        if len(imported) != 1:
            raise ConfigError(f"--out {out} is one file; {len(imported)} imports need a folder")
        out.write_text(importers.document_text(imported[0].document), encoding="ascii")
    else:
        importers.write_folder(out, imported)
        click.echo(f"certkit: run them with `certkit run --vectors {out}`", err=True)
    click.echo(str(out))


# `certkit report sign | verify | keygen` (certkit/signing.py): signed, tamper-evident reports.
from certkit import signing  # noqa: E402


@report.command("sign")
@click.option("--key", "key_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="SM2 private key, PKCS#8 PEM (openssl genpkey -algorithm SM2)")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def sign_report(key_file: Path, folder: Path) -> None:
    """Sign every file of a report folder: SIGNATURE/manifest.json and its SM2 signature."""
    try:
        key = signing.load_private_key(key_file.read_text(encoding="ascii", errors="replace"))
        manifest = signing.sign_folder(folder, key)
    except signing.SigningError as exc:
        raise ConfigError(str(exc)) from None
    click.echo(f"certkit: signed {folder} with key {signing.fingerprint(key.public_key)} "
               f"(SM2, ID {signing.USER_ID.decode()})", err=True)
    click.echo(str(manifest))


@report.command("verify")
@click.option("--pubkey", "pubkey_file", type=click.Path(exists=True, dir_okay=False,
                                                          path_type=Path),
              help="the signer's SM2 public key (PEM); without it, only integrity is checked "
                   "against the key the manifest names")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def verify_report(pubkey_file: Path | None, folder: Path) -> None:
    """Check a signed report folder; name every changed, added or removed file."""
    try:
        public_key = (None if pubkey_file is None else
                      signing.load_public_key(pubkey_file.read_text(encoding="ascii",
                                                                    errors="replace")))
        result = signing.verify_folder(folder, public_key)
    except signing.SigningError as exc:
        raise ConfigError(str(exc)) from None
    for problem in result.problems:
        click.echo(f"certkit: verify: {problem}", err=True)
    if not result.ok:
        click.echo(f"FAILED: {folder}: {len(result.problems)} problem(s)")
        sys.exit(ExitCode.FAIL)
    whose = "the given key" if public_key is not None else "the key the manifest names " \
                                                         "(give --pubkey to check whose it is)"
    click.echo(f"OK: {folder}: {result.files} files, signed by {result.signer}, {whose}")


@report.command("keygen")
@click.option("--out", "out_file", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="write the private key here (PKCS#8 PEM, mode 0600)")
@click.option("--pubout", "pub_file", type=click.Path(dir_okay=False, path_type=Path),
              help="also write the public key here (default: OUT with .pub.pem)")
def keygen(out_file: Path, pub_file: Path | None) -> None:
    """Make an SM2 key pair for signing reports, in the PEM forms OpenSSL reads."""
    if out_file.exists():
        raise ConfigError(f"{out_file} exists; not overwriting a key")
    key = signing.generate_key()
    descriptor = os.open(out_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(signing.private_key_pem(key))
    pub_file = pub_file or out_file.with_name(out_file.stem + ".pub.pem")
    pub_file.write_text(signing.public_key_pem(key.public_key), encoding="ascii")
    click.echo(f"certkit: key {signing.fingerprint(key.public_key)}; public key {pub_file}",
               err=True)
    click.echo(str(out_file))
