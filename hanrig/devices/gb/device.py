"""What a PPMID and an HCALCS share: one Smart Energy endpoint, OTA, tunnel, GBCS, sleep and restarts.

``GbDevice`` is the host its parts run on (``OtaHost``, ``TunnelHost``, ``LinkHost``): it
sends their ZCL commands, keeps their timers on the emulator's clock, draws their random
choices from streams seeded by the emulator's seed and the device's name, and records
what happens in the event log. The kinds (``ppmid``, ``hcalcs``) add how a verified image
is reported and when it is activated.

Control-plane commands (``EmulatorControl.device_command(name, command, args)``):

* ``status``: the device's state (firmware, OTA, tunnels, outbox, behaviour, faults);
* ``set_behaviour`` / ``set_faults``: ``args`` are settings to change, as in the config;
  the answer is all of them;
* ``restart``: reboot now; ``wake``: a sleepy device wakes now; ``query``: send Query Next
  Image now.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from hanrig.devices.errors import InputError
from hanrig.devices.events import EventLog
from hanrig.devices.gb.behaviours import Behaviour, Faults
from hanrig.devices.gb.firmware import Firmware, HeldImage, Identity, Rejection, check_download, version_octets
from hanrig.devices.gb.gbcs_link import Command, GbcsLink
from hanrig.devices.gb.key_establishment import CLUSTER_ID as KEY_ESTABLISHMENT_CLUSTER
from hanrig.devices.gb.key_establishment import KeyEstablishmentClient
from hanrig.devices.gb.ota_client import ActivationPolicy, Download, OtaClient
from hanrig.devices.gb.profile import ENDPOINT, SMART_ENERGY_PROFILE, Address, ClusterId, SeDeviceId, declared_only
from hanrig.devices.gb.settings import GbSettings
from hanrig.devices.gb.tunnel import TunnelServer
from hanrig.devices.han.air import Air
from hanrig.devices.han.aps import HOME_AUTOMATION_PROFILE, ApsMessage
from hanrig.devices.han.kinds import DeviceSpec
from hanrig.devices.han.node import Endpoint, Node
from hanrig.devices.han.zcl.basic import PowerSource, basic_server
from hanrig.devices.han.zcl.cluster import Cluster, Role
from hanrig.devices.han.zcl.foundation import Status
from hanrig.devices.han.zcl.frame import Direction, FrameType, ZclFrame
from hanrig.devices.han.zdo import LogicalType, ZdoCluster, match_descriptor_request, matching_endpoints
from hanrig.devices.ieee import COORDINATOR_NODE_ID, Eui64
from hanrig.devices.scheduling import Timer
from hanrig.gbcs import AlertForm, MessageCode, ReadResult, build_cs08_response

UtcClock = Callable[[], datetime]


def wall_clock() -> datetime:
    """Now, in whole seconds (GBZ timestamps carry no fraction)."""
    return datetime.now(UTC).replace(microsecond=0)


class GbDevice(Node):
    """A GB HAN device: Basic, OTA Upgrade client and Tunneling server on one SE endpoint."""

    DEVICE_ID: ClassVar[SeDeviceId]
    ACTIVATION_POLICY: ClassVar[ActivationPolicy]
    #: the GBCS message codes the device acts on
    SERVES: ClassVar[frozenset[int]]
    #: client clusters listed in the simple descriptor whose traffic hanrig does not model
    DECLARED_CLIENTS: ClassVar[tuple[ClusterId, ...]]

    def __init__(self, spec: DeviceSpec, *, utc_now: UtcClock = wall_clock) -> None:
        settings: GbSettings = spec.settings
        self.settings = settings
        self._behaviour = settings.behaviour
        self._faults = settings.faults
        self._utc_now = utc_now
        self.keys = settings.keys
        identity = self.identity = Identity.of(spec.identity)
        self.firmware = Firmware(identity.firmware_version)
        #: the version the device says it runs (a fault can make it lie)
        self.reported_version = identity.firmware_version
        self.ota = OtaClient(identity=identity, current_version=identity.firmware_version,
                             activation_policy=self.ACTIVATION_POLICY, host=self)
        self.tunnel = TunnelServer(self)
        cbke = spec.identity.cbke
        self.key_establishment = KeyEstablishmentClient(self, cbke, eui64=spec.eui64) if cbke is not None else None
        # Counters start from the clock in milliseconds, so they keep growing across emulator runs.
        self.gbcs = GbcsLink(settings.keys, serves=self.SERVES, host=self,
                             first_counter=int(utc_now().timestamp() * 1000))
        sleepy = settings.behaviour.sleepy is not None
        self.basic = basic_server(manufacturer=settings.manufacturer, model=settings.model,
                                  power_source=PowerSource.BATTERY if sleepy else PowerSource.MAINS_SINGLE_PHASE,
                                  sw_build_id=f"{identity.firmware_version:08X}")
        clusters = [self.basic, self.ota.cluster, self.tunnel.cluster,
                    *(Cluster(declared_only(cluster_id), Role.CLIENT) for cluster_id in self.DECLARED_CLIENTS)]
        if self.key_establishment is not None:
            clusters.append(self.key_establishment.cluster)
        super().__init__(
            name=spec.name,
            eui64=spec.eui64,
            node_id=spec.node_id,
            endpoints=[Endpoint(ENDPOINT, profile_id=SMART_ENERGY_PROFILE, device_id=self.DEVICE_ID,
                                clusters=clusters, also_accepts=_other_profiles(settings.behaviour))],
            logical_type=LogicalType.END_DEVICE if sleepy else LogicalType.ROUTER,
            manufacturer_code=identity.manufacturer_code,
            mains_powered=not sleepy,
            link_key=spec.link_key,
            auto_join=spec.auto_join,
        )
        self.asleep = False
        self._sleep_timer: Timer | None = None
        self._on_boot: list[Callable[[], None]] = []

    # ---------------------------------------------------------------- settings (the hosts' view)

    @property
    def behaviour(self) -> Behaviour:
        return self._behaviour

    @property
    def faults(self) -> Faults:
        return self._faults

    @property
    def alert_form(self) -> AlertForm:
        return self._behaviour.alert_form

    def set_behaviour(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        before = self._behaviour
        self._behaviour = before.updated(changes)
        self._record("behaviour_changed", **dict(changes))
        self.ota.settings_changed()
        self.endpoints[ENDPOINT].also_accepts = _other_profiles(self._behaviour)
        if self._behaviour.sleepy != before.sleepy and self._air is not None:
            self._start_sleep_cycle()
        return self._behaviour.as_dict()

    def set_faults(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        self._faults = self._faults.updated(changes)
        self._record("faults_changed", **dict(changes))
        self.ota.settings_changed()
        return self._faults.as_dict()

    def fault_fired(self, fault: str, **details: Any) -> None:
        """A one-shot fault took effect: record it and clear it."""
        self._record("fault", fault=fault, **details)
        self._faults = replace(self._faults, **{fault: None})

    # ---------------------------------------------------------------- what the parts ask of the device

    def random(self, purpose: str) -> random.Random:
        return self.air.faults.random.stream(f"device/{self.name}/{purpose}")

    def record(self, kind: str, **details: Any) -> None:
        self._record(kind, **details)

    def utc_now(self) -> datetime:
        return self._utc_now()

    def send_command(self, cluster: Cluster, command: str, fields: Mapping[str, Any], to: Address,
                     on_done: Callable[[bool], None] | None = None) -> None:
        """Send one of a cluster's commands to ``to``; a sleeping device wakes to do so."""
        if self._air is None or not self.joined:
            self._record("send_skipped", command=command, reason="not on the network")
            if on_done is not None:
                on_done(False)
            return
        if self.asleep:
            self._wake(query=False)
        direction = Direction.CLIENT_TO_SERVER if cluster.role is Role.CLIENT else Direction.SERVER_TO_CLIENT
        command_id, payload = cluster.encode_command(command, fields, direction)
        # Tunnelled GBCS needs no ZCL acknowledgement: APS acknowledges it, and GBCS answers it.
        frame = ZclFrame(FrameType.CLUSTER, direction, self.next_tsn(), command_id, payload,
                         disable_default_response=cluster is self.tunnel.cluster)
        self.send_zcl(frame, cluster_id=cluster.cluster_id, source_endpoint=ENDPOINT, destination_endpoint=to.endpoint,
                      destination=to.node_id, on_done=on_done)

    def can_send(self) -> bool:
        return self._air is not None and self.joined

    def transmit(self, data: bytes, what: str) -> None:
        self.tunnel.send(data, what)

    def received(self, data: bytes) -> None:
        command = self.gbcs.receive(data)
        if command is not None:
            self.on_command(command)

    # ---------------------------------------------------------------- verification and activation

    def verify(self, download: Download) -> Status:
        """Check a complete download, hold it if good, and say what Upgrade End reports."""
        intact = download.intact or not self._behaviour.integrity_check
        result = check_download(bytes(download.stored), offer=download.offer, identity=self.identity,
                                supplier_key=self.keys.supplier_ds_public, intact=intact)
        faults = self._faults
        if isinstance(result, HeldImage) and faults.reject_image:
            self._record("fault", fault="reject_image")
            result = Rejection.REFUSED
        if isinstance(result, HeldImage) and faults.require_more_image:
            self._record("fault", fault="require_more_image")
            self._record("ota_verified", result="valid", status=Status.REQUIRE_MORE_IMAGE.name)
            return Status.REQUIRE_MORE_IMAGE
        if isinstance(result, Rejection):
            self._record("ota_verified", result=result.value, status=Status.INVALID_IMAGE.name)
            self.on_verified(result)
            return Status.INVALID_IMAGE
        self.firmware.hold(result)
        self._record("ota_verified", result="valid", file_version=f"0x{result.file_version:08X}",
                     manufacturer_image_hash=result.manufacturer_image_hash.hex(),
                     file_sha256=hashlib.sha256(download.stored).hexdigest())
        self.on_verified(result)
        return Status.SUCCESS

    def on_verified(self, result: HeldImage | Rejection) -> None:
        """A complete download was checked (the kind may report it)."""

    def activate(self) -> None:
        """The Upgrade End Response's upgrade time has come (only when the server may activate)."""

    def activate_held(self) -> bool:
        """Switch to the held image unless the device refuses; whether it did."""
        if self._faults.refuse_activation:
            self._record("fault", fault="refuse_activation")
            self._record("activation_failed", running=f"0x{self.firmware.running_version:08X}")
            return False
        version = self.firmware.activate()
        reported = version if self._faults.wrong_version is None else self._faults.wrong_version
        if reported != version:
            self._record("fault", fault="wrong_version", reported=f"0x{reported:08X}")
        self.reported_version = reported
        self.ota.activated(reported)
        self.basic["sw_build_id"] = f"{reported:08X}"
        self._record("activated", version=f"0x{version:08X}", reported=f"0x{reported:08X}")
        return True

    def after_activation(self, activated: bool, report: Callable[[], None]) -> None:
        """Run ``report`` once the new image runs: after the restart an activation brings."""
        if activated and self._behaviour.reboot_on_activation:
            self._on_boot.append(report)
            self.restart()
        else:
            report()

    # ---------------------------------------------------------------- GBCS commands

    def on_command(self, command: Command) -> None:
        if command.message.message_code == MessageCode.READ_FIRMWARE_VERSION:
            self._read_firmware_version(command)

    def _read_firmware_version(self, command: Command) -> None:
        message, keys = command.message, self.keys
        assert message.remote_party is not None and message.remote_party_counter is not None
        response = build_cs08_response(device=keys.device, supplier=message.remote_party, counter=message.counter,
                                       supplier_counter=message.remote_party_counter,
                                       firmware_version=version_octets(self.reported_version),
                                       response_code=ReadResult.READ_SUCCESS, mac_private_key=keys.ka_private,
                                       mac_peer_public_key=keys.acb_ka_public, acb=keys.anchors.acb)
        self.gbcs.respond("CS08", response)

    # ---------------------------------------------------------------- restarts

    # ---------------------------------------------------------------- key establishment

    def on_joined(self) -> None:
        if self.key_establishment is not None:
            self.key_establishment.start()

    def on_left(self) -> None:
        if self.key_establishment is not None:
            self.key_establishment.stop()
            self.key_establishment.link_key = None

    def trust_center_eui64(self) -> Eui64 | None:
        trust_center = self._air.trust_center if self._air is not None else None
        return trust_center.eui64 if trust_center is not None else None

    def find_key_establishment_server(self) -> None:
        """Ask the trust centre which of its endpoints serves Key Establishment (Match_Desc_req)."""
        if not self.can_send():
            return
        self.send(payload=match_descriptor_request(self.next_tsn(), COORDINATOR_NODE_ID, SMART_ENERGY_PROFILE,
                                                   [KEY_ESTABLISHMENT_CLUSTER]),
                  profile_id=0, cluster_id=ZdoCluster.MATCH_DESC_REQ, source_endpoint=0, destination_endpoint=0)

    def on_zdo_response(self, request: int, payload: bytes, sender: int) -> None:
        if (request == ZdoCluster.MATCH_DESC_REQ and sender == COORDINATOR_NODE_ID
                and self.key_establishment is not None):
            self.key_establishment.server_found(matching_endpoints(payload))

    def key_established(self) -> None:
        """The link key is in place: what waited for it may go (the tunnel's outbox)."""
        self.tunnel.flush()

    @property
    def authenticated(self) -> bool:
        """Whether the device holds the link key it needs for the Smart Energy clusters (or needs none)."""
        return self.key_establishment is None or self.key_establishment.established

    def aps_link_key(self, profile_id: int, cluster_id: int) -> bytes | None:
        """The CBKE link key secures everything to the CH but ZDO and Key Establishment."""
        if self.key_establishment is None or profile_id == 0 or cluster_id == KEY_ESTABLISHMENT_CLUSTER:
            return None
        return self.key_establishment.link_key

    def handle_message(self, message: ApsMessage) -> None:
        """Before CBKE the device answers ZDO and attribute reads, but acts on no cluster command but Key
        Establishment's: no tunnel, no OTA. ZSE asks the Smart Energy traffic to use the CBKE link key;
        which frames a device takes before it has one is its firmware's choice [INF]."""
        if not (self.authenticated or message.is_zdo or message.cluster_id == KEY_ESTABLISHMENT_CLUSTER
                or _is_foundation_command(message.payload)):
            self._record("dropped", reason="no CBKE link key yet", cluster=message.cluster_id,
                         sender=message.source)
            return
        held = self.key_establishment.link_key if self.key_establishment is not None else None
        if message.link_key is not None and held is not None and message.link_key != held:
            self._record("dropped", reason="secured with another link key", cluster=message.cluster_id,
                         sender=message.source)
            return
        super().handle_message(message)

    def restart(self) -> None:
        """Reboot once the frame in hand is answered: tunnels are lost, the OTA client keeps what survives."""
        self.call_later(0, self._reboot_now)

    def _reboot_now(self) -> None:
        if self._air is None:
            return
        self.tunnel.close_all("restarted")
        self.ota.rebooted(resume=self._behaviour.resume)
        self._stop_sleep_cycle()
        self.reboot(self._behaviour.reboot_time)

    def on_rebooted(self) -> None:
        pending, self._on_boot = self._on_boot, []
        for report in pending:
            report()
        self.ota.after_reboot()

    def attach(self, air: Air, events: EventLog, *, joined: bool = False) -> None:
        first_power_up = self._events is None
        super().attach(air, events, joined=joined)
        if first_power_up and joined and self.key_establishment is not None:
            self.key_establishment.restored()
        self._start_sleep_cycle()

    def detach(self) -> None:
        self._stop_sleep_cycle()
        super().detach()

    # ---------------------------------------------------------------- sleep

    @property
    def on_network(self) -> bool:
        """A sleeping end device hears nothing and sends nothing until it wakes."""
        return self.joined and not self.asleep

    def _start_sleep_cycle(self) -> None:
        self._stop_sleep_cycle()
        sleep = self._behaviour.sleepy
        if sleep is not None:
            self._sleep_timer = self.call_later(sleep.awake_for, self._fall_asleep)

    def _stop_sleep_cycle(self) -> None:
        if self._sleep_timer is not None:
            self._sleep_timer.cancel()
            self._sleep_timer = None
        if self.asleep:
            self.asleep = False
            self._record("awake", why="sleep cycle stopped")

    def _fall_asleep(self) -> None:
        self._sleep_timer = None
        sleep = self._behaviour.sleepy
        if sleep is None:
            return
        if self.ota.busy or self.tunnel.sending or (self.key_establishment is not None and self.key_establishment.busy):
            self._sleep_timer = self.call_later(sleep.awake_for, self._fall_asleep)
            return
        self.asleep = True
        self._record("asleep", for_seconds=sleep.wake_interval)
        self._sleep_timer = self.call_later(sleep.wake_interval, self._wake)

    def _wake(self, *, query: bool = True) -> None:
        sleep = self._behaviour.sleepy
        if self._sleep_timer is not None:
            self._sleep_timer.cancel()
        self.asleep = False
        self._record("awake")
        if sleep is None:
            self._sleep_timer = None
            return
        self._sleep_timer = self.call_later(sleep.awake_for, self._fall_asleep)
        self.tunnel.flush()
        if query and sleep.query_on_wake and not self.ota.busy and self.ota.download is None:
            self.ota.query()

    # ---------------------------------------------------------------- control plane and status

    def control(self, command: str, args: Mapping[str, Any]) -> Any:
        if command == "status":
            return self.status()
        if command == "set_behaviour":
            return self.set_behaviour(args)
        if command == "set_faults":
            return self.set_faults(args)
        if command == "restart":
            self._require_on_air(command)
            self.restart()
            return None
        if command == "wake":
            self._require_on_air(command)
            self._wake()
            return None
        if command == "query":
            self._require_on_air(command)
            self.ota.query()
            return None
        if command == "establish_key":
            self._require_on_air(command)
            if self.key_establishment is None:
                raise InputError(f"{self.name} does not run CBKE: give it cbke: in its emulated: block")
            self.key_establishment.start()
            return None
        return super().control(command, args)

    def _require_on_air(self, command: str) -> None:
        if self._air is None or not self.joined:
            raise InputError(f"{self.name} cannot {command}: it is not on the network")

    def status(self) -> dict[str, Any]:
        return {
            **super().status(),
            "kind": type(self).__name__.lower(),
            "asleep": self.asleep,
            "firmware": {**self.firmware.as_dict(), "reported_version": f"0x{self.reported_version:08X}"},
            "ota": self.ota.status(),
            **self.tunnel.status(),
            "next_alert_counter": self.gbcs.next_counter,
            "behaviour": self._behaviour.as_dict(),
            "faults": self._faults.as_dict(),
            "cbke": self.key_establishment.status() if self.key_establishment is not None else None,
        }


def _is_foundation_command(payload: bytes) -> bool:
    """A ZCL frame of the general (foundation) commands: read and write attributes, reports, default responses."""
    return bool(payload) and payload[0] & 0x03 == FrameType.GLOBAL


def _other_profiles(behaviour: Behaviour) -> frozenset[int]:
    """The profiles besides Smart Energy (and the wildcard) the device's endpoint answers."""
    return frozenset({HOME_AUTOMATION_PROFILE} if behaviour.home_automation_profile else ())
