"""The emulator's RFC 2217 access server: Telnet data, negotiation and COM-PORT-OPTION answers."""

from __future__ import annotations

import asyncio

import serial

from hanrig.devices.radio.rfc2217 import DO, DONT, IAC, SB, SE, WILL, WONT, Option, Rfc2217Server
from tests.devices.conftest import StartApp, StartEmulator


def _com_port(command: int, value: bytes) -> bytes:
    return bytes([IAC, SB, Option.COM_PORT, command]) + value.replace(b"\xff", b"\xff\xff") + bytes([IAC, SE])


def test_doubled_iac_in_the_stream_is_one_uart_byte_and_uart_bytes_255_are_doubled() -> None:
    server = Rfc2217Server()
    assert server.feed(b"\x1a\xff\xff\x7e") == (b"\x1a\xff\x7e", b"")
    assert server.escape(b"\x01\xff\x02") == b"\x01\xff\xff\x02"


def test_a_telnet_command_split_across_reads_is_still_taken_out_of_the_data() -> None:
    server = Rfc2217Server()
    first = server.feed(b"\x1a" + bytes([IAC]))
    second = server.feed(bytes([WILL, Option.ECHO]) + b"\x7e")
    assert (first[0], second[0]) == (b"\x1a", b"\x7e")
    assert second[1] == bytes([IAC, DONT, Option.ECHO])


def test_options_the_server_offered_are_not_answered_again_and_others_are_refused() -> None:
    server = Rfc2217Server()
    agreed = bytes([IAC, DO, Option.BINARY, IAC, WILL, Option.COM_PORT, IAC, DO, Option.SUPPRESS_GO_AHEAD])
    assert server.feed(agreed) == (b"", b"")
    assert server.feed(bytes([IAC, DO, Option.ECHO])) == (b"", bytes([IAC, WONT, Option.ECHO]))


def test_every_setting_is_acknowledged_with_its_code_plus_100_and_the_value_in_force() -> None:
    server = Rfc2217Server()
    _, reply = server.feed(_com_port(1, (57600).to_bytes(4, "big")))
    assert reply == _com_port(101, (57600).to_bytes(4, "big"))
    _, reply = server.feed(_com_port(1, bytes(4)))  # a query
    assert reply == _com_port(101, (57600).to_bytes(4, "big"))
    _, reply = server.feed(_com_port(11, b"\xff"))  # SET-MODEMSTATE-MASK, which ser2net leaves unanswered on a pty
    assert reply == _com_port(111, b"\xff")


def test_control_queries_are_answered_with_the_uarts_state_and_flow_control_is_not_acknowledged() -> None:
    server = Rfc2217Server()
    assert server.feed(_com_port(5, b"\x07"))[1] == _com_port(105, b"\x08")  # DTR? on
    assert server.feed(_com_port(5, b"\x00"))[1] == _com_port(105, b"\x01")  # flow control? none
    assert server.feed(_com_port(5, b"\x09"))[1] == _com_port(105, b"\x09")  # DTR off: done
    assert server.feed(_com_port(8, b""))[1] == b""  # FLOWCONTROL-SUSPEND


async def test_bellows_forms_a_network_over_the_emulators_rfc2217_port_and_pyserial_resets_it_there(
        emulator: StartEmulator, application: StartApp) -> None:
    """Real bellows (on zigpy's serialx) negotiates RFC 2217 and forms; pyserial's client gets RSTACK to RST."""
    emu = await emulator("--rfc2217", "127.0.0.1:0")
    url = str(emu.readiness.rfc2217)
    app = await application(url, auto_form=True)
    assert app.state.network_info.channel
    events = await emu.request("events")
    assert any(e["kind"] == "host_connected" and e.get("via") == "rfc2217" for e in events)
    await app.disconnect()

    def pyserial_reset() -> bytes:
        port = serial.serial_for_url(url, baudrate=115200, timeout=5)
        try:
            port.write(bytes.fromhex("1AC038BC7E"))
            return bytes(port.read(6))
        finally:
            port.close()

    assert await asyncio.to_thread(pyserial_reset) == bytes.fromhex("C1020B0A527E")
