"""GBCS at the device: commands checked before it acts on them; responses and alerts sent back.

A command is acted on only if it decodes, is for this device, comes from the party its use
case names (CS06 from the Supplier, CS08 from the ACB), carries the protection RTDS shows
(CS06 Supplier-signed and ACB-MAC'd, CS08 ACB-MAC'd) and a counter above the last one
accepted from that originator. What fails is discarded without a response, recorded, and
(inferred, marked [INF]) reported the way GBCS alert codes suggest:

* a signature or MAC that does not verify, or an originator the device holds no key for:
  Generic Critical Alert 8F3D "Trusted Source Authentication Failure";
* bytes that are not a GBCS message, or a payload that does not decode: 8F1E "Integrity
  check of content or format of command failed";
* a replayed counter, or a use case the device does not serve: no alert.

Like the RTDS GCA vectors these alerts go to the Supplier, signed. Every alert takes the
device's next originator counter, which only ever grows and survives restarts; responses
echo the command's counter. The alert faults (dropped, delayed, mis-signed) act here.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from hanrig.devices.gb.behaviours import Faults
from hanrig.devices.gb.trust import DeviceKeys
from hanrig.devices.scheduling import Timer
from hanrig.gbcs import (
    AlertCode,
    AlertForm,
    Cra,
    Eui64,
    GbcsError,
    GbcsMessage,
    MessageCode,
    Payload,
    Verdict,
    build_generic_critical_alert,
    decode,
    decode_payload,
    encode,
    verify_mac,
    verify_signature,
)


@dataclass(frozen=True)
class Protection:
    """Who may send a use case's command, and how it must be protected."""

    use_case: str
    #: "supplier" or "acb": the trust anchor that must be the grouping header's originator
    originator: str
    signed: bool
    #: the command names the party it is sent for (CS08: the Supplier, with its counter)
    names_remote_party: bool = False


#: The commands GB devices act on (message code -> protection), as RTDS carries them.
COMMANDS: Mapping[int, Protection] = {
    MessageCode.ACTIVATE_FIRMWARE: Protection("CS06", originator="supplier", signed=True),
    MessageCode.READ_FIRMWARE_VERSION: Protection("CS08", originator="acb", signed=False, names_remote_party=True),
}


@dataclass(frozen=True)
class Command:
    """A command that passed every check."""

    message: GbcsMessage
    payload: Payload

    @property
    def use_case(self) -> str:
        return COMMANDS[self.message.message_code].use_case


class LinkHost(Protocol):
    """What the link needs from the device it runs on."""

    @property
    def faults(self) -> Faults: ...

    @property
    def alert_form(self) -> AlertForm: ...

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer: ...

    def random(self, purpose: str) -> random.Random: ...

    def record(self, kind: str, **details: Any) -> None: ...

    def utc_now(self) -> datetime: ...

    def transmit(self, data: bytes, what: str) -> None:
        """Send GBCS bytes to the CH (through a tunnel, when one is open)."""


AlertBuilder = Callable[[int, datetime], GbcsMessage]


