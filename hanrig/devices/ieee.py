"""IEEE 802.15.4 / Zigbee addresses as values: the EUI-64 and its textual form.

An EUI-64 is written most significant byte first (``00:0d:6f:00:0a:bc:de:f0``, the way zigpy
and the open coordinator backup write it) but travels least significant byte first on the
air and over EZSP.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EUI64_TEXT = re.compile(r"^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){6}$|^[0-9a-fA-F]{16}$")

#: the short address of the coordinator (and so of the NCP) on every Zigbee network
COORDINATOR_NODE_ID = 0x0000
#: node ids from here up are broadcast addresses (0xFFF8-0xFFFF) and never name one node
FIRST_BROADCAST_NODE_ID = 0xFFF8


@dataclass(frozen=True, order=True)
class Eui64:
    """A 64-bit IEEE address."""

    value: int

    def __post_init__(self) -> None:
        if not 0 <= self.value < 1 << 64:
            raise ValueError(f"an EUI-64 has 64 bits, not {self.value:#x}")

    @classmethod
    def parse(cls, text: str) -> Eui64:
        """``00:0d:6f:…``, ``00-0D-6F-…`` (as DUIS writes it) or ``000d6f…``; most significant byte first."""
        if not isinstance(text, str) or not _EUI64_TEXT.match(text):
            raise ValueError(f"not an EUI-64 (eight hex bytes, e.g. 00:0d:6f:00:0a:bc:de:f0): {text!r}")
        return cls(int(text.replace(":", "").replace("-", ""), 16))

    @classmethod
    def from_wire(cls, data: bytes) -> Eui64:
        """Eight bytes, least significant first, as on the air and over EZSP."""
        if len(data) != 8:
            raise ValueError(f"an EUI-64 is 8 bytes, not {len(data)}")
        return cls(int.from_bytes(data, "little"))

    def to_wire(self) -> bytes:
        return self.value.to_bytes(8, "little")

    def __str__(self) -> str:
        return ":".join(f"{b:02x}" for b in self.value.to_bytes(8, "big"))


#: 0xFFFFFFFFFFFFFFFF: "any device", used by EZSP for wildcard transient link keys
WILDCARD_EUI64 = Eui64((1 << 64) - 1)
