"""The NCP's EZSP layer: version negotiation, refusals, and callbacks kept behind responses."""

from __future__ import annotations

import logging

import pytest

from hanrig.devices.radio.ezsp.handlers import HANDLERS
from hanrig.devices.radio.ezsp.types import EmberStatus, EzspStatus
from tests.devices.stack_harness import Stack


def test_the_legacy_version_command_gets_a_legacy_answer_with_the_ncps_version() -> None:
    stack = Stack(13)
    stack.layer.receive(bytes([7, 0x00, 0x00, 4]))
    assert stack.sent == [bytes([7, 0x80, 0x00, 13, 2]) + (0x7420).to_bytes(2, "little")]
    assert not stack.layer.negotiated, "asking for v4 does not agree on v13"


def test_nothing_but_version_is_served_until_the_host_asks_for_the_ncps_version() -> None:
    stack = Stack(8)
    stack.layer.receive(bytes.fromhex("05000105 00"))  # nop, extended header
    assert stack.sent[-1] == bytes.fromhex("0580015800") + bytes([EzspStatus.ERROR_VERSION_NOT_SET])
    stack.layer.receive(bytes([6, 0x00, 0x00, 8]))
    assert stack.layer.negotiated
    stack.layer.receive(bytes.fromhex("07000105 00"))
    assert stack.sent[-1] == bytes.fromhex("0780010500")


def test_an_unknown_frame_id_is_refused_and_named_in_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    stack = Stack(13)
    stack.negotiate()
    with caplog.at_level(logging.WARNING, logger="hanrig.devices.radio.ezsp.layer"):
        stack.layer.receive(bytes.fromhex("0900012301 aabb"))
    assert stack.sent == [bytes.fromhex("0980015800") + bytes([EzspStatus.ERROR_INVALID_FRAME_ID])]
    assert "0x0123" in caplog.text
    assert stack.layer.unknown_commands == {0x0123: 1}


def test_a_v8_command_missing_from_v13_is_unknown_there() -> None:
    stack = Stack(13)
    stack.negotiate()
    stack.layer.receive(bytes.fromhex("0a00016a00 03"))  # getKey, withdrawn in v13
    assert stack.sent[-1][3:6] == bytes.fromhex("5800") + bytes([EzspStatus.ERROR_INVALID_FRAME_ID])


def test_a_command_shorter_than_its_full_form_reads_the_missing_parameters_as_zeros_as_firmware_does() -> None:
    stack = Stack(13)
    stack.negotiate()
    stack.layer.receive(bytes.fromhex("0b00015200 05"))  # getConfigurationValue(ADDRESS_TABLE_SIZE)
    configured = stack.sent[-1][5:]
    stack.layer.receive(bytes.fromhex("0c00015300 05"))  # setConfigurationValue without the value
    assert stack.sent[-1][3:] == bytes.fromhex("5300") + bytes([EzspStatus.SUCCESS])
    stack.layer.receive(bytes.fromhex("0d00015200 05"))
    assert stack.sent[-1][5:] == bytes([EzspStatus.SUCCESS, 0, 0]) != configured


def test_a_callback_raised_while_handling_a_command_follows_its_response_with_its_sequence() -> None:
    stack = Stack(13)
    stack.negotiate()
    stack.form()  # networkUp is raised inside formNetwork's handler
    ((name, fields),) = stack.callbacks()
    assert (name, fields.status) == ("stackStatusHandler", EmberStatus.NETWORK_UP)
    stack.layer.receive(bytes.fromhex("4400011800"))  # networkState, sequence 0x44
    stack.sent.clear()
    stack.ncp.permit_joining(0)
    stack.ncp.callback("stackStatusHandler", status=EmberStatus.NETWORK_UP)
    assert stack.sent[-1][:3] == bytes([0x44, 0x90, 0x01]), "async callback, last command's sequence"


def test_callbacks_are_dropped_while_no_host_has_agreed_a_version() -> None:
    stack = Stack(13)
    stack.ncp.callback("stackStatusHandler", status=EmberStatus.NETWORK_UP)
    assert stack.sent == []


def test_a_handler_that_fails_answers_invalid_command_and_the_layer_keeps_serving(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stack = Stack(13, handlers={**HANDLERS, "nop": lambda ncp, params: 1 / 0})
    stack.negotiate()
    with caplog.at_level(logging.ERROR, logger="hanrig.devices.radio.ezsp.layer"):
        stack.layer.receive(bytes.fromhex("0c00010500"))
    assert stack.sent[-1] == bytes.fromhex("0c80015800") + bytes([EzspStatus.ERROR_INVALID_CALL])
    assert "nop handler failed" in caplog.text
    assert stack.command("echo", data=b"still here").echo == b"still here"


def test_manufacturing_commands_before_mfglib_start_are_refused_as_invalid_calls() -> None:
    stack = Stack(13)
    stack.negotiate()
    stack.layer.receive(bytes.fromhex("0e00018a00 0f"))  # mfglibSetChannel(15)
    assert stack.sent[-1][3:] == bytes.fromhex("8a00") + bytes([EmberStatus.INVALID_CALL])
    stack.layer.receive(bytes.fromhex("0f00018300 00"))  # mfglibStart
    stack.layer.receive(bytes.fromhex("1000018a00 0f"))
    assert stack.sent[-1][3:] == bytes.fromhex("8a00") + bytes([EmberStatus.SUCCESS])
    stack.layer.receive(bytes.fromhex("1100018a00 1b"))  # channel 27 is not a 2.4 GHz channel
    assert stack.sent[-1][3:] == bytes.fromhex("8a00") + bytes([EmberStatus.BAD_ARGUMENT])
