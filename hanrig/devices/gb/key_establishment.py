"""The Key Establishment client (cluster 0x0800) of a GB device: CBKE with the CH after joining.

ZSE annex C, as Silicon Labs' key-establishment plugin implements it (the model for the
timings and statuses below): the device, as initiator, finds the trust centre's Key
Establishment server with a Match_Desc_req, sends its certificate (Initiate Key
Establishment Request), checks the CH's certificate in the response (the suite, the
issuer, and that its subject is the trust centre's EUI-64), exchanges ephemeral keys and
confirmation MACs, and keeps the derived link key. A wrong partner message ends it with
Terminate Key Establishment and the status saying why; a silent partner ends it at the
partner's advertised time plus 10 s, without a Terminate (the plugin's
``KEY_ESTABLISHMENT_TIMEOUT_BASE_SECONDS`` and ``TIMEOUT_OCCURRED``). A failed attempt is
tried again after the wait time the CH asked for, up to ``ATTEMPTS`` times.

Until it holds the link key, the device answers nothing on the Smart Energy clusters
(``GbDevice`` drops them): on a real HAN the CH's frames would fail APS security.
The credentials are the project's test CA's for the device's EUI (``hanrig.testpki.cbke``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from construct import Bytes, GreedyBytes, Int8ul, Int16ul, Struct

from hanrig.bench.identity import KeyEstablishment
from hanrig.cbke.agreement import Agreement, Credentials, EphemeralKey, agree, generate_ephemeral
from hanrig.cbke.certificate import decode_certificate
from hanrig.cbke.ecqv import CertificateAuthority
from hanrig.cbke.errors import CbkeError
from hanrig.cbke.mmo import aes_mmo_hash
from hanrig.cbke.suites import suite_of
from hanrig.devices.gb.profile import Address
from hanrig.devices.han.zcl.cluster import AttributeDef, Cluster, ClusterDef, CommandDef, Role, ZclRequest
from hanrig.devices.han.zcl.types import DataType
from hanrig.devices.ieee import Eui64
from hanrig.devices.scheduling import Timer
from hanrig.testpki.cbke import credentials, seeded_scalars

CLUSTER_ID = 0x0800
#: seconds this device says it needs to make its ephemeral key and its MAC [INF: the plugin's are build options]
EPHEMERAL_DATA_GENERATE_TIME = 2
CONFIRM_KEY_GENERATE_TIME = 2
#: added to the partner's advertised times before a silent partner counts as gone (the plugin's base)
TIMEOUT_BASE = 10.0
#: back-off after a failure the CH did not give a wait time for (the plugin's internal back-off)
INTERNAL_BACK_OFF = 10.0
#: attempts before the device gives up until it joins again or is told to try
ATTEMPTS = 3
#: "OTHERCA!": the issuer id of the CA behind the wrong_issuer fault
OTHER_ISSUER = b"OTHERCA!"

_INITIATE = Struct(
    "suite" / Int16ul,
    "ephemeral_data_generate_time" / Int8ul,
    "confirm_key_generate_time" / Int8ul,
    "identity" / GreedyBytes,
)
_EPHEMERAL = Struct("ephemeral_data" / GreedyBytes)
_CONFIRM = Struct("mac" / Bytes(16))
_TERMINATE = Struct("status" / Int8ul, "wait_time" / Int8ul, "suite" / Int16ul)

KEY_ESTABLISHMENT = ClusterDef(
    cluster_id=CLUSTER_ID,
    name="key_establishment",
    attributes=(AttributeDef(0x0000, "key_establishment_suite", DataType.ENUM16),),
    server_commands=(
        CommandDef(0x00, "initiate_key_establishment_request", _INITIATE),
        CommandDef(0x01, "ephemeral_data_request", _EPHEMERAL),
        CommandDef(0x02, "confirm_key_data_request", _CONFIRM),
        CommandDef(0x03, "terminate_key_establishment", _TERMINATE),
    ),
    client_commands=(
        CommandDef(0x00, "initiate_key_establishment_response", _INITIATE),
        CommandDef(0x01, "ephemeral_data_response", _EPHEMERAL),
        CommandDef(0x02, "confirm_key_data_response", _CONFIRM),
        CommandDef(0x03, "terminate_key_establishment", _TERMINATE),
    ),
)


class TerminateStatus(enum.IntEnum):
    """The status of a Terminate Key Establishment (ZSE)."""

    UNKNOWN_ISSUER = 0x01
    BAD_KEY_CONFIRM = 0x02
    BAD_MESSAGE = 0x03
    NO_RESOURCES = 0x04
    UNSUPPORTED_SUITE = 0x05


class Stage(enum.Enum):
    IDLE = "idle"
    DISCOVERING = "discovering"
    INITIATING = "initiating"
    EPHEMERAL = "ephemeral"
    CONFIRMING = "confirming"
    ESTABLISHED = "established"
    FAILED = "failed"


class KeHost(Protocol):
    """What the client needs of its device."""

    @property
    def eui64(self) -> Eui64: ...

    @property
    def faults(self) -> Any: ...

    def trust_center_eui64(self) -> Eui64 | None: ...

    def find_key_establishment_server(self) -> None: ...

    def send_command(self, cluster: Cluster, command: str, fields: Mapping[str, Any], to: Address,
                     on_done: Callable[[bool], None] | None = None) -> None: ...

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer: ...

    def record(self, kind: str, **details: Any) -> None: ...

    def fault_fired(self, fault: str, **details: Any) -> None: ...

    def key_established(self) -> None: ...


class KeyEstablishmentClient:
    def __init__(self, host: KeHost, setting: KeyEstablishment, *, eui64: Eui64) -> None:
        self._host = host
        self.suite = suite_of(setting.suite)
        self.cluster = Cluster(
            KEY_ESTABLISHMENT,
            Role.CLIENT,
            values={"key_establishment_suite": int(self.suite.id)},
            handlers={
                "initiate_key_establishment_response": self._initiate_response,
                "ephemeral_data_response": self._ephemeral_response,
                "confirm_key_data_response": self._confirm_response,
                "terminate_key_establishment": self._terminated,
            },
        )
        self.stage = Stage.IDLE
        self.link_key: bytes | None = None
        #: how the last attempt ended: "established", a Terminate status, or "timeout"
        self.outcome: str | None = None
        self.attempts = 0
        self._server: Address | None = None
        self._held: Credentials | None = None
        self._partner_certificate = b""
        self._ephemeral: EphemeralKey | None = None
        self._agreement: Agreement | None = None
        self._timer: Timer | None = None
        self._scalars = seeded_scalars(f"emulated device ephemeral keys|{eui64.value:016X}")

    @property
    def established(self) -> bool:
        return self.stage is Stage.ESTABLISHED

    # ---------------------------------------------------------------- the exchange, initiator's side

    @property
    def busy(self) -> bool:
        """An exchange is under way: a sleepy device stays awake for it."""
        return self.stage in (Stage.DISCOVERING, Stage.INITIATING, Stage.EPHEMERAL, Stage.CONFIRMING)

    def start(self) -> None:
        """Run CBKE with the trust centre from the start (after a join, or when told to)."""
        self.link_key, self.attempts, self._server = None, 0, None
        self._discover()

    def _discover(self) -> None:
        self._cancel_timer()
        self.attempts += 1
        self.stage = Stage.DISCOVERING
        self._host.find_key_establishment_server()
        self._wait(TIMEOUT_BASE)

    def server_found(self, endpoints: list[int]) -> None:
        """The trust centre's answer to the Match_Desc_req: its Key Establishment endpoints."""
        if self.stage is not Stage.DISCOVERING:
            return
        if not endpoints:
            self._fail("no key establishment server", back_off=INTERNAL_BACK_OFF)
            return
        self._server = Address(0x0000, endpoints[0])
        self._initiate()

    def _retry(self) -> None:
        if self._server is None:
            self._discover()
            return
        self.attempts += 1
        self._initiate()

    def _initiate(self) -> None:
        self._held = self._credentials()
        self._ephemeral = self._agreement = None
        self.stage = Stage.INITIATING
        self._send("initiate_key_establishment_request", suite=int(self.suite.id),
                   ephemeral_data_generate_time=EPHEMERAL_DATA_GENERATE_TIME,
                   confirm_key_generate_time=CONFIRM_KEY_GENERATE_TIME, identity=self._held.certificate)
        self._wait(TIMEOUT_BASE)

    def _credentials(self) -> Credentials:
        """The test CA's credentials for this device, unless a fault makes it present others."""
        faults = self._host.faults
        eui = f"{self._host.eui64.value:016X}"
        if faults.cbke_wrong_issuer:
            self._host.fault_fired("cbke_wrong_issuer", issuer=OTHER_ISSUER.decode())
            other = CertificateAuthority(self.suite, seeded_scalars("other test CA")(self.suite.curve.order),
                                         OTHER_ISSUER)
            return credentials(eui, self.suite, issuer=other)
        if faults.cbke_other_eui:
            stranger = f"{self._host.eui64.value ^ 1:016X}"
            self._host.fault_fired("cbke_other_eui", subject=stranger)
            return credentials(stranger, self.suite)
        return credentials(eui, self.suite)

    def _initiate_response(self, request: ZclRequest) -> None:
        if not self._expecting(Stage.INITIATING, request):
            return
        fields = request.fields
        if fields.suite != self.suite.id:
            self._terminate(TerminateStatus.UNSUPPORTED_SUITE)
            return
        try:
            partner = decode_certificate(self.suite, bytes(fields.identity))
        except CbkeError:
            self._terminate(TerminateStatus.BAD_MESSAGE)
            return
        assert self._held is not None
        if partner.issuer != self._held.issuer:
            self._terminate(TerminateStatus.UNKNOWN_ISSUER)
            return
        trust_center = self._host.trust_center_eui64()
        if trust_center is None or partner.subject != trust_center.value.to_bytes(8, "big"):
            self._terminate(TerminateStatus.BAD_MESSAGE)
            return
        if self._host.faults.cbke_terminate:
            self._host.fault_fired("cbke_terminate")
            self._terminate(TerminateStatus.NO_RESOURCES)
            return
        self._partner_certificate = partner.raw
        self._ephemeral = generate_ephemeral(self.suite, self._scalars)
        self.stage = Stage.EPHEMERAL
        delay = self._host.faults.cbke_slow_ephemeral or 0.0
        if delay:
            self._host.fault_fired("cbke_slow_ephemeral", seconds=delay)
        self._cancel_timer()
        self._timer = self._host.call_later(delay, self._send_ephemeral,
                                            fields.ephemeral_data_generate_time + TIMEOUT_BASE)

    def _send_ephemeral(self, timeout: float) -> None:
        assert self._ephemeral is not None
        self._send("ephemeral_data_request", ephemeral_data=self._ephemeral.public_key)
        self._wait(timeout)

    def _ephemeral_response(self, request: ZclRequest) -> None:
        if not self._expecting(Stage.EPHEMERAL, request):
            return
        assert self._held is not None and self._ephemeral is not None
        try:
            self._agreement = agree(self._held, self._ephemeral, initiator=True,
                                    partner_certificate=self._partner_certificate,
                                    partner_ephemeral=bytes(request.fields.ephemeral_data))
        except CbkeError:
            self._terminate(TerminateStatus.BAD_MESSAGE)
            return
        mac = self._agreement.initiator_mac
        if self._host.faults.cbke_bad_mac:
            self._host.fault_fired("cbke_bad_mac")
            mac = bytes([mac[0] ^ 0xFF]) + mac[1:]
        self.stage = Stage.CONFIRMING
        self._send("confirm_key_data_request", mac=mac)
        self._wait(CONFIRM_KEY_GENERATE_TIME + TIMEOUT_BASE)

    def _confirm_response(self, request: ZclRequest) -> None:
        if not self._expecting(Stage.CONFIRMING, request):
            return
        assert self._agreement is not None
        if bytes(request.fields.mac) != self._agreement.responder_mac:
            self._terminate(TerminateStatus.BAD_KEY_CONFIRM)
            return
        self._cancel_timer()
        link_key = self._agreement.link_key
        if self._host.faults.cbke_store_wrong_key:
            self._host.fault_fired("cbke_store_wrong_key")
            link_key = bytes(b ^ 0x5A for b in link_key)
        self.stage, self.outcome, self.link_key = Stage.ESTABLISHED, "established", link_key
        self._host.record("cbke_established", suite=int(self.suite.id), attempts=self.attempts,
                          link_key_digest=self.link_key_digest)
        self._host.key_established()

    def _terminated(self, request: ZclRequest) -> None:
        """The CH ended the exchange: try again after the wait it asked for."""
        if self.stage in (Stage.IDLE, Stage.ESTABLISHED, Stage.FAILED):
            return
        status = _status_name(request.fields.status)
        self._host.record("cbke_terminated_by_ch", status=status, wait_time=request.fields.wait_time)
        self._fail(status, back_off=float(request.fields.wait_time))

    # ---------------------------------------------------------------- endings, timers, sending

    @property
    def link_key_digest(self) -> str | None:
        """A fingerprint of the link key for reports and tests: the key itself never leaves the device."""
        return aes_mmo_hash(self.link_key).hex()[:16] if self.link_key is not None else None

    def _expecting(self, stage: Stage, request: ZclRequest) -> bool:
        if self.stage is stage and self._server is not None and request.source == self._server.node_id:
            return True
        self._host.record("cbke_unexpected", command=request.command.name, stage=self.stage.value)
        return False

    def _terminate(self, status: TerminateStatus) -> None:
        self._send("terminate_key_establishment", status=status, wait_time=int(INTERNAL_BACK_OFF),
                   suite=int(self.suite.id))
        self._host.record("cbke_terminated_by_device", status=status.name)
        self._fail(status.name, back_off=INTERNAL_BACK_OFF)

    def _fail(self, outcome: str, *, back_off: float) -> None:
        self._cancel_timer()
        self.stage, self.outcome = Stage.FAILED, outcome
        self._ephemeral = self._agreement = None
        if self.attempts < ATTEMPTS:
            self._timer = self._host.call_later(back_off, self._retry)

    def _wait(self, seconds: float) -> None:
        self._cancel_timer()
        self._timer = self._host.call_later(seconds, self._timed_out)

    def _timed_out(self) -> None:
        self._timer = None
        self._host.record("cbke_timeout", stage=self.stage.value)
        self._fail("timeout", back_off=INTERNAL_BACK_OFF)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _send(self, command: str, **fields: Any) -> None:
        assert self._server is not None
        self._host.send_command(self.cluster, command, fields, self._server)

    def restored(self) -> None:
        """The device powers up in the network it was in (the emulator restarted): it kept its link key.

        A real device keeps the key in NVM; the emulator keeps no device state across its own
        restarts, so the key's fingerprint is unknown from then on.
        """
        self._cancel_timer()
        self.stage, self.outcome = Stage.ESTABLISHED, "restored"

    def stop(self) -> None:
        """Off the air: forget the exchange under way (a join starts a new one)."""
        self._cancel_timer()
        if self.stage is not Stage.ESTABLISHED:
            self.stage = Stage.IDLE

    def status(self) -> dict[str, Any]:
        return {"stage": self.stage.value, "suite": int(self.suite.id), "outcome": self.outcome,
                "attempts": self.attempts, "link_key_digest": self.link_key_digest}


def _status_name(value: int) -> str:
    try:
        return TerminateStatus(value).name
    except ValueError:
        return f"0x{value:02X}"

