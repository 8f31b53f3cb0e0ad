"""``hanrig cbke``: what CBKE data the coordinator's NCP holds, and provisioning it.

``show`` connects to the configured radio (without forming or joining anything) and lists
the certificate the NCP holds for each crypto suite. ``provision`` writes a CA public key,
a certificate and its private key into the NCP, as Silicon Labs documents it for EZSP
hosts: suite 2 through setValue (CERTIFICATE_283K1, PUBLIC_KEY_283K1, PRIVATE_KEY_283K1)
and savePreinstalledCbkeData283k1, suite 1 through setPreinstalledCbkeData. The inputs
are checked first: the private key must be the certificate's, reconstructed with the CA's
public key. On a physical NCP these are manufacturing tokens, which EmberZNet may let
you write only once: the command says so and asks before it writes. Private keys are
never printed, logged or journaled.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click
from rich.console import Console
from rich.table import Table

from hanrig.bench.errors import ConfigError
from hanrig.cbke.agreement import Credentials
from hanrig.cbke.errors import CbkeError
from hanrig.cbke.suites import suite_of
from hanrig.console import emit_json, json_option
from hanrig.rig.ch.ncp_cbke import NcpCertificate, ncp_cbke_data
from hanrig.rig.config import RigConfig, load_config
from hanrig.rig.coordinator.application import application_class
from hanrig.rig.coordinator.cbke import CbkeFailed, NcpCbke
from hanrig.rig.coordinator.coordinator import RadioSettings, zigpy_config
from hanrig.rig.coordinator.emulated import EmulatedRadio
from hanrig.rig.errors import InfrastructureError
from hanrig.testpki.cbke import credentials

T = TypeVar("T")
CONNECT_TIMEOUT = 30.0


async def _with_ncp(config: RigConfig, action: Callable[[NcpCbke], Awaitable[T]]) -> T:
    """Run ``action`` with the NCP's CBKE library, the radio only connected (nothing formed or joined)."""
    coordinator = config.coordinator
    with tempfile.TemporaryDirectory(prefix="hanrig-cbke-") as workdir:
        emulator = None
        path = coordinator.port
        if coordinator.emulated:
            emulator = await EmulatedRadio.start(Path(workdir), config=config.path)
            path = str(emulator.port)
        settings = RadioSettings(coordinator.radio, path, coordinator.baudrate, coordinator.flow_control)
        app = application_class(coordinator.radio)(zigpy_config(settings))
        try:
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT):
                    await app.connect()
            except Exception as exc:
                raise InfrastructureError(f"radio at {path} unreachable: {exc or type(exc).__name__}") from None
            return await action(NcpCbke(lambda: app))
        finally:
            with contextlib.suppress(Exception):
                await app.disconnect()
            if emulator is not None:
                await emulator.stop()


def _read_hex(path: Path, what: str, length: int) -> bytes:
    try:
        text = path.read_text().strip()
        data = bytes.fromhex(text.replace(" ", "").replace(":", ""))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a {what} in hex: {exc}") from None
    if len(data) != length:
        raise ConfigError(f"{path}: a {what} is {length} octets, this file holds {len(data)}")
    return data


def _table(held: dict[int, NcpCertificate]) -> Table:
    table = Table("suite", "subject (EUI-64)", "issuer", "certificate")
    for suite, data in sorted(held.items()):
        issuer = data.issuer.decode("ascii", "replace")
        table.add_row(suite_of(suite).name, data.subject, f"{data.issuer.hex().upper()} ({issuer})",
                      data.certificate.hex()[:24] + "…")
    return table


_config_option = click.option("--config", "config_path", type=click.Path(path_type=Path),
                              default=Path("hil_config.yaml"), show_default=True, help="The rig config.")


@click.group("cbke")
def cbke_group() -> None:
    """The coordinator NCP's CBKE data: show it, or provision it."""


@cbke_group.command("show")
@_config_option
@json_option
def show(config_path: Path, as_json: bool) -> None:
    """List the certificate the NCP holds for each crypto suite."""
    config = load_config(config_path)

    held = asyncio.run(_with_ncp(config, ncp_cbke_data))
    if as_json:
        emit_json({"suites": {str(suite): data.as_dict() for suite, data in held.items()}})
        return
    console = Console()
    if not held:
        console.print("the NCP holds no CBKE data: devices that need CBKE cannot join this bench")
        return
    console.print(_table(held))


@cbke_group.command("provision")
@_config_option
@click.option("--suite", type=click.Choice(["1", "2"]), default="2", show_default=True,
              help="The crypto suite: 1 (sect163k1) or 2 (sect283k1).")
@click.option("--ca", "ca_path", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="The CA's public key (compressed point, hex).")
@click.option("--certificate", "certificate_path", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="The NCP's implicit certificate (hex).")
@click.option("--private-key", "key_path", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="The certificate's private key (hex); never printed.")
@click.option("--test-ca", is_flag=True,
              help="Use the project's test CA: a certificate for the NCP's own EUI-64 (test benches only).")
@click.option("--yes", is_flag=True, help="Do not ask before writing.")
@json_option
def provision(config_path: Path, suite: str, ca_path: Path | None, certificate_path: Path | None,
              key_path: Path | None, test_ca: bool, yes: bool, as_json: bool) -> None:
    """Write CBKE data (CA public key, certificate, private key) into the coordinator's NCP."""
    config = load_config(config_path)
    crypto = suite_of(int(suite))
    files = (ca_path, certificate_path, key_path)
    if test_ca == any(files) or (not test_ca and not all(files)):
        raise ConfigError("give --ca, --certificate and --private-key, or --test-ca")
    given: Credentials | None = None
    if not test_ca:
        assert ca_path and certificate_path and key_path
        try:
            given = Credentials(crypto, _read_hex(certificate_path, "certificate", crypto.certificate_length),
                                int.from_bytes(_read_hex(key_path, "private key", crypto.private_key_length), "big"),
                                _read_hex(ca_path, "CA public key", crypto.public_key_length))
        except CbkeError as exc:
            raise ConfigError(f"the CBKE data do not fit together: {exc}") from None
    console = Console(stderr=as_json)
    if not yes:
        console.print(f"This writes {crypto.name} CBKE data into the NCP at {config.coordinator.port}. On a "
                      "Silicon Labs NCP these are manufacturing tokens: EmberZNet may refuse to overwrite them, "
                      "and they stay on the stick after a factory reset.")
        if not click.confirm("Write them?", default=False):
            raise click.Abort()

    async def write(ncp: NcpCbke) -> dict[int, NcpCertificate]:
        eui64 = await ncp.eui64()
        held = given or credentials(eui64, crypto)
        if held.decoded.subject_eui64 != eui64:
            raise ConfigError(f"the certificate is issued to {held.decoded.subject_eui64}, the NCP is {eui64}: "
                              "devices would end CBKE with BAD_MESSAGE")
        try:
            await ncp.install(held)
        except CbkeFailed as exc:
            raise InfrastructureError(f"the NCP refused the CBKE data: {exc}") from None
        return await ncp_cbke_data(ncp)

    held = asyncio.run(_with_ncp(config, write))
    if int(suite) not in held:
        raise InfrastructureError(f"the NCP took the {crypto.name} data but does not give its certificate back")
    if as_json:
        emit_json({"suites": {str(s): data.as_dict() for s, data in held.items()}})
        return
    console.print(_table(held))

