"""The emulated PPMID and HCALCS driven by a plain bellows/zigpy host, the emulator in its own process.

The host plays the CH with zigpy's own cluster commands: it opens the GB-HGRP tunnel with
the rig's Tunneling declaration, serves the OTA image from a test-local server (the rig's
real OTA server is not under test here), and sends CS06 and CS08 built by ``gbcs``. What
the devices send back is decoded and verified with ``gbcs`` and the project's test keys.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import zigpy.types as t
from zigpy.zcl import foundation
from zigpy.zcl.clusters.general import Ota

from hanrig import testpki
from hanrig.gbcs import (
    ActivateFirmwareOutcome,
    ActivateImageResult,
    ActivationResult,
    FirmwareActivationAlert,
    GbcsMessage,
    GbzFirmwareReceiptAlert,
    ReadFirmwareVersionResponse,
    ReadResult,
    Verdict,
    encode,
    parse_image,
)
from hanrig.rig.zcl.tunneling import Tunneling
from tests.devices.conftest import StartApp, StartEmulator
from tests.devices.gb_fakes import EUIS, TRUST, Seen, cs06, cs08, device_entry, make_image, seen
from tests.devices.harness import (
    SMART_ENERGY_PROFILE,
    EmulatorProcess,
    Listener,
    SmartEnergyApplication,
    send_fragmented,
)

TIMEOUT = 30.0


def _zigbee_eui(kind: str) -> str:
    return ":".join(EUIS[kind][i:i + 2] for i in range(0, 16, 2)).lower()


class OtaServer:
    """One image served the way a CH serves it, with zigpy's OTA cluster commands."""

    def __init__(self, device: Any, image: bytes) -> None:
        self.device = device
        self.image = image
        self.cluster = device.endpoints[1].out_clusters[Ota.cluster_id]
        header = parse_image(image).header
        self.id = {"manufacturer_code": header.manufacturer_code, "image_type": header.image_type,
                   "file_version": header.file_version}
        self.queries: list[Any] = []
        self.blocks: list[Any] = []
        self.ended: asyncio.Future[foundation.Status] = asyncio.get_running_loop().create_future()

    @contextlib.contextmanager
    def serving(self) -> Iterator[OtaServer]:
        app = self.device.application
        handlers = [(Ota.ServerCommandDefs.query_next_image, self._query),
                    (Ota.ServerCommandDefs.image_block, self._block),
                    (Ota.ServerCommandDefs.upgrade_end, self._upgrade_end)]
        self.device.ota_in_progress = True  # zigpy answers OTA requests itself otherwise
        with contextlib.ExitStack() as stack:
            for command, handler in handlers:
                stack.enter_context(app.callback_for_response(src=self.device, filters=[command.schema()],
                                                              callback=handler))
            yield self
        self.device.ota_in_progress = False

    async def notify(self) -> None:
        await self.cluster.image_notify(payload_type=Ota.ImageNotifyCommand.PayloadType.QueryJitter,
                                        query_jitter=100)

    async def _query(self, hdr: foundation.ZCLHeader, command: Any) -> None:
        self.queries.append(command)
        await self.cluster.query_next_image_response(status=foundation.Status.SUCCESS, **self.id,
                                                     image_size=len(self.image), tsn=hdr.tsn)

    async def _block(self, hdr: foundation.ZCLHeader, command: Any) -> None:
        self.blocks.append(command)
        data = self.image[command.file_offset:command.file_offset + command.maximum_data_size]
        await self.cluster.image_block_response(status=foundation.Status.SUCCESS, **self.id,
                                                file_offset=command.file_offset, image_data=data, tsn=hdr.tsn)

    async def _upgrade_end(self, hdr: foundation.ZCLHeader, command: Any) -> None:
        if command.status == foundation.Status.SUCCESS:
            await self.cluster.upgrade_end_response(**self.id, current_time=0, upgrade_time=0, tsn=hdr.tsn)
        if not self.ended.done():
            self.ended.set_result(command.status)


