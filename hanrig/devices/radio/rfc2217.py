"""RFC 2217 (Telnet Com Port Control) as an access server speaks it: the NCP's UART on the network.

A lab shares a dongle through a serial server (ser2net, a network serial device) and hosts
open it as ``rfc2217://HOST:PORT``. ser2net cannot serve the emulator's pseudo-terminal that
way: a pty has no modem lines, so ser2net never acknowledges SET-MODEMSTATE-MASK or
SET-CONTROL (DTR), and clients (serialx, pyserial) time out waiting. The emulator therefore
serves RFC 2217 itself: this is the Telnet layer between the TCP stream and the UART bytes.

The server agrees to BINARY and SUPPRESS-GO-AHEAD both ways and asks for COM-PORT-OPTION.
Every COM-PORT-OPTION request is acknowledged as RFC 2217 section 3 says (the code plus
100, with the value now in force); queries (value 0) are answered with the UART's settings.
An emulated UART takes any setting: it has no baud rate to get wrong.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

IAC = 255
SB, SE = 250, 240
WILL, WONT, DO, DONT = 251, 252, 253, 254


class Option(enum.IntEnum):
    BINARY = 0
    ECHO = 1
    SUPPRESS_GO_AHEAD = 3
    COM_PORT = 44


#: what the server agrees to, each way (RFC 2217 section 2: binary transmission both ways)
_AGREED = {Option.BINARY, Option.SUPPRESS_GO_AHEAD, Option.COM_PORT}


class ComPort(enum.IntEnum):
    """COM-PORT-OPTION commands, client to server; the server answers each with the code + 100."""

    SET_BAUDRATE = 1
    SET_DATASIZE = 2
    SET_PARITY = 3
    SET_STOPSIZE = 4
    SET_CONTROL = 5
    FLOWCONTROL_SUSPEND = 8
    FLOWCONTROL_RESUME = 9
    SET_LINESTATE_MASK = 10
    SET_MODEMSTATE_MASK = 11
    PURGE_DATA = 12


#: SET-CONTROL queries and what the UART answers: flow control none, break off, DTR on, RTS on
_CONTROL_QUERIES = {0: 1, 4: 6, 7: 8, 10: 11}
#: the UART's settings, as RFC 2217 codes them: 115200 baud, 8 data bits, no parity, 1 stop bit
_DEFAULTS = {ComPort.SET_BAUDRATE: (115200).to_bytes(4, "big"), ComPort.SET_DATASIZE: b"\x08",
             ComPort.SET_PARITY: b"\x01", ComPort.SET_STOPSIZE: b"\x01"}


class _State(enum.Enum):
    DATA = enum.auto()
    IAC = enum.auto()
    NEGOTIATION = enum.auto()
    SUBNEGOTIATION = enum.auto()
    SUBNEGOTIATION_IAC = enum.auto()


@dataclass
class Rfc2217Server:
    """The server's side of one connection: ``feed`` the network bytes, ``escape`` the UART's."""

    #: the UART's settings as last set by the client, RFC 2217-coded
    settings: dict[ComPort, bytes] = field(default_factory=lambda: dict(_DEFAULTS))
    _state: _State = _State.DATA
    _verb: int = 0
    _subnegotiation: bytearray = field(default_factory=bytearray)

    @staticmethod
    def greeting() -> bytes:
        """What the server sends first: its offers, and its request that the client do COM-PORT-OPTION."""
        return bytes([IAC, WILL, Option.BINARY, IAC, DO, Option.BINARY, IAC, WILL, Option.SUPPRESS_GO_AHEAD,
                      IAC, DO, Option.SUPPRESS_GO_AHEAD, IAC, DO, Option.COM_PORT])

    @staticmethod
    def escape(data: bytes) -> bytes:
        """UART bytes as Telnet data: 255 doubled."""
        return data.replace(b"\xff", b"\xff\xff")

    def feed(self, data: bytes) -> tuple[bytes, bytes]:
        """The UART bytes in ``data``, and what the server must answer on the network."""
        uart, reply = bytearray(), bytearray()
        for byte in data:
            match self._state:
                case _State.DATA:
                    if byte == IAC:
                        self._state = _State.IAC
                    else:
                        uart.append(byte)
                case _State.IAC:
                    self._state = _State.DATA
                    if byte == IAC:
                        uart.append(IAC)
                    elif byte in (WILL, WONT, DO, DONT):
                        self._verb, self._state = byte, _State.NEGOTIATION
                    elif byte == SB:
                        self._subnegotiation.clear()
                        self._state = _State.SUBNEGOTIATION
                    # any other Telnet command (NOP, GA, ...) means nothing to a serial line
                case _State.NEGOTIATION:
                    self._state = _State.DATA
                    reply += self._negotiate(self._verb, byte)
                case _State.SUBNEGOTIATION:
                    if byte == IAC:
                        self._state = _State.SUBNEGOTIATION_IAC
                    else:
                        self._subnegotiation.append(byte)
                case _State.SUBNEGOTIATION_IAC:
                    if byte == IAC:
                        self._subnegotiation.append(IAC)
                        self._state = _State.SUBNEGOTIATION
                    else:  # SE, or a broken subnegotiation that ends here all the same
                        self._state = _State.DATA
                        reply += self._com_port(bytes(self._subnegotiation))
        return bytes(uart), bytes(reply)

    @staticmethod
    def _negotiate(verb: int, option: int) -> bytes:
        # Answer only a refusal: what the server agrees to it offered in its greeting, and
        # answering an agreement again would start a negotiation loop (RFC 854).
        if option in _AGREED:
            return b""
        if verb == WILL:
            return bytes([IAC, DONT, option])
        if verb == DO:
            return bytes([IAC, WONT, option])
        return b""

    def _com_port(self, subnegotiation: bytes) -> bytes:
        if len(subnegotiation) < 2 or subnegotiation[0] != Option.COM_PORT:
            return b""
        try:
            command = ComPort(subnegotiation[1])
        except ValueError:
            return b""  # a server-to-client code, or one RFC 2217 does not define
        value = subnegotiation[2:]
        if command in (ComPort.FLOWCONTROL_SUSPEND, ComPort.FLOWCONTROL_RESUME):
            return b""  # not acknowledged (RFC 2217 section 3)
        if command is ComPort.SET_CONTROL and value[:1] and value[0] in _CONTROL_QUERIES:
            value = bytes([_CONTROL_QUERIES[value[0]]])
        elif command in _DEFAULTS:
            if value.strip(b"\x00"):
                self.settings[command] = value
            value = self.settings[command]  # a query (0) is answered with the setting in force
        answer = bytes([Option.COM_PORT, command + 100]) + value
        return bytes([IAC, SB]) + self.escape(answer) + bytes([IAC, SE])
