"""The bench: everything one run needs, started together and stopped together.

From a ``RigConfig`` it starts the emulated radio when the config asks for one (in its
own process), loads the keystore, brings up the coordinator with the Communications
Hub behind it, admits the configured devices to the CH's device log and lets them
join. Whatever was started is stopped again, also when starting fails half-way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from types import TracebackType
from typing import Any

import zigpy.device

from hanrig.bench.errors import ConfigError
from hanrig.rig.ch.hub import CommsHub
from hanrig.rig.ch.ncp_cbke import ncp_cbke_data
from hanrig.rig.config import DeviceConfig, RigConfig
from hanrig.rig.coordinator.capture import HostSideCapture
from hanrig.rig.coordinator.coordinator import Coordinator, RadioEvent, RadioSettings, RadioState
from hanrig.rig.coordinator.emulated import EmulatedRadio
from hanrig.rig.dcc import Dcc
from hanrig.rig.errors import InfrastructureError
from hanrig.rig.images import LoadedImage, load_image
from hanrig.rig.recorder import Recorder
from hanrig.rig.tracking import Tracker

LOG = logging.getLogger(__name__)


class Bench:
    def __init__(self, config: RigConfig, recorder: Recorder, *, workdir: Path, capture: Path | None = None,
                 host_capture: Path | None = None) -> None:
        self.config = config
        self.recorder = recorder
        self.workdir = workdir
        #: where an emulated radio writes what its HAN carried (pcap, with the network key beside it)
        self.capture = capture
        #: where the rig writes every packet it sends and receives through the NCP (pcap, host-side)
        self.host_capture = host_capture
        self.keystore = config.keystore
        self.hub = CommsHub(eui=config.gbcs.comms_hub, acb=config.gbcs.acb, keystore=self.keystore,
                            recorder=recorder, image_retention=config.ch.image_retention,
                            cbke={d.eui64: d.identity.cbke for d in config.devices if d.identity.cbke is not None})
        self.dcc = Dcc(self.keystore, acb=config.gbcs.acb, supplier=config.gbcs.supplier)
        self.tracker = Tracker(recorder)
        self.emulator: EmulatedRadio | None = None
        self.coordinator: Coordinator | None = None
        self._images: dict[str, LoadedImage] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> Bench:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        await self.stop()

    async def start(self) -> None:
        coordinator = self.config.coordinator
        path = coordinator.port
        if coordinator.emulated:
            capture = ("--pcap", str(self.capture)) if self.capture is not None else ()
            self.emulator = await EmulatedRadio.start(self.workdir / "emulator", config=self.config.path, args=capture)
            path = str(self.emulator.port)
        elif path.startswith("usb:"):
            path = _port_of_usb_serial(path.removeprefix("usb:"))
        self.coordinator = Coordinator(RadioSettings(coordinator.radio, path, coordinator.baudrate,
                                                     coordinator.flow_control, coordinator.database,
                                                     coordinator.channel, coordinator.reconnect_timeout),
                                       self.hub, on_radio=self._radio_event,
                                       capture=HostSideCapture(self.host_capture) if self.host_capture else None)
        self.hub.coordinator = self.coordinator
        await self.coordinator.start()
        self.coordinator.admit(device.eui64 for device in self.config.devices)
        captured: dict[str, Any] = {}
        if self.emulator is not None and self.capture is not None:
            captured = {"capture": {"pcap": self.capture.name, "keys": self.capture.with_suffix(".keys").name,
                                    "side": "air"}}
        elif self.host_capture is not None:
            captured = {"capture": {"pcap": self.host_capture.name, "keys": None, "side": "host"}}
        self.recorder.record("radio", **self.coordinator.radio_info(), **captured)
        await self._check_cbke_data()

    async def _check_cbke_data(self) -> None:
        """Journal the CBKE data the NCP holds; a device's suite without it, or of another issuer, is exit 3."""
        needed = {device.name: device.identity.cbke for device in self.config.devices if device.identity.cbke}
        if not needed:
            return
        held = await ncp_cbke_data(self.hub.ncp_cbke)
        self.recorder.record("ncp_cbke", suites={str(suite): data.as_dict() for suite, data in held.items()})
        for name, cbke in needed.items():
            data = held.get(cbke.suite)
            if data is None:
                raise InfrastructureError(
                    f"device {name} needs CBKE with crypto suite {cbke.suite}, but the NCP holds no suite "
                    f"{cbke.suite} CBKE data: provision it first (hanrig cbke provision --help)")
            if data.issuer != cbke.issuer:
                raise InfrastructureError(
                    f"device {name}'s certificate is issued by {_issuer_text(cbke.issuer)}, the NCP's by "
                    f"{_issuer_text(data.issuer)}: CBKE between them ends with UNKNOWN_ISSUER")

    def _radio_event(self, event: RadioEvent) -> None:
        """Journal the radio's loss and return; transfers under way pick up where the devices stand."""
        self.recorder.record("radio_event", state=event.state.value, detail=event.detail,
                             attempts=event.attempts, seconds=round(event.seconds, 3))
        if event.state is RadioState.RESTORED:
            self._background.add(task := asyncio.get_running_loop().create_task(self.hub.ota.radio_restored()))
            task.add_done_callback(self._background.discard)

    async def stop(self) -> None:
        await self.hub.key_establishment.stop()
        if self.coordinator is not None:
            await self.coordinator.stop()
            self.coordinator = None
        if self.emulator is not None:
            with contextlib.suppress(Exception):
                await self.emulator.stop()
            self.emulator = None

    def image(self, name: str) -> LoadedImage:
        """An image from the config, loaded (or built) once per run."""
        if name not in self._images:
            if name not in self.config.images:
                raise ConfigError(f"no image {name!r} in {self.config.path} "
                                  f"(images: {', '.join(self.config.images) or 'none'})")
            self._images[name] = load_image(self.config.images[name], self.keystore,
                                            supplier=self.config.gbcs.supplier)
        return self._images[name]

    def add_image(self, image: LoadedImage) -> None:
        """An image from outside the config (a file or DUIS request named on the command line)."""
        self._images[image.name] = image

    async def join(self, device: DeviceConfig) -> zigpy.device.Device:
        """The device on the HAN with its tunnel open, letting it join first (with its install code if it has one)."""
        found = await self.authenticate(device)
        await self.hub.connect(found, timeout=self.config.ch.join_timeout)
        return found

    async def authenticate(self, device: DeviceConfig) -> zigpy.device.Device:
        """The device on the HAN and, if it runs CBKE, holding its link key; no tunnel yet."""
        assert self.coordinator is not None
        try:
            found = self.coordinator.device(device.eui64)
        except InfrastructureError:
            found = None
        if found is None or not found.is_initialized:
            await self.coordinator.permit(duration=int(self.config.ch.join_timeout), eui=device.eui64,
                                          install_code=device.identity.install_code)
            found = await self.coordinator.wait_for_device(device.eui64, self.config.ch.join_timeout)
        elif (device.identity.cbke is not None and not self.hub.key_establishment.established(found.ieee)
              and await self.coordinator.link_key(found.ieee) is not None):
            # A device that stayed on the HAN since an earlier run (a physical or a lab's bench, zigpy's
            # database remembering it) does not run CBKE again: the link key the radio kept is its key.
            self.hub.key_establishment.held_from_earlier(found.ieee)
        await self.hub.authenticate(found, timeout=self.config.ch.join_timeout)
        return found


def _issuer_text(issuer: bytes) -> str:
    text = issuer.decode("ascii", "replace")
    return f"{issuer.hex().upper()} ({text})" if text.isprintable() and text.isascii() else issuer.hex().upper()


def _port_of_usb_serial(serial_number: str) -> str:
    """The serial port of the USB adapter with this serial number (stable across re-plugging)."""
    from serial.tools import list_ports

    ports = [port.device for port in list_ports.comports() if port.serial_number == serial_number]
    if not ports:
        raise InfrastructureError(f"no USB serial adapter with serial number {serial_number!r} is plugged in")
    return ports[0]
