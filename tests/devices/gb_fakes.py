"""A scripted Communications Hub for unit tests of the GB devices, and the devices' configs.

``ScriptedCh`` stands where the NCP stands on the virtual HAN: it serves one OTA image the
way the test says (blocks, pages, WAIT_FOR_DATA, wrong offsets, silence), opens a tunnel
and sends GBCS through it, and keeps every frame the device sends, decoded. Time is a
``ManualScheduler``, so a test says how long passes. The frames are built and read with
the device's own cluster declarations; the end-to-end tests check them against zigpy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from construct import Container
from cryptography.hazmat.primitives.asymmetric import ec

from hanrig import testpki
from hanrig.devices.events import EventLog
from hanrig.devices.gb.device import GbDevice
from hanrig.devices.gb.ota_client import OTA_UPGRADE
from hanrig.devices.gb.tunnel import TUNNELING
from hanrig.devices.han.air import AckTiming, Air, Link
from hanrig.devices.han.aps import SMART_ENERGY_PROFILE, ApsMessage, BroadcastAddress, Delivery
from hanrig.devices.han.fragmentation import FragmentedSend, Reassembler
from hanrig.devices.han.kinds import kinds
from hanrig.devices.han.zcl.cluster import ClusterDef
from hanrig.devices.han.zcl.foundation import DefaultResponse, GlobalCommand, Status
from hanrig.devices.han.zcl.frame import Direction, FrameType, ZclFrame
from hanrig.devices.spec import parse_config
from hanrig.gbcs import (
    Eui64,
    GbcsMessage,
    ImageForm,
    KeyStore,
    Payload,
    Verification,
    alert_code_of,
    build_cs06_command,
    build_cs08_command,
    build_image,
    decode,
    decode_payload,
    encode_image,
    sign_image,
    verify,
)
from tests.devices.fakes import ManualScheduler
from tests.devices.han_fakes import FakeCoordinator, make_air
from tests.paths import REPO

NEW_YEAR = datetime(2026, 1, 1, tzinfo=UTC)
KEYSTORE = REPO / "hanrig" / "testpki" / "keys"
TRUST = {"keystore": str(KEYSTORE), "acb": testpki.ACB, "supplier": testpki.SUPPLIER,
         "comms_hub": testpki.COMMS_HUB}
MANUFACTURER = 0x121D
HARDWARE = 0x1111
IMAGE_TYPES = {"ppmid": 0x0084, "hcalcs": 0x0085}
EUIS = {"ppmid": testpki.PPMID, "hcalcs": testpki.HCALCS}
NODE_IDS = {"ppmid": 0x4A4A, "hcalcs": 0x5A5A}
CH_ENDPOINT = 1
OTA = OTA_UPGRADE.cluster_id
TUNNEL = TUNNELING.cluster_id


def device_entry(kind: str, *, behaviour: Mapping[str, Any] | None = None,
                 faults: Mapping[str, Any] | None = None, **emulated: Any) -> dict[str, Any]:
    """A ``devices[]`` entry for a PPMID or HCALCS with the project's test keys."""
    return {"name": kind, "type": kind, "emulated": {
        "eui64": EUIS[kind], "node_id": NODE_IDS[kind], "manufacturer_code": MANUFACTURER,
        "image_type": IMAGE_TYPES[kind], "hardware_version": HARDWARE, "firmware_version": 1,
        "behaviour": dict(behaviour or {}), "faults": dict(faults or {}), **emulated}}


def make_device(kind: str, *, now: datetime = NEW_YEAR, **entry: Any) -> GbDevice:
    """A device built from its config, on a clock that says ``now``."""
    (spec,) = parse_config({"gbcs": TRUST, "devices": [device_entry(kind, **entry)]}).devices
    device_class = kinds()[kind].build
    assert isinstance(device_class, type) and issubclass(device_class, GbDevice)
    return device_class(spec, utc_now=lambda: now)


def make_image(kind: str, *, version: int = 2, size: int = 300, signed: bool = False,
               hardware: tuple[int, int] = (0x1000, 0x2000), manufacturer: int = MANUFACTURER,
               image_type: int | None = None, destination: str | None = None) -> bytes:
    """An OTA file in the GBCS form for ``kind``, optionally Supplier-signed with the test key."""
    image = build_image(manufacturer_code=manufacturer, image_type=IMAGE_TYPES[kind] if image_type is None
                        else image_type, file_version=version,
                        manufacturer_image=bytes((i * 7 + 3) & 0xFF for i in range(size)),
                        form=ImageForm.GBCS, hardware_versions=hardware, header_text=f"hanrig {kind} test",
                        upgrade_file_destination=destination)
    if signed:
        image = sign_image(image, testpki.private_key(testpki.SUPPLIER, "ds"))
    return encode_image(image)


