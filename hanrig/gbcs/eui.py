"""EUI-64 identifiers: how GBCS names devices and organisations (system titles)."""

from __future__ import annotations

import string

from hanrig.gbcs.errors import EncodeError

_HEX_DIGITS = frozenset(string.hexdigits)


class Eui64(str):
    """An EUI-64 as 16 upper-case hex digits, e.g. ``00DB1234567890A4``.

    Accepts the forms people paste: ``00-db-12-34-56-78-90-a4``, ``00:DB:...``, bare hex,
    or the 8 bytes themselves. Being a ``str`` it compares equal to its text, works as
    a dict key and goes into JSON unchanged.
    """

    def __new__(cls, value: str | bytes) -> Eui64:
        if isinstance(value, bytes | bytearray):
            if len(value) != 8:
                raise EncodeError(f"an EUI-64 is 8 bytes, got {len(value)}", field="EUI-64")
            return super().__new__(cls, bytes(value).hex().upper())
        text = value.replace("-", "").replace(":", "").strip()
        if len(text) != 16 or not _HEX_DIGITS.issuperset(text):
            raise EncodeError(f"not an EUI-64: {value!r} (16 hex digits expected)", field="EUI-64")
        return super().__new__(cls, text.upper())

    @property
    def octets(self) -> bytes:
        """The 8 bytes, most significant first (the order GBCS puts on the wire)."""
        return bytes.fromhex(self)

    def __repr__(self) -> str:
        return f"Eui64({str(self)!r})"


#: The DCC Access Control Broker of the Reference Test Data Set; commands are MAC'd by it.
RTDS_ACB = Eui64("90B3D51F30000002")
#: The RTDS test Supplier (GITTESTSUPPLIER), which signs firmware images and critical commands.
RTDS_SUPPLIER = Eui64("90B3D51F30010000")