class Ch:
    """The host as the CH on the device's tunnel: GBCS out, GBCS in."""

    def __init__(self, app: Any, device: Any, listener: Listener) -> None:
        self.app, self.device, self.listener = app, device, listener
        self.tunneling: Tunneling = device.endpoints[1].in_clusters[Tunneling.cluster_id]
        self.tunnel_id: int | None = None

    async def open_tunnel(self) -> Any:
        response = await asyncio.wait_for(self.tunneling.request_tunnel(
            protocol_id=6, manufacturer_code=0xFFFF, flow_control_support=False,
            maximum_incoming_transfer_size=1500), TIMEOUT)
        self.tunnel_id = response.tunnel_id
        return response

    async def send(self, message: GbcsMessage) -> None:
        header = foundation.ZCLHeader.cluster(self.app.get_sequence(), Tunneling.ServerCommandDefs.transfer_data.id)
        body = Tunneling.ServerCommandDefs.transfer_data.schema(tunnel_id=self.tunnel_id, data=t.Bytes(encode(message)))
        await send_fragmented(self.app, self.device.nwk, header.serialize() + body.serialize(),
                              cluster=Tunneling.cluster_id, profile=SMART_ENERGY_PROFILE)

    async def receive(self) -> Seen:
        """The next GBCS message the device sends through its tunnel."""
        while True:
            _, _, cluster, data = await asyncio.wait_for(self.listener.arrivals.get(), TIMEOUT)
            if cluster != Tunneling.cluster_id:
                continue
            hdr, args = self.tunneling.deserialize(data)
            if hdr.direction == foundation.Direction.Server_to_Client and hdr.command_id == 0x01:
                return seen(bytes(args.data))


async def _joined(kind: str, emulator: StartEmulator, application: StartApp, **entry: Any
                  ) -> tuple[EmulatorProcess, Any, Ch]:
    config = {"coordinator": {"emulator": {}}, "gbcs": TRUST, "devices": [device_entry(kind, **entry)]}
    emu = await emulator(config=config)
    # A configured channel: forming with a scan makes bellows hand zigpy every message twice.
    app = await application(emu.port, auto_form=True, app_class=SmartEnergyApplication, network={"channel": 15})
    listener = Listener()
    app.add_listener(listener)
    listener.expect([_zigbee_eui(kind)])
    await app.permit(60)
    device = await listener.device(_zigbee_eui(kind))
    return emu, device, Ch(app, device, listener)


async def _back_after_restart(emu: EmulatorProcess, kind: str) -> None:
    """Wait until the device has restarted into its new image and rejoined the air."""
    activated = await emu.request("wait_event", kind="activated", source=kind, timeout=TIMEOUT)
    await emu.request("wait_event", kind="powered_on", source=kind, after=activated["sequence"], timeout=TIMEOUT)


async def test_a_ppmid_is_interviewed_on_the_smart_energy_profile_as_a_prepayment_terminal(
    emulator: StartEmulator, application: StartApp
) -> None:
    _, device, ch = await _joined("ppmid", emulator, application)
    endpoint = device.endpoints[1]
    assert (endpoint.profile_id, endpoint.device_type, device.model) == (SMART_ENERGY_PROFILE, 0x0506, "PPMID")
    assert {0x0000, 0x0704} <= set(endpoint.in_clusters) and 0x0019 in endpoint.out_clusters
    ota = endpoint.out_clusters[Ota.cluster_id]
    read, failed = await asyncio.wait_for(ota.read_attributes(
        ["current_file_version", "image_upgrade_status", "manufacturer_id", "upgrade_activation_policy"],
        allow_cache=False), TIMEOUT)
    assert (read, failed) == ({"current_file_version": 1, "image_upgrade_status": 0, "manufacturer_id": 0x121D,
                               "upgrade_activation_policy": 0}, {})
    response = await ch.open_tunnel()
    assert (response.tunnel_status, response.maximum_incoming_transfer_size) == (
        Tunneling.TunnelStatus.Success, 1500)