class GbcsLink:
    def __init__(self, keys: DeviceKeys, *, serves: frozenset[int], host: LinkHost, first_counter: int) -> None:
        self.keys = keys
        self._serves = serves
        self._host = host
        self._next_counter = first_counter
        self._last_accepted: dict[Eui64, int] = {}

    @property
    def next_counter(self) -> int:
        return self._next_counter

    # ---------------------------------------------------------------- in

    def receive(self, data: bytes) -> Command | None:
        """The command in ``data`` if the device may act on it; otherwise None (and why is recorded)."""
        try:
            message = decode(data)
        except GbcsError as exc:
            return self._refuse("undecodable", AlertCode.INTEGRITY_CHECK_FAILED, error=str(exc))
        details = {"message_code": f"0x{message.message_code:04X}", "counter": message.counter,
                   "originator": str(message.originator)}
        if message.recipient != self.keys.device:
            return self._refuse("for another device", None, recipient=str(message.recipient), **details)
        if message.cra is not Cra.COMMAND:
            return self._refuse("not a command", None, cra=message.cra.name.lower(), **details)
        protection = COMMANDS.get(message.message_code)
        if protection is None or message.message_code not in self._serves:
            return self._refuse("not served by this device", None, **details)
        verdict = self._authenticate(message, protection)
        if verdict is not None:
            return self._refuse("authentication failed", AlertCode.TRUSTED_SOURCE_AUTHENTICATION_FAILURE,
                                check=verdict, **details)
        if message.counter <= self._last_accepted.get(message.originator, -1):
            return self._refuse("replayed counter", None,
                                last_accepted=self._last_accepted[message.originator], **details)
        try:
            payload = decode_payload(message)
        except GbcsError as exc:
            return self._refuse("payload undecodable", AlertCode.INTEGRITY_CHECK_FAILED, error=str(exc), **details)
        if protection.names_remote_party and message.remote_party_counter is None:
            return self._refuse("no remote party", AlertCode.INTEGRITY_CHECK_FAILED, **details)
        self._last_accepted[message.originator] = message.counter
        self._host.record("gbcs_command", use_case=protection.use_case, **details)
        return Command(message, payload)

    def _authenticate(self, message: GbcsMessage, protection: Protection) -> str | None:
        """What failed (None: the command is authentic)."""
        anchors = self.keys.anchors
        expected = anchors.supplier if protection.originator == "supplier" else anchors.acb
        if message.originator != expected:
            return f"originator is not the {protection.originator}"
        if protection.signed:
            signature = verify_signature(message, self.keys.supplier_ds_public)
            if signature is not Verdict.VALID:
                return f"signature {signature.value}"
        mac = verify_mac(message, self.keys.ka_private, self.keys.acb_ka_public)
        if mac is not Verdict.VALID:
            return f"MAC {mac.value}"
        return None

    def _refuse(self, reason: str, alert_code: AlertCode | None, **details: Any) -> None:
        self._host.record("gbcs_rejected", reason=reason, **details)
        if alert_code is not None:
            self.alert(alert_code, self._generic_critical_alert(alert_code))
        return None

    def _generic_critical_alert(self, alert_code: int) -> AlertBuilder:
        keys, form = self.keys, self._host.alert_form

        def build(counter: int, when: datetime) -> GbcsMessage:
            return build_generic_critical_alert(alert_code=alert_code, form=form, device=keys.device,
                                                recipient=keys.anchors.supplier, when=when, counter=counter,
                                                ds_key=keys.ds_private)

        return build

    # ---------------------------------------------------------------- out

    def respond(self, use_case: str, message: GbcsMessage) -> None:
        self._host.record("gbcs_response", use_case=use_case, counter=message.counter)
        if self._host.faults.bad_response_protection:
            message = self._damaged_protection(message)
            self._host.record("fault", fault="bad_response_protection", use_case=use_case, counter=message.counter)
        self._host.transmit(encode(message), f"{use_case} response")

    def alert(self, code: AlertCode, build: AlertBuilder) -> None:
        """Raise an alert now: numbered and timed now, sent as the alert faults allow."""
        name = code.label
        counter = self._next_counter
        self._next_counter += 1
        message = build(counter, self._host.utc_now())
        faults = self._host.faults
        self._host.record("alert_raised", alert=name, counter=counter)
        if faults.drop_alerts:
            self._host.record("fault", fault="drop_alerts", alert=name, counter=counter)
            return
        if faults.bad_alert_signature and message.signature is not None:
            message = self._damaged_protection(message)
            self._host.record("fault", fault="bad_alert_signature", alert=name, counter=counter)
        if faults.unsigned_alerts and message.signature is not None:
            message = replace(message, signature=None)
            self._host.record("fault", fault="unsigned_alerts", alert=name, counter=counter)
        data = encode(message)
        if faults.delay_alerts > 0:
            self._host.record("fault", fault="delay_alerts", alert=name, seconds=faults.delay_alerts)
            self._host.call_later(faults.delay_alerts, self._host.transmit, data, f"alert {name}")
        else:
            self._host.transmit(data, f"alert {name}")

    def _damaged_protection(self, message: GbcsMessage) -> GbcsMessage:
        """The message with one bit of its signature (or, unsigned, of its MAC) flipped."""
        stream = self._host.random("bad-protection")
        part = "signature" if message.signature is not None else "mac"
        damaged = bytearray(getattr(message, part))
        damaged[stream.randrange(len(damaged))] ^= 1 << stream.randrange(8)
        return replace(message, **{part: bytes(damaged)})
