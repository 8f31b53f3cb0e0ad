"""gbcs values as JSON-ready primitives, for reports and ``--json`` output.

Bytes become upper-case hex, EUIs their 16 digits, enums a lower-case hyphenated name,
date-times ISO 8601, dataclasses a dict of their fields.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import Any

from hanrig.gbcs.dlms import DlmsDateTime, DlmsValue

Primitive = None | bool | int | float | str | list["Primitive"] | dict[str, "Primitive"]


def enum_name(member: enum.Enum) -> str:
    """``TransferResult.HARDWARE_VERSION_MISMATCH`` -> ``hardware-version-mismatch``."""
    return member.name.lower().replace("_", "-")


def to_primitive(value: Any) -> Primitive:
    """``value`` (a gbcs dataclass, or anything inside one) as JSON-ready data."""
    if isinstance(value, enum.StrEnum):
        return str(value)
    if isinstance(value, enum.Enum):
        return enum_name(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, DlmsDateTime):
        return value.isoformat()
    if isinstance(value, DlmsValue):
        return {"type": enum_name(value.type), "value": to_primitive(value.value)}
    if isinstance(value, list | tuple):
        return [to_primitive(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: to_primitive(getattr(value, field.name)) for field in dataclasses.fields(value)}
    raise TypeError(f"no primitive form for {type(value).__name__}")
