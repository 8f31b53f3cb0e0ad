"""The EZSP conformance table: every frame of a protocol version and how the emulated NCP serves it.

The frames come from outside (a host stack's own definition of the version, which knows
every frame of UG100 and which the emulator must not import); how each is served comes
from the NCP's own tables (``commands.TABLES``) and handler registry, so the table in the
docs is generated from the code and a test keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hanrig.devices.radio.ezsp.commands import TABLES, FrameKind
from hanrig.devices.radio.ezsp.handlers import HANDLERS
from hanrig.devices.radio.ezsp.handlers.registry import SERVICE, Support
from hanrig.devices.radio.ezsp.layer import VERSION_FRAME_ID

UNKNOWN = "unknown: answered invalidCommand (ERROR_INVALID_FRAME_ID)"
CALLBACK = "callback the NCP sends"
REFUSAL = "sent in place of a response the NCP cannot give"


@dataclass(frozen=True)
class Row:
    frame_id: int
    name: str
    served: str
    note: str = ""


def rows(version: int, reference: Mapping[str, int]) -> list[Row]:
    """One row per frame of ``reference`` (name -> frame id) and of the NCP's own table, by frame id."""
    table = TABLES[version]
    frames = dict(reference)
    frames.update({frame.name: frame.frame_id for frame in table.frames})
    result = []
    for name, frame_id in frames.items():
        frame = table.by_id(frame_id)
        if frame is None or frame.name != name:
            result.append(Row(frame_id, name, UNKNOWN))
        elif frame.kind is FrameKind.CALLBACK:
            result.append(Row(frame_id, name, CALLBACK))
        elif frame.kind is FrameKind.REFUSAL:
            result.append(Row(frame_id, name, REFUSAL))
        elif frame_id == VERSION_FRAME_ID:
            result.append(Row(frame_id, name, Support.EMULATED.value, "the EZSP layer negotiates it"))
        elif name not in HANDLERS:
            result.append(Row(frame_id, name, UNKNOWN))
        else:
            service = SERVICE[name]
            result.append(Row(frame_id, name, service.support.value, service.note))
    return sorted(result, key=lambda row: (row.frame_id, row.name))


def markdown(tables: Mapping[int, list[Row]], *, source: str) -> str:
    """The conformance document, one table per version."""
    lines = [
        "# EZSP conformance of the emulated NCP",
        "",
        f"Generated from the emulator's command tables; the frames of each version are {source}.",
        "A test regenerates this file and fails if it differs: `python -m tests.devices.ezsp_conformance`",
        "writes it anew.",
        "",
        "- **emulated**: as EmberZNet does, with its effect on the NCP and the virtual HAN.",
        "- **accepted, no effect**: answered with success; it changes nothing the virtual HAN has.",
        "- **refused as firmware without it**: answered as stock firmware without the feature answers.",
        f"- **{UNKNOWN}**: what a real NCP answers for a frame it does not have.",
        "",
    ]
    for version, version_rows in tables.items():
        counts = {served: sum(r.served == served for r in version_rows) for served in dict.fromkeys(
            r.served for r in version_rows)}
        lines += [f"## EZSP v{version}", "", ", ".join(f"{n} {served}" for served, n in counts.items()) + ".", "",
                  "| Frame id | Frame | Served | Note |", "|---|---|---|---|"]
        lines += [f"| 0x{r.frame_id:04X} | {r.name} | {r.served} | {r.note} |" for r in version_rows]
        lines.append("")
    return "\n".join(lines)
