"""Starting the emulator in its own process and a real bellows application against it.

``EmulatorProcess.start`` runs ``python -m hanrig.devices --json`` and waits (with a
timeout) for its start line, as ``hanrig.devices.protocol`` describes; ``start_app``
starts bellows' ``ControllerApplication`` on the emulator's port through zigpy, as the
rig will. Nothing here patches bellows or zigpy: the only
settings changed are zigpy config keys that turn off background work a test does not need
(database, periodic backups, topology scans, OTA). ``SmartEnergyApplication`` extends
bellows' application the documented way so that zigpy parses Smart Energy frames, and
``send_fragmented`` does the APS fragmentation bellows lacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bellows.types as bt
import yaml
import zigpy.config as zc
import zigpy.profiles.zha
import zigpy.types
from bellows.zigbee.application import ControllerApplication

from hanrig.devices.protocol import ControlClient, Readiness, read_start_line

READY_TIMEOUT = 30.0
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


@dataclass
class EmulatorProcess:
    process: asyncio.subprocess.Process
    readiness: Readiness
    directory: Path
    stderr_path: Path
    control: ControlClient

    @property
    def port(self) -> Path:
        return self.readiness.port

    @property
    def socket(self) -> str:
        return str(self.readiness.socket)

    @property
    def stderr(self) -> str:
        """The emulator's log, with rich's line wrapping undone so that messages can be searched."""
        return " ".join(self.stderr_path.read_text().split())

    @classmethod
    async def start(
        cls, directory: Path, *args: str, config: dict[str, Any] | None = None
    ) -> EmulatorProcess:
        directory.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "hanrig.devices",
            "--json",
            "--port",
            str(directory / "ttyEZSP"),
            "--control",
            str(directory / "control.sock"),
            *args,
        ]
        if config is not None:
            config_path = directory / "hil_config.yaml"
            config_path.write_text(yaml.safe_dump(config))
            command += ["--config", str(config_path)]
        stderr_path = directory / "emulator.stderr"
        with stderr_path.open("ab") as stderr:
            process = await asyncio.create_subprocess_exec(
                *command, stdout=asyncio.subprocess.PIPE, stderr=stderr
            )
        assert process.stdout is not None
        try:
            line = await asyncio.wait_for(process.stdout.readline(), READY_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise AssertionError(
                f"emulator not ready within {READY_TIMEOUT} s:\n{stderr_path.read_text()}"
            ) from None
        if not line:
            await process.wait()
            raise AssertionError(f"emulator exited with {process.returncode}:\n{stderr_path.read_text()}")
        readiness = read_start_line(line)
        assert readiness.control is not None
        control = await ControlClient.connect(readiness.control)
        return cls(process, readiness, directory, stderr_path, control)

    async def stop(self) -> int:
        """SIGTERM, and the exit code once it has cleaned up."""
        await self.control.close()
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
                raise AssertionError("the emulator did not stop on SIGTERM") from None
        assert self.process.returncode is not None
        return self.process.returncode

    async def request(self, op: str, **args: Any) -> Any:
        return await self.control.request(op, **args)


def app_config(device_path: str, **overrides: Any) -> dict[str, Any]:
    return {
        zc.CONF_DEVICE: {zc.CONF_DEVICE_PATH: device_path},
        zc.CONF_DATABASE: None,
        zc.CONF_NWK_BACKUP_ENABLED: False,
        zc.CONF_TOPO_SCAN_ENABLED: False,
        zc.CONF_OTA: {zc.CONF_OTA_ENABLED: False},
        **overrides,
    }


SMART_ENERGY_PROFILE = 0x0109


class SmartEnergyApplication(ControllerApplication):
    """bellows' application with zigpy taking Smart Energy (0x0109) ZCL frames as its own.

    zigpy 2.4.0 parses ZCL only on the HA and ZLL profiles and drops the rest, so a GB
    device could not even be interviewed. Incoming SE frames are handed on as HA frames
    before zigpy parses them; outgoing ones keep 0x0109, the profile of the endpoint they
    are sent to.
    """

    def packet_received(self, packet: zigpy.types.ZigbeePacket) -> None:
        if packet.profile_id == SMART_ENERGY_PROFILE and packet.dst_ep != 0:
            packet = packet.replace(profile_id=zigpy.profiles.zha.PROFILE_ID)
        super().packet_received(packet)


async def start_app(
    device_path: str | Path,
    *,
    auto_form: bool = False,
    app_class: type[ControllerApplication] = ControllerApplication,
    **overrides: Any,
) -> ControllerApplication:
    app = app_class(app_config(str(device_path), **overrides))
    try:
        await asyncio.wait_for(app.startup(auto_form=auto_form), STARTUP_TIMEOUT)
    except BaseException:
        with contextlib.suppress(Exception):
            await app.shutdown()
        raise
    return app


def generic_device(name: str, eui64: str, node_id: int, **emulated: Any) -> dict[str, Any]:
    return {"name": name, "type": "generic", "emulated": {"eui64": eui64, "node_id": node_id, **emulated}}


def rig_config(*devices: dict[str, Any], **emulator: Any) -> dict[str, Any]:
    return {"coordinator": {"emulator": emulator}, "devices": list(devices)}


@dataclass
class Listener:
    """A zigpy application listener that keeps what tests wait for."""

    initialized: dict[str, asyncio.Future[Any]] = field(default_factory=dict)
    messages: list[tuple[int, int, int, bytes]] = field(default_factory=list)
    arrivals: asyncio.Queue[tuple[int, int, int, bytes]] = field(default_factory=asyncio.Queue)
    lost: list[Exception] = field(default_factory=list)

    def expect(self, ieees: Iterable[str]) -> None:
        loop = asyncio.get_running_loop()
        for ieee in ieees:
            self.initialized[ieee] = loop.create_future()

    def device_initialized(self, device: Any) -> None:
        future = self.initialized.get(str(device.ieee))
        if future is not None and not future.done():
            future.set_result(device)

    def handle_message(
        self, device: Any, profile: int, cluster: int, src_ep: int, dst_ep: int, message: bytes
    ) -> None:
        arrival = (device.nwk, profile, cluster, message)
        self.messages.append(arrival)
        self.arrivals.put_nowait(arrival)

    def connection_lost(self, exc: Exception) -> None:
        self.lost.append(exc)

    async def device(self, ieee: str, timeout: float = 30.0) -> Any:
        return await asyncio.wait_for(self.initialized[ieee], timeout)


async def send_fragmented(
    app: ControllerApplication,
    nwk: int,
    payload: bytes,
    *,
    cluster: int,
    profile: int = zigpy.profiles.zha.PROFILE_ID,
) -> None:
    """What a host-side APS fragmentation does over EZSP (bellows has none): one fragment at a
    time, each with APS_OPTION_FRAGMENT and groupId = count << 8 | index, each acknowledged."""
    ezsp = app._ezsp
    pieces = [payload[i : i + 80] for i in range(0, len(payload), 80)]
    sent: asyncio.Queue[tuple[int, Any]] = asyncio.Queue()

    def on_callback(name: str, args: list[Any]) -> None:
        if name == "messageSentHandler":
            sent.put_nowait((args[3], args[4]))

    callback_id = ezsp.add_callback(on_callback)
    try:
        sequence = 0
        for index, piece in enumerate(pieces):
            frame = bt.EmberApsFrame(
                profileId=profile,
                clusterId=cluster,
                sourceEndpoint=1,
                destinationEndpoint=1,
                options=bt.EmberApsOption.APS_OPTION_RETRY | bt.EmberApsOption.APS_OPTION_FRAGMENT,
                groupId=len(pieces) << 8 | index,
                sequence=sequence,
            )
            status, assigned = await ezsp.send_unicast(nwk, frame, 0x80 + index, piece)
            assert status == bt.sl_Status.OK
            sequence = assigned if index == 0 else sequence
            tag, delivered = await asyncio.wait_for(sent.get(), 10)
            assert (tag, bt.sl_Status.from_ember_status(delivered)) == (0x80 + index, bt.sl_Status.OK)
    finally:
        ezsp.remove_callback(callback_id)