async def test_a_ppmid_downloads_activates_and_reports_cs09_then_answers_cs08(
    emulator: StartEmulator, application: StartApp
) -> None:
    emu, device, ch = await _joined("ppmid", emulator, application)
    await ch.open_tunnel()
    server = OtaServer(device, make_image("ppmid"))
    with server.serving():
        await server.notify()
        assert await asyncio.wait_for(server.ended, TIMEOUT) == foundation.Status.SUCCESS
    assert server.queries[0].hardware_version == 0x1111
    assert {block.maximum_data_size for block in server.blocks} == {64}
    await _back_after_restart(emu, "ppmid")
    await ch.open_tunnel()
    alert = await ch.receive()
    assert (alert.message.originator, alert.message.recipient, alert.verification.signature) == (
        testpki.PPMID, testpki.ACB, Verdict.VALID)
    assert isinstance(alert.payload, FirmwareActivationAlert)
    assert (alert.payload.firmware_version, alert.payload.result) == (bytes.fromhex("00000002"),
                                                                      ActivateImageResult.SUCCESS)
    await ch.send(cs08("ppmid", counter=3000))
    response = await ch.receive()
    assert response.payload == ReadFirmwareVersionResponse(bytes.fromhex("00000002"), ReadResult.READ_SUCCESS)
    assert response.verification.mac is Verdict.VALID


async def test_an_hcalcs_reports_fdra_and_activates_only_on_cs06_then_answers_cs08(
    emulator: StartEmulator, application: StartApp
) -> None:
    emu, device, ch = await _joined("hcalcs", emulator, application)
    await ch.open_tunnel()
    image = make_image("hcalcs")
    image_hash = parse_image(image).manufacturer_image_hash
    server = OtaServer(device, image)
    with server.serving():
        await server.notify()
        fdra = await ch.receive()
        assert await asyncio.wait_for(server.ended, TIMEOUT) == foundation.Status.SUCCESS
    assert isinstance(fdra.payload, GbzFirmwareReceiptAlert) and fdra.payload.calculated_hash == image_hash
    assert (fdra.message.recipient, fdra.verification.signature) == (testpki.SUPPLIER, Verdict.VALID)
    status = await emu.request("device_command", name="hcalcs", command="status")
    assert (status["firmware"]["running_version"], status["ota"]["state"]) == (
        "0x00000001", "waiting_to_upgrade_via_external_event")

    await ch.send(cs06("hcalcs", image_hash, counter=5000))
    await _back_after_restart(emu, "hcalcs")
    await ch.open_tunnel()
    response = await ch.receive()
    assert response.payload == ActivateFirmwareOutcome(ActivationResult.SUCCESS, bytes.fromhex("00000002"))
    assert (response.message.counter, response.verification.signature) == (5000, Verdict.VALID)
    await ch.send(cs08("hcalcs", counter=5001))
    assert (await ch.receive()).payload.firmware_version == bytes.fromhex("00000002")


async def test_a_ppmid_that_reboots_mid_download_resumes_from_its_offset(
    emulator: StartEmulator, application: StartApp
) -> None:
    emu, device, ch = await _joined("ppmid", emulator, application, faults={"reboot_at": 40},
                                    behaviour={"resume": True, "reboot_on_activation": False})
    await ch.open_tunnel()
    server = OtaServer(device, make_image("ppmid"))
    with server.serving():
        await server.notify()
        assert await asyncio.wait_for(server.ended, TIMEOUT) == foundation.Status.SUCCESS
    assert len(server.queries) == 2
    assert [block.file_offset for block in server.blocks] == [0, 64, 128, 192, 256, 320]
    fired = await emu.request("wait_event", kind="fault", source="ppmid", timeout=TIMEOUT)
    assert fired["fault"] == "reboot_at"
    await ch.open_tunnel()
    alert = await ch.receive()
    assert alert.payload.result is ActivateImageResult.SUCCESS
