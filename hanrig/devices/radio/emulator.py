"""The emulated coordinator assembled: ports, ASH, EZSP, the stack, the HAN and its devices.

``Emulator`` wires the layers together on the running asyncio loop and owns their life:
``start()`` opens the ports and returns a ``Readiness`` (what a parent process waits for,
``hanrig.devices.protocol``), ``stop()`` closes them, saves the NCP state and removes the
link. The control plane (``hanrig.devices.radio.control``) is the way in while it runs.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from hanrig.cbke.agreement import Credentials
from hanrig.cbke.suites import SUITES, SuiteId
from hanrig.devices.errors import InputError
from hanrig.devices.events import EventLog
from hanrig.devices.han.air import Air
from hanrig.devices.han.capture import AirCapture
from hanrig.devices.han.kinds import DeviceSpec, kinds
from hanrig.devices.han.node import Node
from hanrig.devices.ieee import Eui64
from hanrig.devices.protocol import Readiness
from hanrig.devices.radio.ash.frames import ResetCode
from hanrig.devices.radio.ash.protocol import AshNcp
from hanrig.devices.radio.ezsp.commands import TABLES
from hanrig.devices.radio.ezsp.handlers import HANDLERS
from hanrig.devices.radio.ezsp.layer import EzspLayer
from hanrig.devices.radio.faults import FaultInjector
from hanrig.devices.radio.ncp import FIRMWARE, Ncp
from hanrig.devices.radio.nvm import NvmStore
from hanrig.devices.radio.ports import Line, PtyPort, Rfc2217Port, SocketPort
from hanrig.devices.scheduling import LoopScheduler, Timer
from hanrig.devices.spec import Emulation
from hanrig.testpki.cbke import credentials

LOG = logging.getLogger(__name__)


def provisioned_by_test_ca(eui64: Eui64) -> dict[SuiteId, Credentials]:
    """The CBKE data of a factory-new NCP provisioned by the project's test CA, for both suites."""
    return {suite.id: credentials(f"{eui64.value:016X}", suite) for suite in SUITES.values()}



