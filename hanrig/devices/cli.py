"""The emulator as a program: ``python -m hanrig.devices``, also ``hanrig emulate``.

It runs the emulated EZSP coordinator on a pseudo-terminal until SIGINT or SIGTERM, then
removes the link and the control socket and saves the NCP state. It says once on stdout
that it is ready, or why it could not start (one JSON line with ``--json``:
``hanrig.devices.protocol``). Exit codes are hanrig's: 2 for a bad config or option, 3
when what it runs on fails (a path in use, a socket it cannot bind).
"""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hanrig.bench.emulator import EZSP_VERSIONS
from hanrig.bench.errors import BenchError, ConfigError
from hanrig.console import EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE, emit_json, exiting_on_errors, json_option
from hanrig.devices.errors import EmulatorError, InputError
from hanrig.devices.protocol import StartFailed

if TYPE_CHECKING:
    from hanrig.devices.spec import Emulation

#: seconds between checks that the rig which started the emulator is still alive
PARENT_POLL = 0.5


def exit_code_for(exc: BaseException) -> int | None:
    """The exit code of an error the emulator raises on purpose, or None for a bug."""
    if isinstance(exc, BenchError | InputError):
        return EXIT_BAD_INPUT
    if isinstance(exc, EmulatorError):
        return EXIT_INFRASTRUCTURE
    return None


class _ExitingOnErrors(click.Command):
    def invoke(self, ctx: click.Context) -> Any:
        return exiting_on_errors(lambda: super(_ExitingOnErrors, self).invoke(ctx), exit_code_for)


