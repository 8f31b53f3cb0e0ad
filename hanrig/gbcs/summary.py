"""A decoded message as one flat, JSON-ready summary: what ``--json`` prints and journals keep."""

from __future__ import annotations

from hanrig.gbcs.framing import GbcsMessage
from hanrig.gbcs.payloads import Payload, RawPayload, alert_code_of
from hanrig.gbcs.primitive import Primitive, enum_name, to_primitive
from hanrig.gbcs.registry import alert_name
from hanrig.gbcs.security import Verification


def hex_code(code: int | None) -> str | None:
    """``0x8F8A``-style text for a message or alert code."""
    return None if code is None else f"0x{code:04X}"


def payload_summary(payload: Payload) -> dict[str, Primitive]:
    """The payload's fields (codes as hex text), or its raw bytes."""
    if isinstance(payload, RawPayload):
        return {"raw": payload.data.hex().upper()}
    fields = to_primitive(payload)
    assert isinstance(fields, dict)
    if isinstance(fields.get("alert_code"), int):
        fields["alert_code"] = hex_code(fields["alert_code"])
    return {"type": type(payload).__name__, **fields}


def message_summary(message: GbcsMessage, payload: Payload, verification: Verification) -> dict[str, Primitive]:
    alert_code = alert_code_of(payload)
    return {
        "frame": "general-ciphering" if message.mac is not None else "general-signing",
        "precommand": message.is_precommand,
        "cra": enum_name(message.cra),
        "message_code": hex_code(message.message_code),
        "use_case": message.use_case,
        "message_name": message.message_name,
        "originator": message.originator,
        "recipient": message.recipient,
        "counter": message.counter,
        "date_time": to_primitive(message.date_time),
        "remote_party": message.remote_party,
        "remote_party_counter": message.remote_party_counter,
        "signature": str(verification.signature),
        "mac": str(verification.mac),
        "alert_code": hex_code(alert_code),
        "alert_name": None if alert_code is None else alert_name(alert_code),
        "payload": payload_summary(payload),
    }
