"""The rig's coordinator: a zigpy application on the configured radio, playing the CH.

It starts (forming the HAN on a factory-new radio, resuming it otherwise), keeps the
Communications Hub's device log (the GBCS whitelist: a device that is not in it is
told to leave), lets devices join with their install-code link keys, and hands the
OTA and Tunneling requests that devices send to the rig's handlers. Every wait has a
timeout, and a radio the rig cannot reach is an ``InfrastructureError``.

zigpy 2.4 reports a lost radio (an NCP reset, a dongle pulled) but never reconnects,
so the coordinator does: it restarts the same zigpy application, keeping its devices,
until the radio answers or the reconnect timeout runs out, and then the radio is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import zigpy.config as zc
import zigpy.device
import zigpy.exceptions
import zigpy.types
import zigpy.util
from zigpy.application import ControllerApplication
from zigpy.zcl.clusters import general, smartenergy

import hanrig.rig.zcl  # noqa: F401 - registers the rig's clusters with zigpy before any device appears
from hanrig.bench.errors import ConfigError
from hanrig.rig.coordinator.application import SMART_ENERGY_PROFILE, application_class
from hanrig.rig.coordinator.capture import HostSideCapture
from hanrig.rig.coordinator.key_establishment_lane import Partner
from hanrig.rig.coordinator.orphan_tasks import quiet_closed_link_sends
from hanrig.rig.errors import InfrastructureError
from hanrig.rig.zcl.ota_blocks import BlockRequest
from hanrig.rig.zcl.tunneling import Tunneling

LOG = logging.getLogger(__name__)

#: The Communications Hub's own endpoint on the Smart Energy profile, as an Energy
#: Service Interface: OTA server, Key Establishment, Time and the Tunneling client.
CH_ENDPOINT = 9
ESI_DEVICE_TYPE = 0x0500
_CH_SERVER_CLUSTERS = (general.Basic.cluster_id, general.Time.cluster_id, general.Ota.cluster_id,
                       smartenergy.KeyEstablishment.cluster_id)
_CH_CLIENT_CLUSTERS = (Tunneling.cluster_id,)

STARTUP_TIMEOUT = 60.0
RECONNECT_TIMEOUT = 60.0
#: seconds between reconnect attempts: bellows itself waits up to 2.5 s for an RSTACK
_RECONNECT_PAUSE = 1.0
#: opening a port still locked by the connection just closed: tries, and the pause between them
_BUSY_PORT_ATTEMPTS = 5
_BUSY_PORT_PAUSE = 0.2


@dataclass(frozen=True)
class RadioSettings:
    """How to reach the coordinator: radio type, serial path (or ``socket://``), line settings."""

    radio: str = "ezsp"
    path: str = "/dev/ttyUSB0"
    baudrate: int = 115200
    flow_control: str | None = None
    #: zigpy's device database; None keeps it in memory (a fresh run every time)
    database: Path | None = None
    #: the channel to form on; None lets the radio pick one after an energy scan
    channel: int | None = None
    #: how long to keep trying to reconnect to a lost radio before it counts as gone
    reconnect_timeout: float = RECONNECT_TIMEOUT


class RadioState(enum.Enum):
    LOST = "lost"
    RESTORED = "restored"
    GONE = "gone"


@dataclass(frozen=True)
class RadioEvent:
    """The radio was lost, came back, or stayed away past the reconnect timeout."""

    state: RadioState
    detail: str
    attempts: int = 0
    seconds: float = 0.0


class ClusterRequests(Protocol):
    """What receives the cluster commands devices send to the CH (see ``rig.zcl``)."""

    def ota_request(self, cluster: Any, hdr: Any, args: Any) -> bool: ...

    def ota_block_request(self, ieee: zigpy.types.EUI64, request: BlockRequest) -> bool:
        """An Image Block Request parsed on the block lane (``rig.zcl.ota_blocks``); True once taken."""
        ...

    def tunneling_request(self, cluster: Any, hdr: Any, args: Any) -> bool: ...

    def key_establishment_request(self, partner: Partner, tsn: int, command: str, args: Any) -> None:
        """A Key Establishment command from a device (``rig.coordinator.key_establishment_lane``)."""
        ...

    def device_announced(self, ieee: zigpy.types.EUI64) -> None:
        """A device announced itself (Device_annce): it has joined or restarted."""
        ...


class _DeviceWatch:
    """A zigpy application listener: device lifecycle events as futures and a whitelist check."""

    def __init__(self, coordinator: Coordinator) -> None:
        self._coordinator = coordinator
        self.initialized: dict[zigpy.types.EUI64, asyncio.Event] = {}

    def event_for(self, ieee: zigpy.types.EUI64) -> asyncio.Event:
        return self.initialized.setdefault(ieee, asyncio.Event())

    def device_joined(self, device: zigpy.device.Device) -> None:
        self._coordinator.check_device_log(device)

    def device_initialized(self, device: zigpy.device.Device) -> None:
        self.event_for(device.ieee).set()

    def device_left(self, device: zigpy.device.Device) -> None:
        self.event_for(device.ieee).clear()

    def device_announced(self, ieee: zigpy.types.EUI64) -> None:
        self._coordinator.cluster_requests.device_announced(ieee)

    def connection_lost(self, exc: Exception | None) -> None:
        self._coordinator.connection_lost(exc)


class Coordinator:
    """The zigpy application the rig drives, with the Communications Hub's endpoint and device log."""

    def __init__(self, settings: RadioSettings, requests: ClusterRequests, *,
                 on_radio: Callable[[RadioEvent], None] = lambda event: None,
                 capture: HostSideCapture | None = None) -> None:
        self.settings = settings
        #: every packet the host sends and receives, to a pcap file (a physical bench's only capture)
        self.capture = capture
        self._requests = requests
        self._on_radio = on_radio
        self._app: ControllerApplication | None = None
        self._watch = _DeviceWatch(self)
        self._reconnecting: asyncio.Task[None] | None = None
        self.stopping = False
        #: set once the radio stayed lost past the reconnect timeout
        self.radio_gone = asyncio.Event()
        #: EUI-64s the CH accepts on its HAN (its GBCS device log)
        self.device_log: set[zigpy.types.EUI64] = set()

    @property
    def cluster_requests(self) -> ClusterRequests:
        return self._requests

    @property
    def app(self) -> ControllerApplication:
        if self._app is None:
            raise InfrastructureError("the coordinator is not running")
        return self._app

    def zigpy_config(self) -> dict[str, Any]:
        return zigpy_config(self.settings)

    async def start(self, *, timeout: float = STARTUP_TIMEOUT) -> None:
        """Connect to the radio and bring the HAN up, forming it first on a factory-new radio.

        After forming, bellows 1.2.1 has registered its callback handler twice (every
        message would reach zigpy twice) and the NCP has forgotten its endpoints, so a
        freshly formed network is started once more before the rig uses it.
        """
        quiet_closed_link_sends(asyncio.get_running_loop())
        try:
            async with asyncio.timeout(timeout):
                try:
                    app = await self._started(form=False)
                except zigpy.exceptions.NetworkNotFormed:
                    LOG.info("the radio has no network: forming the HAN")
                    await (await self._started(form=True)).shutdown()
                    app = await self._started(form=False)
        except TimeoutError:
            raise InfrastructureError(f"radio at {self.settings.path} did not start within {timeout:g} s") from None
        app.add_listener(self._watch)
        self._app = app
        LOG.info("coordinator up: %s on %s, channel %s", self.settings.radio, self.settings.path,
                 app.state.network_info.channel)

    async def _started(self, *, form: bool) -> ControllerApplication:
        app_class = application_class(self.settings.radio)
        try:
            # through zigpy's own constructor, which also loads the device database (coordinator.database)
            app = await app_class.new(self.zigpy_config(), start_radio=False)
        except Exception as exc:  # voluptuous.Invalid and friends, or a database zigpy cannot open
            raise ConfigError(f"coordinator settings rejected by zigpy: {exc}") from None
        app.cluster_requests = self._requests
        app.host_capture = self.capture
        attempt = 1
        while True:
            try:
                await app.startup(auto_form=form)
                return app
            except zigpy.exceptions.NetworkNotFormed:
                raise
            except PermissionError as exc:
                # zigpy closes the previous connection's port a loop turn after it returns, so the port's
                # lock may outlive it briefly (seen once in CI, right after forming); a second process
                # holding the port keeps it for good, and gets the same error once the attempts are spent.
                if attempt == _BUSY_PORT_ATTEMPTS:
                    raise InfrastructureError(f"radio at {self.settings.path} unreachable: {_reason(exc)}") from None
            except Exception as exc:
                raise InfrastructureError(f"radio at {self.settings.path} unreachable: {_reason(exc)}") from None
            attempt += 1
            await asyncio.sleep(_BUSY_PORT_PAUSE)

    async def stop(self) -> None:
        self.stopping = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(BaseException):
                await self._reconnecting
        if self._app is not None:
            app, self._app = self._app, None
            with contextlib.suppress(Exception):
                await app.shutdown()
        if self.capture is not None:
            self.capture.close()

    # ---------------------------------------------------------------- losing and regaining the radio

    def connection_lost(self, exc: Exception | None) -> None:
        """bellows or zigpy lost the radio: reconnect in the background (once at a time)."""
        if self.stopping or self._app is None or self.radio_gone.is_set():
            return  # bellows reports its own disconnect as a lost connection too
        if self._reconnecting is not None and not self._reconnecting.done():
            return  # a failed attempt reports the loss again
        reason = _reason(exc) if exc is not None else "connection closed"
        LOG.warning("connection to the radio lost: %s; reconnecting", reason)
        self._on_radio(RadioEvent(RadioState.LOST, reason))
        self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect(self._app, reason))

    async def _reconnect(self, app: ControllerApplication, reason: str) -> None:
        """Restart the same application (its devices and listeners stay) until the radio answers."""
        started, attempts = time.monotonic(), 0
        try:
            async with asyncio.timeout(self.settings.reconnect_timeout):
                while True:
                    attempts += 1
                    # shutdown(db=False) stops zigpy's watchdog and tasks and closes the port, but
                    # keeps the device list; startup() then opens the port and starts the network.
                    with contextlib.suppress(Exception):
                        await app.shutdown(db=False)
                    try:
                        await app.startup(auto_form=False)
                        break
                    except Exception as exc:
                        reason = _reason(exc)
                        LOG.info("reconnect attempt %d failed: %s", attempts, reason)
                        await asyncio.sleep(_RECONNECT_PAUSE)
        except TimeoutError:
            seconds = time.monotonic() - started
            LOG.error("the radio did not come back within %g s: %s", self.settings.reconnect_timeout, reason)
            self.radio_gone.set()
            self._on_radio(RadioEvent(RadioState.GONE, reason, attempts, seconds))
            return
        seconds = time.monotonic() - started
        LOG.warning("radio back after %.1f s (%d attempts)", seconds, attempts)
        self._on_radio(RadioEvent(RadioState.RESTORED, "reconnected", attempts, seconds))

    def radio_info(self) -> dict[str, Any]:
        """What reports record about the radio: its type, firmware and network."""
        app, info = self.app, self.app.state
        details: dict[str, Any] = {
            "radio": self.settings.radio,
            "path": self.settings.path,
            "ieee": str(info.node_info.ieee),
            "channel": info.network_info.channel,
            "pan_id": f"0x{info.network_info.pan_id:04X}",
            "firmware": info.node_info.version,
        }
        ezsp = getattr(app, "_ezsp", None)
        if ezsp is not None:
            details["ezsp_version"] = ezsp.ezsp_version
        return details

    # ---------------------------------------------------------------- devices

    def admit(self, euis: Iterable[str | zigpy.types.EUI64]) -> None:
        """Add devices to the CH's device log."""
        self.device_log.update(_eui(eui) for eui in euis)

    def check_device_log(self, device: zigpy.device.Device) -> None:
        """A device that is not in the device log is told to leave (as the CH's whitelist does)."""
        if device.ieee not in self.device_log:
            LOG.warning("%s joined but is not in the device log; removing it", device.ieee)
            self.app.create_task(self.app.remove(device.ieee), f"remove {device.ieee}")

    async def permit(self, *, duration: int = 60, eui: str | None = None, install_code: bytes | None = None) -> None:
        """Open the HAN for joining: to anyone, or to one device with its install-code link key."""
        if install_code is None:
            await self.app.permit(duration)
            return
        if eui is None:
            raise ConfigError("an install code belongs to one device: give its EUI-64")
        try:
            link_key = zigpy.util.convert_install_code(install_code)
        except ValueError as exc:
            raise ConfigError(f"install code for {eui}: {exc}") from None
        await self.app.permit_with_link_key(_eui(eui), link_key, duration)

    def device(self, eui: str | zigpy.types.EUI64) -> zigpy.device.Device:
        try:
            return self.app.get_device(ieee=_eui(eui))
        except KeyError:
            raise InfrastructureError(f"device {eui} is not on the HAN") from None

    async def wait_for_device(self, eui: str | zigpy.types.EUI64, timeout: float) -> zigpy.device.Device:
        """The device once it has joined and zigpy has interviewed it."""
        ieee = _eui(eui)
        with contextlib.suppress(KeyError):
            device = self.app.get_device(ieee=ieee)
            if device.is_initialized:
                return device
        try:
            await asyncio.wait_for(self._watch.event_for(ieee).wait(), timeout)
        except TimeoutError:
            raise InfrastructureError(f"device {eui} did not join and answer its interview "
                                      f"within {timeout:g} s") from None
        return self.app.get_device(ieee=ieee)

    async def link_key(self, ieee: zigpy.types.EUI64) -> bytes | None:
        """The APS link key the radio holds for a device (read through zigpy's network information)."""
        await self.app.load_network_info(load_devices=True)
        for key in self.app.state.network_info.key_table:
            if key.partner_ieee == ieee:
                return bytes(key.key)
        return None

    async def send_frame(self, ieee: zigpy.types.EUI64, endpoint: int, cluster_id: int, tsn: int,
                         frame: bytes) -> None:
        """Send a ZCL frame from the CH's endpoint to a device's, before zigpy knows the device's endpoints."""
        try:
            device = self.app.get_device(ieee=ieee)
            await self.app.request(device, SMART_ENERGY_PROFILE, cluster_id, CH_ENDPOINT, endpoint, tsn, frame,
                                   expect_reply=False)
        except KeyError:
            raise InfrastructureError(f"device {ieee} is not on the HAN") from None
        except (zigpy.exceptions.ZigbeeException, OSError) as exc:
            raise InfrastructureError(f"frame to {ieee} not delivered: {_reason(exc)}") from None

    def smart_energy_endpoint(self, device: zigpy.device.Device, cluster_id: int, *,
                              server: bool) -> Any:
        """The device's cluster object on its Smart Energy endpoint (server or client side)."""
        for endpoint_id, endpoint in device.endpoints.items():
            if endpoint_id == 0 or endpoint.profile_id != SMART_ENERGY_PROFILE:
                continue
            clusters = endpoint.in_clusters if server else endpoint.out_clusters
            if cluster_id in clusters:
                return clusters[cluster_id]
        side = "server" if server else "client"
        raise InfrastructureError(f"device {device.ieee} has no Smart Energy endpoint with the "
                                  f"0x{cluster_id:04X} {side} cluster")


