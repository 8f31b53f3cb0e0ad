"""``hanrig emulate``: run the emulated EZSP coordinator on a pseudo-terminal until stopped.

It prints where it can be reached once it is ready (one JSON line with ``--json``: see
``devices.radio.emulator.Readiness``) and runs until SIGINT or SIGTERM, then removes the
link and the control socket and saves the NCP state.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import yaml

from hanrig.rig.cli.output import emit_json, json_option
from hanrig.rig.errors import ConfigError

#: seconds between checks that the rig which started the emulator is still alive
PARENT_POLL = 0.5

if TYPE_CHECKING:
    from hanrig.devices.spec import EmulatorSpec


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
    from hanrig.devices.radio.ezsp.commands import TABLES

    if value is None:
        return None
    if not value.isdigit() or int(value) not in TABLES:
        raise ConfigError(
            f"--ezsp-version: {value!r} is not emulated (choose {' or '.join(map(str, TABLES))})"
        )
    return int(value)


def _socket(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, int] | None:
    if value is None:
        return None
    host, _, port = value.removeprefix("socket://").rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"--socket: {value!r} is not HOST:PORT (e.g. 127.0.0.1:20108)")
    return host, int(port)


def _seed(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise ConfigError(f"--seed: {value!r} is not a non-negative integer")
    return int(value)


def _load_config(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None


@click.command("emulate")
@click.option(
    "--port", type=click.Path(path_type=Path), help="Where to link the pty (the host's serial port)."
)
@click.option(
    "--socket", "socket_address", metavar="HOST:PORT", callback=_socket, help="Also serve socket://HOST:PORT."
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
@click.option("--exit-with-parent", is_flag=True, help="Stop (saving state) when the process that started "
              "this one ends, so that a rig killed with SIGKILL leaves no radio behind.")
@json_option
def emulate(
    port: Path | None,
    socket_address: tuple[str, int] | None,
    control: Path | None,
    ezsp_version: int | None,
    config_path: Path | None,
    ash_drop: float | None,
    ash_corrupt: float | None,
    state: Path | None,
    seed: int | None,
    exit_with_parent: bool,
    as_json: bool,
) -> None:
    """Emulate an EZSP coordinator (and its HAN) on a pseudo-terminal that bellows drives."""
    if port is None:
        raise ConfigError("--port is required: the path where the host will open the emulated radio")
    from dataclasses import replace

    from hanrig.devices.errors import SpecError
    from hanrig.devices.radio.faults import SerialFaults
    from hanrig.devices.spec import EmulatorSpec, parse_config

    spec = EmulatorSpec()
    if config_path is not None:
        try:
            spec = parse_config(_load_config(config_path), base_dir=config_path.parent)
        except SpecError as exc:
            raise ConfigError(f"{config_path}: {exc}") from exc
    serial = spec.faults.serial
    serial = SerialFaults(
        drop=serial.drop if ash_drop is None else ash_drop,
        corrupt=serial.corrupt if ash_corrupt is None else ash_corrupt,
        delay=serial.delay,
    )
    spec = replace(
        spec,
        ezsp_version=ezsp_version or spec.ezsp_version,
        state_file=state or spec.state_file,
        seed=spec.seed if seed is None else seed,
        faults=replace(spec.faults, serial=serial),
    )
    parent = os.getppid() if exit_with_parent else None
    asyncio.run(_run(spec, port.absolute(), socket_address, control.absolute() if control else None, as_json,
                     parent))


async def _run(
    spec: EmulatorSpec,
    port: Path,
    socket_address: tuple[str, int] | None,
    control: Path | None,
    as_json: bool,
    parent: int | None,
) -> None:
    from hanrig.devices.radio.control import running

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    watch = loop.create_task(_when_orphaned(parent, stop)) if parent is not None else None
    try:
        async with running(spec, port=port, socket=socket_address, control=control) as (_, readiness):
            if as_json:
                emit_json(readiness.as_dict())
            else:
                where = f", control {control}" if control else ""
                click.echo(f"emulating EZSP v{spec.ezsp_version} on {port} ({readiness.pty}){where}")
            await stop.wait()
    finally:
        if watch is not None:
            watch.cancel()


async def _when_orphaned(parent: int, stop: asyncio.Event) -> None:
    """Set ``stop`` once this process has another parent: the one that started it has died."""
    while os.getppid() == parent:
        await asyncio.sleep(PARENT_POLL)
    stop.set()
