"""``hanrig ota``: push one image to one device and report the outcome, the alerts and the timings.

IMAGE is an image named in the config, or an OTA file or DUIS 11.1/11.4 request on disk.
The whole update runs as ``rig.update.update`` does it (distribution, CCS08, activation,
read-back); every transition and GBCS message is journaled as it happens. Exit code 0
when every check passed, 1 when one failed, 2 for bad input, 3 when the radio failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from hanrig.bench.errors import ConfigError
from hanrig.console import EXIT_OK, EXIT_VERDICT_FAILED, emit_json, json_option
from hanrig.gbcs import GbcsError, parse_image
from hanrig.gbcs.duis import looks_like_xml
from hanrig.rig.bench import Bench
from hanrig.rig.config import RigConfig, load_config
from hanrig.rig.evidence import dcc_alerts
from hanrig.rig.images import LoadedImage, load_duis_request
from hanrig.rig.journal import Journal
from hanrig.rig.measurements import Subject
from hanrig.rig.ota.policy import OtaPolicy
from hanrig.rig.recorder import Recorder
from hanrig.rig.update import Update, update


def _image_argument(config: RigConfig, argument: str) -> str | LoadedImage:
    """An image name from the config, or an image read from a file now."""
    if argument in config.images:
        return argument
    path = Path(argument)
    if not path.is_file():
        raise ConfigError(f"{argument}: neither an image in {config.path} "
                          f"({', '.join(config.images) or 'none configured'}) nor a file")
    data = path.read_bytes()
    try:
        if looks_like_xml(data):
            return load_duis_request(path.name, data, origin=str(path))
        return LoadedImage(path.name, parse_image(data), data, str(path))
    except GbcsError as exc:
        raise ConfigError(f"{path}: {exc}") from None


async def _run(config: RigConfig, device_name: str, image: str | LoadedImage, policy: OtaPolicy | None,
               recorder: Recorder) -> Update:
    device = config.device(device_name)
    with tempfile.TemporaryDirectory(prefix="hanrig-ota-") as workdir:
        async with Bench(config, recorder, workdir=Path(workdir)) as bench:
            if isinstance(image, LoadedImage):
                bench.add_image(image)
                image = image.name
            return await update(bench, device, bench.image(image), policy=policy)


def _result_dict(result: Update, journal: Path) -> dict[str, Any]:
    session = result.session
    return {
        "device": {"name": result.device.name, "type": result.device.type, "eui64": result.device.eui64},
        "image": result.image.identity(),
        "stage": result.distribution.stage.value,
        "reason": result.distribution.reason,
        "passed": result.passed,
        "transfer": None if session is None else {
            "outcome": session.outcome.value, "detail": session.detail, "octets": session.progress.offset,
            "blocks": session.progress.blocks, "retries": session.progress.retries,
            "restarts": session.progress.restarts, "seconds": round(session.progress.elapsed, 3)},
        "measurements": [m.as_dict() for m in result.measurements],
        "evidence": [{**record.as_dict(), "dcc_alerts": dcc_alerts(record)} for record in result.evidence],
        "journal": str(journal),
    }


def _print(console: Console, result: Update, journal: Path) -> None:
    verdict = "[green]PASS[/]" if result.passed else "[bold red]FAIL[/]"
    console.print(f"{verdict} {result.device.name} ({result.device.eui64}) <- {result.image.name}: "
                  f"{result.distribution.stage.value}" + (f" ({result.distribution.reason})"
                                                          if result.distribution.reason else ""))
    if result.session is not None:
        progress = result.session.progress
        console.print(f"transfer: {result.session.outcome.value}, {progress.offset} octets in {progress.blocks} "
                      f"blocks, {progress.retries} retries, {progress.restarts} restarts, "
                      f"{progress.elapsed:.1f} s")
    table = Table("check", "judges", "value", "expected", "")
    for m in result.measurements:
        verdict = "observed" if m.observation else "[green]pass[/]" if m.passed else "[red]fail[/]"
        table.add_row(m.name, "device" if m.subject is Subject.DEVICE else "CH model",
                      f"{m.value}{' ' + m.units if m.units else ''}", m.expected, verdict)
    console.print(table)
    for record in result.evidence:
        alerts = ", ".join(a["label"] for a in dcc_alerts(record))
        console.print(f"  {record.direction.value:13} {record.describe()}" + (f" -> DCC {alerts}" if alerts else ""))
    console.print(f"journal: {journal}")


@click.command("ota")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=Path("hil_config.yaml"),
              show_default=True, help="The rig config.")
@click.option("--device", "device_name", required=True, help="Device name or EUI-64 from the config.")
@click.option("--policy", "policy_name", help="OTA policy from the config (default: the device's own).")
@click.option("--journal", "journal_path", type=click.Path(path_type=Path),
              help="Journal file (default: ota-<time>.journal in the config's report directory).")
@json_option
@click.argument("image")
def ota(config_path: Path, device_name: str, policy_name: str | None, journal_path: Path | None, as_json: bool,
        image: str) -> None:
    """Push IMAGE (a configured image name, an OTA file or a DUIS request) to one device."""
    config = load_config(config_path)
    try:
        config.device(device_name)
    except KeyError as exc:
        raise ConfigError(str(exc.args[0])) from None
    if policy_name is not None and policy_name not in config.ota_policies:
        raise ConfigError(f"--policy: no OTA policy {policy_name!r} in {config.path} "
                          f"({', '.join(config.ota_policies)})")
    policy = config.ota_policies[policy_name] if policy_name else None
    chosen = _image_argument(config, image)
    journal_path = journal_path or config.report_dir / f"ota-{time.strftime('%Y%m%dT%H%M%S')}.journal"
    console = Console()
    with Journal(journal_path) as journal, contextlib.ExitStack() as stack:
        recorder = Recorder(journal)
        if console.is_terminal and not as_json:
            bar = stack.enter_context(Progress("{task.description}", BarColumn(), DownloadColumn(),
                                               TransferSpeedColumn(), TimeRemainingColumn(), console=console,
                                               transient=True))
            task = bar.add_task(f"OTA {device_name}", total=None)

            def show(kind: str, fields: dict[str, Any]) -> None:
                if kind == "progress":
                    bar.update(task, completed=fields["offset"], total=fields["total"])

            recorder.add_listener(show)
        result = asyncio.run(_run(config, device_name, chosen, policy, recorder))
    if as_json:
        emit_json(_result_dict(result, journal_path))
    else:
        _print(console, result, journal_path)
    click.get_current_context().exit(EXIT_OK if result.passed else EXIT_VERDICT_FAILED)
