"""The emulated NCP without ports or processes: EZSP frames in, frames out, time by hand."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from construct import Container

from hanrig.bench.emulator import AirSettings, Faults
from hanrig.devices.events import EventLog
from hanrig.devices.han.air import Air
from hanrig.devices.ieee import Eui64
from hanrig.devices.radio.ezsp.commands import TABLES
from hanrig.devices.radio.ezsp.handlers import HANDLERS
from hanrig.devices.radio.ezsp.header import FrameFormat, build_frame
from hanrig.devices.radio.ezsp.layer import EzspLayer, Handler
from hanrig.devices.radio.faults import FaultInjector
from hanrig.devices.radio.ncp import FIRMWARE, Ncp
from hanrig.devices.radio.nvm import Nvm, NvmStore
from tests.devices.fakes import ManualScheduler

NCP_EUI64 = Eui64.parse("00:0d:6f:00:00:00:00:01")


class Stack:
    """An NCP speaking EZSP ``version``, and a host side that encodes and decodes with our tables."""

    def __init__(
        self,
        version: int = 13,
        *,
        nvm: Nvm | None = None,
        store: NvmStore | None = None,
        handlers: Mapping[str, Handler] = HANDLERS,
    ) -> None:
        self.clock = ManualScheduler()
        self.events = EventLog(self.clock)
        self.faults = FaultInjector(Faults(), seed=1)
        self.air = Air(self.clock, settings=AirSettings(), faults=self.faults, events=self.events)
        self.ncp = Ncp(
            firmware=FIRMWARE[version],
            nvm=nvm or Nvm(eui64=NCP_EUI64),
            store=store or NvmStore(None, ezsp_version=version),
            air=self.air,
            faults=self.faults,
            events=self.events,
        )
        self.air.attach(self.ncp)
        self.air.trust_center = self.ncp
        self.table = TABLES[version]
        self.sent: list[bytes] = []
        self.layer = EzspLayer(
            table=self.table,
            handlers=handlers,
            ncp=self.ncp,
            send=self.sent.append,
            scheduler=self.clock,
            stack_type=2,
            stack_version=FIRMWARE[version].stack_version,
        )
        self.ncp.host = self.layer
        self._sequence = 0

    def negotiate(self) -> None:
        self.layer.receive(bytes([0, 0, 0, self.table.version]))
        self.sent.clear()

    def command(self, name: str, **params: Any) -> Container:
        """Send a command; return its decoded response (callbacks stay in ``sent``)."""
        self._sequence = (self._sequence + 1) & 0xFF
        frame = self.table[name]
        data = build_frame(
            self._sequence, frame.frame_id, frame.parameters.build(params), frame_format=FrameFormat.EXTENDED
        )
        # A command frame has the response bit clear.
        data = data[:1] + bytes([data[1] & 0x7F]) + data[2:]
        before = len(self.sent)
        self.layer.receive(data)
        response = self.sent[before]
        assert response[0] == self._sequence and int.from_bytes(response[3:5], "little") == frame.frame_id, (
            response.hex()
        )
        del self.sent[before]
        return frame.response.parse(response[5:])

    def callbacks(self, name: str | None = None) -> list[tuple[str, Container]]:
        """Callbacks sent since the last call, decoded (and forgotten)."""
        found = []
        for data in self.sent:
            frame = self.table.by_id(int.from_bytes(data[3:5], "little"))
            assert frame is not None
            found.append((frame.name, frame.response.parse(data[5:])))
        self.sent.clear()
        return [c for c in found if name is None or c[0] == name]

    def form(self, channel: int = 15) -> None:
        self.command(
            "formNetwork",
            parameters={
                "extended_pan_id": Eui64(0x1122334455667788),
                "pan_id": 0x1A2B,
                "radio_tx_power": 8,
                "radio_channel": channel,
                "join_method": 0,
                "nwk_manager_id": 0,
                "nwk_update_id": 0,
                "channels": 1 << channel,
            },
        )
