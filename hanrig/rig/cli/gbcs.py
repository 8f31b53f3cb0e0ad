"""``hanrig gbcs decode``: decode GBCS messages, check signatures and MACs, show the payload.

Several inputs are each reported, good or bad, and the exit code is the worst seen:
2 if any input could not be decoded, else 1 if any signature or MAC is invalid, else 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from hanrig.bench.errors import ConfigError
from hanrig.console import EXIT_BAD_INPUT, EXIT_OK, EXIT_VERDICT_FAILED, emit_json, json_option, report_error
from hanrig.gbcs.crypto import Verdict
from hanrig.gbcs.errors import GbcsError
from hanrig.gbcs.eui import RTDS_ACB, Eui64
from hanrig.gbcs.framing import GbcsMessage, decode, encode
from hanrig.gbcs.hextext import message_bytes
from hanrig.gbcs.keystore import KeyStore
from hanrig.gbcs.payloads import Payload, decode_payload, encode_payload
from hanrig.gbcs.primitive import Primitive
from hanrig.gbcs.security import Verification, verify
from hanrig.gbcs.summary import message_summary
from hanrig.rig.cli.inputs import display_name, eui, read_input

_VERDICT_STYLES = {Verdict.VALID: "green", Verdict.INVALID: "bold red", Verdict.ABSENT: "dim",
                   Verdict.NO_KEY: "yellow"}


@dataclass(frozen=True)
class Decoded:
    """One input, decoded and checked."""

    file: str
    message: GbcsMessage
    payload: Payload
    verification: Verification
    roundtrip: bool


def decode_input(file: str, data: bytes, keystore: KeyStore, acb: Eui64) -> Decoded:
    """Decode, check and re-encode one input; bad bytes raise the GbcsError family."""
    raw = message_bytes(data)
    message = decode(raw)
    payload = decode_payload(message)
    roundtrip = encode(replace(message, content=encode_payload(payload))) == raw
    return Decoded(file, message, payload, verify(message, keystore, acb=acb), roundtrip)


def as_record(decoded: Decoded) -> dict[str, Primitive]:
    """The JSON object ``--json`` prints for one input."""
    summary = message_summary(decoded.message, decoded.payload, decoded.verification)
    return {"file": decoded.file, **summary, "roundtrip": decoded.roundtrip}


def _verdict(verdict: Verdict) -> Text:
    return Text(str(verdict), style=_VERDICT_STYLES[verdict])


def _field_text(key: str, value: Primitive) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(", ", ": "))
    if key.endswith("_code") and isinstance(value, int):
        return f"0x{value:04X}"
    return "-" if value is None else str(value)


def _render(console: Console, decoded: Decoded) -> None:
    record = as_record(decoded)
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    frame = "MAC header + General Signing" if decoded.message.mac is not None else "General Signing only"
    if decoded.message.is_precommand:
        frame += " (pre-command)"
    rows: list[tuple[str, Any]] = [
        ("frame", frame),
        ("CRA", record["cra"]),
        ("message", " ".join(str(part) for part in (record["message_code"], record["use_case"],
                                                    record["message_name"]) if part)),
        ("originator", record["originator"]),
        ("recipient", record["recipient"]),
        ("counter", record["counter"]),
    ]
    for key, label in (("date_time", "date-time"), ("remote_party", "remote party"),
                       ("remote_party_counter", "remote party counter")):
        if record[key] is not None:
            rows.append((label, record[key]))
    rows += [("signature", _verdict(decoded.verification.signature)),
             ("MAC", _verdict(decoded.verification.mac))]
    if record["alert_code"]:
        rows.append(("alert", " ".join(str(part) for part in (record["alert_code"], record["alert_name"])
                                       if part)))
    payload = record["payload"]
    assert isinstance(payload, dict)
    rows.append(("payload", str(payload.get("type", "raw"))))
    rows += [(f"  {key}", _field_text(key, value)) for key, value in payload.items() if key != "type"]
    rows.append(("round trip", "exact" if decoded.roundtrip else Text("differs", style="bold red")))
    for label, value in rows:
        # Text, not str: payload bytes must never be read as rich markup.
        table.add_row(label, value if isinstance(value, Text) else Text(str(value)))
    console.print(Text(decoded.file, style="bold underline"))
    console.print(table)


@click.group(name="gbcs")
def gbcs_group() -> None:
    """GBCS messages: decode and check them."""


@gbcs_group.command(name="decode")
@click.option("--keystore", "keystore_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Directory of <eui>-ds/-ka .pem/.key files to check signatures and MACs with.")
@click.option("--acb", default=str(RTDS_ACB), show_default=True,
              help="EUI-64 of the Access Control Broker, which MACs commands.")
@json_option
@click.argument("files", nargs=-1, required=True)
def decode_command(keystore_dir: Path | None, acb: str, as_json: bool, files: tuple[str, ...]) -> None:
    """Decode GBCS messages in FILES (hex text or binary; - for stdin).

    Each input is reported; the exit code is the worst: 2 if any input is bad, else 1 if
    any signature or MAC is invalid, else 0. Without --keystore nothing can be checked
    and verdicts are no-key (or absent).
    """
    acb_eui = eui(acb, option="--acb")
    keystore = KeyStore.load(keystore_dir) if keystore_dir is not None else KeyStore()
    console = Console()
    worst = EXIT_OK
    for name in files:
        shown = display_name(name)
        try:
            decoded = decode_input(shown, read_input(name), keystore, acb_eui)
        except (GbcsError, ConfigError) as exc:
            report_error(f"{shown}: {exc}")
            if as_json:
                emit_json({"file": shown, "error": str(exc), "offset": getattr(exc, "offset", None),
                           "field": getattr(exc, "field", None)})
            worst = EXIT_BAD_INPUT
            continue
        if decoded.verification.failed:
            worst = max(worst, EXIT_VERDICT_FAILED)
        if as_json:
            emit_json(as_record(decoded))
        else:
            _render(console, decoded)
    raise click.exceptions.Exit(worst)