class Emulator:
    def __init__(self, emulation: Emulation, *, port: Path, socket: tuple[str, int] | None = None,
                 rfc2217: tuple[str, int] | None = None, capture: Path | None = None) -> None:
        radio = emulation.radio
        if radio.ezsp_version not in TABLES:
            raise InputError(f"EZSP version {radio.ezsp_version} is not emulated (choose {sorted(TABLES)})")
        self.emulation = emulation
        self.radio = radio
        self.port_path = port
        self._socket_address = socket
        self._rfc2217_address = rfc2217
        self.scheduler = LoopScheduler()
        self.events = EventLog(self.scheduler)
        self.faults = FaultInjector(radio.faults, radio.seed)
        self.air = Air(self.scheduler, settings=radio.air, faults=self.faults, events=self.events)
        self.store = NvmStore(radio.state_file, ezsp_version=radio.ezsp_version)
        firmware = FIRMWARE[radio.ezsp_version]
        nvm = self.store.load(default_eui64=emulation.ncp_eui64)
        if radio.cbke == "test-ca" and not nvm.cbke:
            nvm.cbke.update(provisioned_by_test_ca(nvm.eui64))
        self.ncp = Ncp(
            firmware=firmware,
            nvm=nvm,
            store=self.store,
            air=self.air,
            faults=self.faults,
            events=self.events,
        )
        self.air.attach(self.ncp)
        self.air.trust_center = self.ncp
        self.line_faults = self.faults.line()
        self.ash = AshNcp(
            scheduler=self.scheduler,
            write=self._to_host,
            deliver=self._from_host,
            on_host_reset=self._host_reset,
            faults=self.line_faults,
        )
        self.ezsp = EzspLayer(
            table=TABLES[radio.ezsp_version],
            handlers=HANDLERS,
            ncp=self.ncp,
            send=self.ash.send,
            scheduler=self.scheduler,
            stack_type=firmware.stack_type,
            stack_version=firmware.stack_version,
        )
        self.ncp.host = self.ezsp
        self.devices: dict[str, Node] = {}
        self._specs: dict[str, DeviceSpec] = {}
        self._pty: PtyPort | None = None
        self._socket: SocketPort | None = None
        self._rfc2217: Rfc2217Port | None = None
        self._power_on_rstack: Timer | None = None
        self._running = False
        self.capture: AirCapture | None = None
        if capture is not None:
            self.capture = AirCapture(capture, capture.with_suffix(".keys"),
                                      pan_id=lambda: self.ncp.settings_or_empty().pan_id,
                                      network_key=lambda: self.ncp.nvm.network_key,
                                      start=self.scheduler.time(), epoch=time.time())
            self.air.listeners.append(self.capture)
        for device in emulation.devices:
            self.add_device(device)

    # ---------------------------------------------------------------- life

    async def start(self, control: Path | None = None) -> Readiness:
        self._pty = PtyPort(self.port_path, Line(self._from_line, self._line_connected, self._line_lost))
        self._pty.open()
        if self._socket_address is not None:
            host, port = self._socket_address
            self._socket = SocketPort(
                host, port, Line(self._from_socket, self._socket_connected, self._line_lost)
            )
            await self._socket.open()
        if self._rfc2217_address is not None:
            # behind a serial server the NCP is a dongle: the host resets it, no RSTACK unasked
            host, port = self._rfc2217_address
            self._rfc2217 = Rfc2217Port(host, port, Line(self._from_line, self._rfc2217_connected, self._line_lost))
            await self._rfc2217.open()
        self._running = True
        self.events.emit("emulator", "started", ezsp_version=self.radio.ezsp_version, port=str(self.port_path))
        return Readiness(
            port=self.port_path,
            pty=self._pty.slave_path,
            socket=self._socket.url if self._socket else None,
            rfc2217=self._rfc2217.url if self._rfc2217 else None,
            control=control,
            ezsp_version=self.radio.ezsp_version,
            pid=os.getpid(),
        )

    async def stop(self) -> None:
        """Close the ports, keep the NCP state (with its exact frame counter), remove the link."""
        self.ash.close()
        if self._power_on_rstack is not None:
            self._power_on_rstack.cancel()
        for network_port in (self._socket, self._rfc2217):
            if network_port is not None:
                await network_port.close()
        self._socket = self._rfc2217 = None
        if self._pty is not None:
            self._pty.close()
            self._pty = None
        for node in self.devices.values():
            node.detach()
        if self._running:
            # An emulator that never started must not write over a state file another one uses.
            self.ncp.save()
            self._running = False
        if self.capture is not None:
            self.capture.close()
        self.events.emit("emulator", "stopped")

    # ---------------------------------------------------------------- the serial line

    def _to_host(self, data: bytes) -> None:
        for port in (self._pty, self._socket, self._rfc2217):
            if port is not None and port.connected:
                port.write(data)

    def _from_line(self, data: bytes) -> None:
        self.ash.feed(data)

    def _from_socket(self, data: bytes) -> None:
        # A host that speaks first (RST) needs no power-on RSTACK.
        if self._power_on_rstack is not None:
            self._power_on_rstack.cancel()
            self._power_on_rstack = None
        self.ash.feed(data)

    def _line_connected(self) -> None:
        self.events.emit("emulator", "host_connected")

    def _socket_connected(self) -> None:
        self.events.emit("emulator", "host_connected", via="socket")
        delay = self.radio.socket_rstack_delay
        if delay is not None:
            # A network coordinator (zigbeed) announces itself with RSTACK; bellows waits for one
            # on socket:// but only starts listening once it has connected, hence the delay.
            self._power_on_rstack = self.scheduler.call_later(delay, self.reset_ncp, ResetCode.POWER_ON)

    def _rfc2217_connected(self) -> None:
        self.events.emit("emulator", "host_connected", via="rfc2217")

    def _line_lost(self) -> None:
        self.ash.line_lost()
        self.events.emit("emulator", "host_disconnected")

    def _from_host(self, frame: bytes) -> None:
        self.ezsp.receive(frame)

    def _host_reset(self) -> None:
        self.ncp.reboot()
        self.ezsp.reset()

    # ---------------------------------------------------------------- faults the control plane asks for

    def reset_ncp(self, code: ResetCode | int) -> None:
        """The NCP resets on its own (watchdog, assert, power cut) and says so with RSTACK."""
        self._power_on_rstack = None
        self._host_reset()
        self.ash.reset(code)

    def fail_ncp(self, code: ResetCode | int) -> None:
        """The NCP enters the ASH FAILED state and reports it with an ERROR frame."""
        self.ash.fail(code)

    # ---------------------------------------------------------------- devices

    def add_device(self, spec: DeviceSpec) -> Node:
        if spec.name in self.devices:
            raise InputError(f"a device named {spec.name!r} is already running")
        node = kinds()[spec.kind].build(spec)
        member = self.ncp.nvm.members.get(spec.eui64)
        # A device the network already knows, at the same address, is still in it.
        joined = member is not None and member.node_id == spec.node_id
        node.attach(self.air, self.events, joined=joined)
        self.devices[spec.name] = node
        self._specs[spec.name] = spec
        return node

    def remove_device(self, name: str) -> None:
        node = self.device(name)
        node.detach()
        del self.devices[name]
        del self._specs[name]

    def device(self, name: str) -> Node:
        try:
            return self.devices[name]
        except KeyError:
            raise InputError(
                f"no device named {name!r} (devices: {', '.join(self.devices) or 'none'})"
            ) from None

    @property
    def device_specs(self) -> list[DeviceSpec]:
        return list(self._specs.values())

    # ---------------------------------------------------------------- status

    def status(self) -> dict[str, Any]:
        counters = self.ash.counters
        return {
            "ezsp_version": self.radio.ezsp_version,
            "host_connected": any(p is not None and p.connected for p in (self._pty, self._socket)),
            "bytes_dropped_on_pty": self._pty.dropped_bytes if self._pty else 0,
            "ezsp_negotiated": self.ezsp.negotiated,
            "ncp": self.ncp.status(),
            "ash": {
                "state": self.ash.state.value,
                "frames_received": counters.frames_received,
                "frames_sent": counters.frames_sent,
                "data_received": counters.data_received,
                "data_sent": counters.data_sent,
                "retransmissions": counters.retransmissions,
                "duplicates_received": counters.duplicates_received,
                "naks_sent": counters.naks_sent,
                "naks_received": counters.naks_received,
                "ack_timeouts": counters.ack_timeouts,
                "resets": counters.resets,
                "tx_queue_overflows": counters.tx_queue_overflows,
                "bad_frames": dict(counters.bad_frames),
                "dropped": dict(self.line_faults.dropped),
                "corrupted": dict(self.line_faults.corrupted),
            },
            "ezsp": {
                "commands": dict(sorted(self.ezsp.command_counts.items())),
                "unknown_commands": {f"0x{k:04X}": v for k, v in self.ezsp.unknown_commands.items()},
            },
            "faults": self.faults.faults.as_dict(),
            "air": {"airtime_model": self.air.settings.airtime, **self.air.account.as_dict()},
            "devices": [node.status() for node in self.devices.values()],
        }