@dataclass
class Received:
    """A frame the device sent to the CH, decoded."""

    cluster: int
    frame: ZclFrame
    #: the command's name and fields, for cluster-specific commands the CH understands
    name: str | None = None
    fields: Container | None = None


@dataclass
class OtaScript:
    """How the scripted OTA server answers; change it as the test goes."""

    image: bytes | None = None
    #: answer requests at all (False: the server is silent)
    answering: bool = True
    max_block: int = 64
    pages_supported: bool = True
    #: the next Image Block Request gets WAIT_FOR_DATA(request time - current time, minimum block period)
    wait_for_data: tuple[int, int | None] | None = None
    #: the next block response names this offset instead of the one asked for
    wrong_offset: int | None = None
    #: the next block response names this file version instead of the image's
    wrong_version: int | None = None
    #: the next block request is answered with this status (ABORT, NO_IMAGE_AVAILABLE)
    refuse_block: int | None = None
    #: serve this many blocks, then fall silent
    silent_after_blocks: int | None = None
    #: Upgrade End Response: seconds until the upgrade, or None for 0xFFFFFFFF (wait)
    upgrade_in: int | None = 0
    current_time: int = 0x30000000
    served: list[tuple[int, int]] = field(default_factory=list)


class ScriptedCh(FakeCoordinator):
    """The coordinator as the CH: OTA server on endpoint 1, tunnel client, GBCS peer."""

    def __init__(self, air: Air, clock: ManualScheduler, device: GbDevice) -> None:
        super().__init__()
        self.air = air
        self.clock = clock
        self.device = device
        self.ota = OtaScript()
        self.frames: list[Received] = []
        self.gbcs: list[bytes] = []
        #: whether each unicast the CH sent was delivered (APS-acknowledged), in order
        self.delivered: list[bool] = []
        self.tunnel_id: int | None = None
        self._reassembler = Reassembler(clock)
        self._tsn = 0x80

    # ---------------------------------------------------------------- what the device sent

    def receive(self, message: ApsMessage, link: Link) -> AckTiming:
        if message.fragment is not None:
            whole = self._reassembler.add(message)
            if whole is None:
                return AckTiming.NOW
            message = whole
        self.received.append(message)
        if message.is_zdo or message.cluster_id not in (OTA, TUNNEL):
            return AckTiming.NOW
        frame = ZclFrame.parse(message.payload)
        received = Received(message.cluster_id, frame)
        if frame.frame_type is FrameType.CLUSTER:
            definition = OTA_UPGRADE if message.cluster_id == OTA else TUNNELING
            command = definition.command(frame.direction, frame.command_id)
            received.name, received.fields = command.name, command.schema.parse(frame.payload)
        self.frames.append(received)
        if received.name == "transfer_data":
            self.gbcs.append(bytes(received.fields.data))
        elif message.cluster_id == OTA and received.name is not None and self.ota.answering:
            self._serve(received)
        return AckTiming.NOW

    def requests(self, name: str) -> list[Container]:
        return [r.fields for r in self.frames if r.name == name]

    def default_responses(self, cluster: int) -> list[Container]:
        return [DefaultResponse.parse(r.frame.payload) for r in self.frames
                if r.cluster == cluster and r.frame.frame_type is FrameType.GLOBAL
                and r.frame.command_id == GlobalCommand.DEFAULT_RESPONSE]

    def refusals(self, cluster: int) -> list[tuple[int, Status]]:
        """The device's Default Responses other than SUCCESS: (command id, status)."""
        return [(r.command_id, r.status) for r in self.default_responses(cluster) if r.status != Status.SUCCESS]

    # ---------------------------------------------------------------- sending to the device

    def send(self, cluster: ClusterDef, command: str, fields: Mapping[str, Any], *,
             broadcast: bool = False, tsn: int | None = None, source_endpoint: int = CH_ENDPOINT) -> int:
        definition = cluster.command(Direction.SERVER_TO_CLIENT if cluster is OTA_UPGRADE
                                     else Direction.CLIENT_TO_SERVER, command)
        direction = Direction.SERVER_TO_CLIENT if cluster is OTA_UPGRADE else Direction.CLIENT_TO_SERVER
        tsn = self._next_tsn() if tsn is None else tsn
        frame = ZclFrame(FrameType.CLUSTER, direction, tsn, definition.command_id,
                         definition.schema.build(dict(fields)))
        self.send_raw(cluster.cluster_id, frame.to_bytes(), broadcast=broadcast, source_endpoint=source_endpoint)
        return tsn

    def send_raw(self, cluster_id: int, payload: bytes, *, broadcast: bool = False,
                 source_endpoint: int = CH_ENDPOINT, profile_id: int = SMART_ENERGY_PROFILE) -> None:
        message = ApsMessage(
            source=0x0000, destination=BroadcastAddress.ALL_DEVICES if broadcast else self.device.node_id,
            profile_id=profile_id, cluster_id=cluster_id, source_endpoint=source_endpoint,
            destination_endpoint=1, payload=payload, delivery=Delivery.BROADCAST if broadcast else Delivery.UNICAST,
            ack_requested=not broadcast, counter=self._next_tsn())
        if broadcast:
            self.air.send(message)
        elif len(payload) > 82:
            FragmentedSend(message, size=80, window=1, send_frame=self.air.send, on_done=self.delivered.append).start()
        else:
            self.air.send(message, self.delivered.append)

    def _next_tsn(self) -> int:
        self._tsn = (self._tsn + 1) & 0xFF
        return self._tsn

    def notify(self, *, payload_type: int = 0, jitter: int = 100, broadcast: bool = False,
               **fields: Any) -> None:
        self.send(OTA_UPGRADE, "image_notify", {"payload_type": payload_type, "query_jitter": jitter,
                                               "manufacturer_code": None, "image_type": None,
                                               "new_file_version": None, **fields}, broadcast=broadcast)

    def open_tunnel(self, *, protocol_id: int = 6, manufacturer_code: int = 0xFFFF,
                    flow_control: bool = False, source_endpoint: int = CH_ENDPOINT) -> Container:
        self.send(TUNNELING, "request_tunnel", {"protocol_id": protocol_id, "manufacturer_code": manufacturer_code,
                                                "flow_control_support": flow_control,
                                                "maximum_incoming_transfer_size": 1500},
                  source_endpoint=source_endpoint)
        self.clock.advance(0.1)
        (response, *_) = reversed(self.requests("request_tunnel_response"))
        if response.tunnel_status == 0:
            self.tunnel_id = response.tunnel_id
        return response

    def send_gbcs(self, data: bytes, *, tunnel_id: int | None = None, source_endpoint: int = CH_ENDPOINT) -> None:
        self.send(TUNNELING, "transfer_data", {"tunnel_id": self.tunnel_id if tunnel_id is None else tunnel_id,
                                               "data": data}, source_endpoint=source_endpoint)

    # ---------------------------------------------------------------- the OTA server

    def _serve(self, request: Received) -> None:
        script, fields, tsn = self.ota, request.fields, request.frame.tsn
        assert fields is not None
        if request.name == "query_next_image":
            if script.image is None:
                self._answer("query_next_image_response", {"status": Status.NO_IMAGE_AVAILABLE, "offer": None}, tsn)
                return
            header = _header_of(script.image)
            self._answer("query_next_image_response", {"status": Status.SUCCESS, "offer": {
                **header, "image_size": len(script.image)}}, tsn)
        elif request.name == "image_block":
            self._serve_block(fields, tsn)
        elif request.name == "image_page":
            if not script.pages_supported:
                self._default_response(request, Status.UNSUP_CLUSTER_COMMAND)
                return
            self._serve_page(fields, tsn)
        elif request.name == "upgrade_end":
            if fields.status != Status.SUCCESS or script.image is None:
                self._default_response(request, Status.SUCCESS)
                return
            upgrade_time = 0xFFFFFFFF if script.upgrade_in is None else script.current_time + script.upgrade_in
            self._answer("upgrade_end_response", {**_header_of(script.image), "current_time": script.current_time,
                                                  "upgrade_time": upgrade_time}, tsn)

    def _serve_block(self, fields: Container, tsn: int | None) -> None:
        script = self.ota
        if script.image is None:
            self._answer("image_block_response", {"status": Status.NO_IMAGE_AVAILABLE, "block": None, "wait": None},
                         tsn)
            return
        if script.silent_after_blocks is not None and len(script.served) >= script.silent_after_blocks:
            return
        if script.refuse_block is not None:
            status, script.refuse_block = script.refuse_block, None
            self._answer("image_block_response", {"status": status, "block": None, "wait": None}, tsn)
            return
        if script.wait_for_data is not None:
            (delay, period), script.wait_for_data = script.wait_for_data, None
            self._answer("image_block_response", {"status": Status.WAIT_FOR_DATA, "block": None, "wait": {
                "current_time": script.current_time, "request_time": script.current_time + delay,
                "minimum_block_period": period}}, tsn)
            return
        self._send_block(fields.file_offset, min(fields.maximum_data_size, script.max_block), tsn)

    def _send_block(self, offset: int, size: int, tsn: int | None) -> int:
        script = self.ota
        assert script.image is not None
        data = script.image[offset:offset + size]
        header = _header_of(script.image)
        if script.wrong_version is not None:
            header["file_version"], script.wrong_version = script.wrong_version, None
        named_offset = offset
        if script.wrong_offset is not None:
            named_offset, script.wrong_offset = script.wrong_offset, None
        script.served.append((offset, len(data)))
        self._answer("image_block_response", {"status": Status.SUCCESS, "wait": None, "block": {
            **header, "file_offset": named_offset, "image_data": data}}, tsn)
        return len(data)

    def _serve_page(self, fields: Container, tsn: int) -> None:
        script = self.ota
        assert script.image is not None
        end = min(fields.file_offset + fields.page_size, len(script.image))
        offset, delay = fields.file_offset, 0.0
        first: int | None = tsn
        while offset < end:
            size = min(fields.maximum_data_size, script.max_block, end - offset)
            self.clock.call_later(delay, self._send_block, offset, size, first)
            offset += size
            first = None
            delay += fields.response_spacing / 1000

    def _answer(self, command: str, fields: Mapping[str, Any], tsn: int | None) -> None:
        self.send(OTA_UPGRADE, command, fields, tsn=tsn)

    def _default_response(self, request: Received, status: Status) -> None:
        frame = request.frame.answer(FrameType.GLOBAL, GlobalCommand.DEFAULT_RESPONSE,
                                     DefaultResponse.build({"command_id": request.frame.command_id, "status": status}))
        self.send_raw(request.cluster, frame.to_bytes())


