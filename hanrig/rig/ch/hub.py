"""The Communications Hub the rig plays: what a CH does on the HAN for SECMP0007.

It runs CBKE with each device that joins (``rig.ch.key_establishment``), serves images
with the rig's OTA server, keeps a GB-HGRP tunnel to each device,
delivers GBCS commands through them and takes in the alerts and responses devices send
back, holds images and discards them on policy, and raises a CCS08 Firmware Transfer
Alert, signed with its own key, for every transfer outcome. Every GBCS message it sends,
receives or raises is decoded, verified and journaled through its message log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import zigpy.device
import zigpy.types
from zigpy.zcl import foundation

from hanrig.bench.errors import ConfigError
from hanrig.bench.identity import KeyEstablishment
from hanrig.gbcs import GbcsMessage, KeyStore, KeyUsage, TransferResult, build_ccs08_alert, encode
from hanrig.rig.ch.counters import OriginatorCounter
from hanrig.rig.ch.images import ImageStore
from hanrig.rig.ch.key_establishment import CbkeNotEstablished, KeyEstablishmentServer, Outcome
from hanrig.rig.ch.messages import Direction, GbcsRecord, MessageLog
from hanrig.rig.ch.tunnels import TunnelManager
from hanrig.rig.coordinator.cbke import NcpCbke
from hanrig.rig.coordinator.coordinator import Coordinator
from hanrig.rig.coordinator.eui import eui_text
from hanrig.rig.coordinator.key_establishment_lane import Partner
from hanrig.rig.errors import InfrastructureError
from hanrig.rig.ota.server import OtaServer
from hanrig.rig.recorder import Recorder
from hanrig.rig.zcl.key_establishment import CLUSTER_ID as KEY_ESTABLISHMENT_CLUSTER
from hanrig.rig.zcl.key_establishment import KeyEstablishment as KeyEstablishmentCluster
from hanrig.rig.zcl.ota_blocks import BlockRequest
from hanrig.rig.zcl.tunneling import Tunneling

LOG = logging.getLogger(__name__)



#: How often an undelivered message is tried again while the device may be asleep.
RETRY_INTERVAL = 0.5


async def _until_delivered(attempt: Callable[[], Awaitable[object]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            await attempt()
            return
        except InfrastructureError as exc:
            if time.monotonic() + RETRY_INTERVAL >= deadline:
                raise InfrastructureError(f"{what}: not delivered within {timeout:g} s ({exc})") from None
            LOG.info("%s: not delivered (%s); trying again, the device may be asleep", what, exc)
            await asyncio.sleep(RETRY_INTERVAL)


class CommsHub:
    """Implements the coordinator's cluster requests; owns the CH's OTA server, tunnels and messages."""

    def __init__(self, *, eui: str, acb: str, keystore: KeyStore, recorder: Recorder,
                 image_retention: float | None, cbke: dict[str, KeyEstablishment] | None = None) -> None:
        ds_key = keystore.private_key(eui, KeyUsage.DIGITAL_SIGNING)
        if ds_key is None:
            raise ConfigError(f"the keystore has no ds private key for the Communications Hub {eui}: "
                              "it signs every CCS08")
        self.eui = eui
        self.acb = acb
        self._ds_key = ds_key
        self._recorder = recorder
        self._counter = OriginatorCounter()
        self.ota = OtaServer()
        self.tunnels = TunnelManager(self._received)
        self.messages = MessageLog(keystore, acb=acb)
        self.messages.add_listener(self._journal)
        self.images = ImageStore(image_retention)
        self.coordinator: Coordinator | None = None
        #: the devices that must run CBKE before the CH uses their Smart Energy clusters, by EUI-64
        self.cbke_devices = dict(cbke or {})
        self.ncp_cbke = NcpCbke(lambda: self._coordinator().app)
        self.key_establishment = KeyEstablishmentServer(self.ncp_cbke, self._send_key_establishment,
                                                        expected=self.cbke_devices.get, record=self._journal_cbke)

    # ---------------------------------------------------------------- the coordinator's cluster requests

    def ota_request(self, cluster: Any, hdr: foundation.ZCLHeader, args: Any) -> bool:
        return self.ota.ota_request(cluster, hdr, args)

    def ota_block_request(self, ieee: zigpy.types.EUI64, request: BlockRequest) -> bool:
        return self.ota.block_request(ieee, request)

    def tunneling_request(self, cluster: Any, hdr: foundation.ZCLHeader, args: Any) -> bool:
        return self.tunnels.tunneling_request(cluster, hdr, args)

    def device_announced(self, ieee: zigpy.types.EUI64) -> None:
        self.tunnels.announced(ieee)

    def key_establishment_request(self, partner: Partner, tsn: int, command: str, args: Any) -> None:
        self.key_establishment.request(partner, tsn, command, args)

    # ---------------------------------------------------------------- key establishment

    def _coordinator(self) -> Coordinator:
        assert self.coordinator is not None, "the hub is not attached to a coordinator"
        return self.coordinator

    async def _send_key_establishment(self, partner: Partner, command: str, tsn: int, fields: dict[str, Any]) -> None:
        definition = getattr(KeyEstablishmentCluster.ClientCommandDefs, command)
        header = foundation.ZCLHeader.cluster(tsn, definition.id, direction=foundation.Direction.Server_to_Client)
        frame = header.serialize() + definition.schema(**fields).serialize()
        await self._coordinator().send_frame(partner.ieee, partner.endpoint, KEY_ESTABLISHMENT_CLUSTER, tsn, frame)

    def _journal_cbke(self, outcome: Outcome) -> None:
        self._recorder.record("cbke", **outcome.as_dict())

    # ---------------------------------------------------------------- GBCS

    def _received(self, ieee: zigpy.types.EUI64, data: bytes) -> None:
        self.messages.record(Direction.FROM_DEVICE, eui_text(ieee), data)

    def raise_ccs08(self, entity: str, firmware_version: bytes, result: TransferResult) -> GbcsRecord:
        """Raise a CCS08 Firmware Transfer Alert to the ACB: 8F8A for success, 8F89 otherwise."""
        message = build_ccs08_alert(chf=self.eui, entity=entity, firmware_version=firmware_version,
                                    response_code=result, when=datetime.now(UTC).replace(microsecond=0),
                                    counter=self._counter.next(), chf_ds_key=self._ds_key, recipient=self.acb)
        return self.messages.record(Direction.RAISED_BY_CH, entity, encode(message))

    def _tunnel_cluster(self, device: zigpy.device.Device) -> Any:
        assert self.coordinator is not None, "the hub is not attached to a coordinator"
        return self.coordinator.smart_energy_endpoint(device, Tunneling.cluster_id, server=True)

    async def authenticate(self, device: zigpy.device.Device, *, timeout: float) -> None:
        """Wait for a device that needs CBKE to finish it; at once for one that does not."""
        if eui_text(device.ieee) in self.cbke_devices:
            try:
                await self.key_establishment.wait_established(device.ieee, timeout=timeout)
            except CbkeNotEstablished as exc:
                raise InfrastructureError(str(exc)) from None

    async def connect(self, device: zigpy.device.Device, *, timeout: float) -> None:
        """Open the GB-HGRP tunnel to a device that has joined, after its key establishment if it needs one."""
        await self.authenticate(device, timeout=timeout)
        if not self.tunnels.is_open(device.ieee):
            cluster = self._tunnel_cluster(device)
            await _until_delivered(lambda: self.tunnels.open(cluster), timeout, f"a tunnel to {device.ieee}")

    async def deliver(self, device: zigpy.device.Device, message: GbcsMessage, *, timeout: float) -> GbcsRecord:
        """Send a GBCS command through the device's tunnel, retrying while it cannot hear (it may be asleep).

        The record is journaled before the first attempt.
        """
        raw = encode(message)
        record = self.messages.record(Direction.TO_DEVICE, eui_text(device.ieee), raw)
        cluster = self._tunnel_cluster(device)
        await _until_delivered(lambda: self.tunnels.send(cluster, raw), timeout, f"{record.describe()}")
        return record

    def _journal(self, record: GbcsRecord) -> None:
        self._recorder.record("gbcs", **record.as_dict())