def zigpy_config(settings: RadioSettings) -> dict[str, Any]:
    """zigpy's configuration of the rig's application: the radio, the CH's endpoint, nothing zigpy runs by itself."""
    # bellows' serial thread closes its loop when the radio is lost, after which disconnecting
    # fails; on the application's own loop a lost radio can be closed and reopened cleanly.
    radio_specific = {"use_thread": False} if settings.radio == "ezsp" else {}
    return {
        **radio_specific,
        zc.CONF_DEVICE: {
            zc.CONF_DEVICE_PATH: settings.path,
            zc.CONF_DEVICE_BAUDRATE: settings.baudrate,
            zc.CONF_DEVICE_FLOW_CONTROL: settings.flow_control,
        },
        zc.CONF_DATABASE: str(settings.database) if settings.database else None,
        **({zc.CONF_NWK: {zc.CONF_NWK_CHANNEL: settings.channel}} if settings.channel else {}),
        # The rig serves OTA itself and needs no periodic work that competes with it.
        zc.CONF_OTA: {zc.CONF_OTA_ENABLED: False},
        zc.CONF_NWK_BACKUP_ENABLED: False,
        zc.CONF_TOPO_SCAN_ENABLED: False,
        zc.CONF_STARTUP_ENERGY_SCAN: False,
        zc.CONF_ADDITIONAL_ENDPOINTS: [{
            "endpoint": CH_ENDPOINT,
            "profile": SMART_ENERGY_PROFILE,
            "device_type": ESI_DEVICE_TYPE,
            "device_version": 0,
            "input_clusters": list(_CH_SERVER_CLUSTERS),
            "output_clusters": list(_CH_CLIENT_CLUSTERS),
        }],
    }