def _probability(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        probability = float(value)
    except ValueError:
        raise ConfigError(f"--{param.name.replace('_', '-')}: {value!r} is not a number") from None
    if not 0.0 <= probability <= 1.0:
        raise ConfigError(f"--{param.name.replace('_', '-')}: {value} is not a probability between 0 and 1")
    return probability


def _ezsp_version(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or int(value) not in EZSP_VERSIONS:
        raise ConfigError(
            f"--ezsp-version: {value!r} is not emulated (choose {' or '.join(map(str, EZSP_VERSIONS))})"
        )
    return int(value)


def _socket(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, int] | None:
    if value is None:
        return None
    option = param.opts[0]  # --socket or --rfc2217, which also name the URL scheme
    host, _, port = value.removeprefix(f"{option[2:]}://").rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"{option}: {value!r} is not HOST:PORT (e.g. 127.0.0.1:20108)")
    return host, int(port)


def _seed(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise ConfigError(f"--seed: {value!r} is not a non-negative integer")
    return int(value)


@click.command("emulate", cls=_ExitingOnErrors)
@click.option(
    "--port", type=click.Path(path_type=Path), help="Where to link the pty (the host's serial port)."
)
@click.option(
    "--socket", "socket_address", metavar="HOST:PORT", callback=_socket, help="Also serve socket://HOST:PORT."
)
@click.option(
    "--rfc2217", "rfc2217_address", metavar="HOST:PORT", callback=_socket,
    help="Also serve the UART as an RFC 2217 access server (rfc2217://HOST:PORT; port 0 picks a free one).",
)
@click.option(
    "--control", type=click.Path(path_type=Path), help="Unix socket for the JSON-lines control plane."
)
@click.option(
    "--ezsp-version", metavar="8|13", callback=_ezsp_version, help="EZSP version to speak (default 13)."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="hil_config.yaml with the emulator's part.",
)
@click.option("--ash-drop", metavar="P", callback=_probability, help="Chance an ASH frame is lost, each way.")
@click.option(
    "--ash-corrupt", metavar="P", callback=_probability, help="Chance an ASH frame is damaged, each way."
)
@click.option(
    "--state", type=click.Path(path_type=Path), help="NCP state file (open coordinator backup JSON)."
)
@click.option("--seed", metavar="N", callback=_seed, help="Seed for every random fault (default 0).")
@click.option("--pcap", type=click.Path(path_type=Path), help="Write every frame on the virtual HAN to this "
              "pcap file (802.15.4, Zigbee NWK secured), and the network key beside it (FILE.keys) for Wireshark.")
@click.option("--exit-with-parent", is_flag=True, help="Stop (saving state) when the process that started "
              "this one ends, so that a rig killed with SIGKILL leaves no radio behind.")
@json_option
def emulate(
    port: Path | None,
    socket_address: tuple[str, int] | None,
    rfc2217_address: tuple[str, int] | None,
    control: Path | None,
    ezsp_version: int | None,
    config_path: Path | None,
    ash_drop: float | None,
    ash_corrupt: float | None,
    state: Path | None,
    seed: int | None,
    pcap: Path | None,
    exit_with_parent: bool,
    as_json: bool,
) -> None:
    """Emulate an EZSP coordinator (and its HAN) on a pseudo-terminal that bellows drives."""
    try:
        if port is None:
            raise ConfigError("--port is required: the path where the host will open the emulated radio")
        emulation = _emulation(config_path, ezsp_version=ezsp_version, ash_drop=ash_drop, ash_corrupt=ash_corrupt,
                               state=state, seed=seed)
    except BenchError as exc:
        _announce_failure(exc, as_json)
        raise
    parent = os.getppid() if exit_with_parent else None
    asyncio.run(_run(emulation, port.absolute(), socket_address, rfc2217_address,
                     control.absolute() if control else None, as_json, parent, pcap.absolute() if pcap else None))


def _emulation(config_path: Path | None, *, ezsp_version: int | None, ash_drop: float | None,
               ash_corrupt: float | None, state: Path | None, seed: int | None) -> Emulation:
    """The config's emulation (or the default one) with the command line's settings over it."""
    from hanrig.devices.spec import Emulation, load_emulation

    emulation = load_emulation(config_path) if config_path is not None else Emulation()
    radio = emulation.radio
    serial = radio.faults.serial
    serial = replace(serial, drop=serial.drop if ash_drop is None else ash_drop,
                     corrupt=serial.corrupt if ash_corrupt is None else ash_corrupt)
    radio = replace(radio, ezsp_version=ezsp_version or radio.ezsp_version, state_file=state or radio.state_file,
                    seed=radio.seed if seed is None else seed, faults=replace(radio.faults, serial=serial))
    return replace(emulation, radio=radio)


def _announce_failure(exc: Exception, as_json: bool) -> None:
    """Tell a host waiting for the start line why there will be none (the error itself is reported on exit)."""
    if as_json:
        emit_json(StartFailed("infrastructure" if exit_code_for(exc) == EXIT_INFRASTRUCTURE else "config",
                              str(exc)).as_dict())


async def _run(
    emulation: Emulation,
    port: Path,
    socket_address: tuple[str, int] | None,
    rfc2217_address: tuple[str, int] | None,
    control: Path | None,
    as_json: bool,
    parent: int | None,
    pcap: Path | None,
) -> None:
    from hanrig.devices.radio.control import running

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    watch = loop.create_task(_when_orphaned(parent, stop)) if parent is not None else None
    ready = False
    try:
        async with running(emulation, port=port, socket=socket_address, rfc2217=rfc2217_address, control=control,
                           capture=pcap) as (_, readiness):
            ready = True
            if as_json:
                emit_json(readiness.as_dict())
            else:
                where = "".join(f", {url}" for url in (readiness.socket, readiness.rfc2217) if url)
                where += f", control {control}" if control else ""
                click.echo(f"emulating EZSP v{emulation.radio.ezsp_version} on {port} ({readiness.pty}){where}")
            await stop.wait()
    except (BenchError, InputError, EmulatorError) as exc:
        if not ready:
            _announce_failure(exc, as_json)
        raise
    finally:
        if watch is not None:
            watch.cancel()


async def _when_orphaned(parent: int, stop: asyncio.Event) -> None:
    """Set ``stop`` once this process has another parent: the one that started it has died."""
    while os.getppid() == parent:
        await asyncio.sleep(PARENT_POLL)
    stop.set()
