"""JSON-ready primitives of gbcs values."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hanrig.gbcs.der import FirmwareTransferAlert, TransferResult
from hanrig.gbcs.dlms import DlmsType, DlmsValue
from hanrig.gbcs.primitive import to_primitive


def test_payload_becomes_json_with_hex_bytes_names_for_enums_and_iso_times() -> None:
    payload = FirmwareTransferAlert(0x8F89, datetime(2015, 1, 1, tzinfo=UTC), "00DB1234567890A4",
                                    bytes.fromhex("0123abcd"), TransferResult.HARDWARE_VERSION_MISMATCH)
    assert to_primitive(payload) == {
        "alert_code": 0x8F89,
        "execution_date_time": "2015-01-01T00:00:00+00:00",
        "entity_id": "00DB1234567890A4",
        "firmware_version": "0123ABCD",
        "response_code": "hardware-version-mismatch",
    }
    json.dumps(to_primitive(payload))


def test_dlms_values_keep_their_type() -> None:
    value = DlmsValue(DlmsType.STRUCTURE, (DlmsValue(DlmsType.LONG_UNSIGNED, 7),))
    assert to_primitive(value) == {"type": "structure", "value": [{"type": "long-unsigned", "value": 7}]}