def _eui(value: str | zigpy.types.EUI64) -> zigpy.types.EUI64:
    if isinstance(value, zigpy.types.EUI64):
        return value
    text = value.replace(":", "").replace("-", "").strip()
    if len(text) != 16:
        raise ConfigError(f"{value!r} is not an EUI-64 (16 hex digits)")
    try:
        return zigpy.types.EUI64(bytes.fromhex(text)[::-1])
    except ValueError:
        raise ConfigError(f"{value!r} is not an EUI-64 (16 hex digits)") from None


def _reason(exc: BaseException) -> str:
    """The most telling message in an exception chain (zigpy wraps serial errors)."""
    chain = _chain(exc)
    if not any(str(link) for link in chain) and any(isinstance(link, TimeoutError | asyncio.CancelledError)
                                                    for link in chain):
        # bellows gives up on a silent line with a bare timeout: say what that means
        return "no answer to an ASH reset: is an EZSP NCP there, at this baud rate and flow control?"
    while exc.__cause__ is not None and not str(exc):
        exc = exc.__cause__
    code = getattr(exc, "code", None)  # bellows' NcpFailure carries the NCP's reset code and no message
    text = str(exc) or (f"{type(exc).__name__}: {getattr(code, 'name', code)}" if code is not None
                        else type(exc).__name__)
    if isinstance(exc, zigpy.exceptions.TransientConnectionError) and exc.__cause__ is not None:
        text = str(exc.__cause__) or text
    return text


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and those it was raised from or during, without going round a loop."""
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and link not in chain:
        chain.append(link)
        link = link.__cause__ or link.__context__
    return chain