def _header_of(image: bytes) -> dict[str, int]:
    return {"manufacturer_code": int.from_bytes(image[10:12], "little"),
            "image_type": int.from_bytes(image[12:14], "little"),
            "file_version": int.from_bytes(image[14:18], "little")}


@dataclass
class Rig:
    """A device joined to a scripted CH on a virtual HAN whose time the test moves."""

    device: GbDevice
    ch: ScriptedCh
    clock: ManualScheduler
    events: EventLog

    def run(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        return [dict(e.details) for e in self.events.since() if e.source == self.device.name and e.kind == kind]


def on_air(device: GbDevice) -> Rig:
    """``device`` on a HAN whose coordinator is a ``ScriptedCh``, already in the network."""
    placeholder = FakeCoordinator()
    air, _, clock, events = make_air(coordinator=placeholder)
    air.detach(placeholder)
    ch = ScriptedCh(air, clock, device)
    air.attach(ch)
    air.trust_center = ch
    device.attach(air, events, joined=True)
    return Rig(device, ch, clock, events)


# ---------------------------------------------------------------- GBCS as the CH's partners send it

SUPPLIER_DS = testpki.private_key(testpki.SUPPLIER, "ds")
ACB_KA = testpki.private_key(testpki.ACB, "ka")


def device_ka_public(kind: str) -> ec.EllipticCurvePublicKey:
    return testpki.private_key(EUIS[kind], "ka").public_key()


def cs06(kind: str, manufacturer_image_hash: bytes, *, counter: int = 1001,
         execution_date_time: datetime | None = None) -> GbcsMessage:
    """CS06 Activate Firmware as the Supplier signs it and the ACB MACs it."""
    return build_cs06_command(supplier=Eui64(testpki.SUPPLIER), device=Eui64(EUIS[kind]),
                              manufacturer_image_hash=manufacturer_image_hash, counter=counter,
                              supplier_ds_key=SUPPLIER_DS, mac_private_key=ACB_KA,
                              mac_peer_public_key=device_ka_public(kind), execution_date_time=execution_date_time)


def cs08(kind: str, *, counter: int = 2001, supplier_counter: int = 77) -> GbcsMessage:
    """CS08 Read Firmware Version as the ACB sends it for the Supplier."""
    return build_cs08_command(device=Eui64(EUIS[kind]), supplier=Eui64(testpki.SUPPLIER), counter=counter,
                              supplier_counter=supplier_counter, mac_private_key=ACB_KA,
                              mac_peer_public_key=device_ka_public(kind), acb=Eui64(testpki.ACB))


@dataclass(frozen=True)
class Seen:
    """A GBCS message the device sent, decoded and checked with the test keystore."""

    message: GbcsMessage
    payload: Payload
    verification: Verification

    @property
    def alert_code(self) -> int | None:
        return alert_code_of(self.payload)


def seen(data: bytes) -> Seen:
    message = decode(data)
    return Seen(message, decode_payload(message), verify(message, KeyStore.load(KEYSTORE), acb=Eui64(testpki.ACB)))
