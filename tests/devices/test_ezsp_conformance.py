"""The EZSP conformance table in the docs is the one the emulator's tables give today."""

from __future__ import annotations

from hanrig.devices.radio.ezsp.conformance import UNKNOWN
from tests.devices.ezsp_conformance import DOCUMENT, document, tables


def test_the_conformance_document_is_generated_from_the_code() -> None:
    assert DOCUMENT.read_text() == document(), "regenerate it: python -m tests.devices.ezsp_conformance"


def test_every_frame_the_emulator_knows_is_a_frame_bellows_knows_by_the_same_id() -> None:
    for version, version_rows in tables().items():
        ids: dict[int, list[str]] = {}
        for row in version_rows:
            ids.setdefault(row.frame_id, []).append(row.name)
        assert {i: names for i, names in ids.items() if len(names) > 1} == {}, version


def test_the_commands_hosts_start_with_are_emulated_and_an_unsupported_one_is_unknown() -> None:
    served = {row.name: row.served for row in tables()[13]}
    assert {served[name] for name in ("version", "formNetwork", "sendUnicast", "getExtendedValue",
                                       "mfglibStartTone", "exportKey")} == {"emulated"}
    assert served["zllNetworkOps"] == UNKNOWN
