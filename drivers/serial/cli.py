"""`certkit emulate serial`: the software module behind a real pty or TCP port."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

import click

from certkit.drivers.emulator.core import SoftwareModule
from certkit.drivers.emulator.faults import FAULTS

from .module import ProtocolModule
from .protocol import MAX_LEN
from .server import TRANSPORT_FAULT_HELP, ModuleServer, TransportFault, TransportFaults

DEFAULT_RATE = 0.05
MIN_MAX_PAYLOAD = 512  # the INFO answer must fit


def parse_faults(values: tuple[str, ...]) -> tuple[frozenset[str], dict[TransportFault, float]]:
    """Split `--fault` values into the core's crypto faults and transport faults with rates."""
    crypto: set[str] = set()
    transport: dict[TransportFault, float] = {}
    for value in values:
        for item in filter(None, value.split(",")):
            name, has_rate, rate_text = item.partition("=")
            if name in FAULTS and not has_rate:
                crypto.add(name)
                continue
            try:
                fault = TransportFault(name)
            except ValueError:
                known = sorted([*FAULTS, *TransportFault])
                raise click.BadParameter(f"unknown fault {name!r} (known: {', '.join(known)})",
                                         param_hint="--fault") from None
            try:
                rate = float(rate_text) if has_rate else DEFAULT_RATE
            except ValueError:
                rate = -1.0
            if not 0 < rate <= 1:
                raise click.BadParameter(f"{name}: rate {rate_text!r} is not in (0, 1]",
                                         param_hint="--fault")
            transport[fault] = rate
    return frozenset(crypto), transport


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@click.group()
def emulate() -> None:
    """Serve certkit's software module the way a device would."""


@emulate.command("serial", epilog="Transport faults (rate 0..1 per response, default "
                 f"{DEFAULT_RATE:g}): " + "; ".join(f"{fault}: {text}" for fault, text
                                                   in TRANSPORT_FAULT_HELP.items()) + ".")
@click.option("--pty", "use_pty", is_flag=True,
              help="serve on a new pseudo-terminal and print its path (the default)")
@click.option("--tcp", "tcp_port", type=click.IntRange(0, 65535), metavar="PORT",
              help="serve on 127.0.0.1:PORT instead (0 picks a free port) and print "
                   "socket://127.0.0.1:PORT")
@click.option("--fault", "faults", multiple=True, metavar="NAME[=RATE]",
              help="a crypto fault from `certkit list faults`, or a transport fault with "
                   "its rate (repeatable)")
@click.option("--test-hooks", is_flag=True, help="offer FORCE_ERROR (INFO test_hooks: true)")
@click.option("--max-payload", type=click.IntRange(MIN_MAX_PAYLOAD, MAX_LEN), default=MAX_LEN,
              show_default=True, help="the max_payload the module announces and enforces")
@click.option("--delay", "delay_s", type=click.FloatRange(0, 60), default=0.2,
              show_default=True, help="seconds a delay-response fault holds a response")
@click.option("--seed", type=int, help="seed for the transport faults, for a repeatable line")
@click.option("--link", type=click.Path(dir_okay=False, path_type=Path),
              help="also make this symlink to the pty: a name that survives a restart")
def serial(use_pty: bool, tcp_port: int | None, faults: tuple[str, ...], test_hooks: bool,
           max_payload: int, delay_s: float, seed: int | None, link: Path | None) -> None:
    """Serve serial-protocol.md on a pseudo-terminal or TCP until SIGTERM or Ctrl-C.

    Prints the port to open, as pyserial names it, on stdout: a host runs
    `certkit run --device serial:PORT`.
    """
    if use_pty and tcp_port is not None:
        raise click.UsageError("--pty and --tcp exclude each other")
    if link is not None and tcp_port is not None:
        raise click.UsageError("--link names a pty; a TCP port is stable already")
    crypto, transport = parse_faults(faults)
    module = ProtocolModule(SoftwareModule(crypto, test_hooks=test_hooks),
                            max_payload=max_payload)
    server = ModuleServer(module, TransportFaults(transport, delay_s=delay_s, seed=seed))
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    if crypto:
        click.echo(f"certkit emulate serial: crypto faults: {', '.join(sorted(crypto))}",
                   err=True)
    try:
        if tcp_port is not None:
            server.serve_tcp(tcp_port, click.echo)
        else:
            server.serve_pty(click.echo, link)
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        click.echo(f"certkit emulate serial: error: {exc}", err=True)
        sys.exit(3)
    finally:
        click.echo(f"certkit emulate serial: stopped: {server.summary()}", err=True)
