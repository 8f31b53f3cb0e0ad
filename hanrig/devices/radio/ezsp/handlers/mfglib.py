"""Manufacturing library frames: the radio tests a lab runs on a stick (``bellows tone``, ``stream``).

mfglib takes the radio away from the network stack until mfglibEnd: it sets a channel and a
power of its own and sends a tone, a stream or raw packets; nothing of it reaches the virtual
HAN, whose devices a tone would only drown out. Commands given before mfglibStart are refused
with INVALID_CALL, as on a stick. The emulator keeps what was asked for, in its status and
events, so a test can see it. [INF] The order checks (tone and stream exclusive) follow
Silicon Labs' mfglib API description; the NCP's source is not public.
"""

from __future__ import annotations

from typing import Any

from construct import Container

from hanrig.devices.radio.ezsp.handlers.registry import handles
from hanrig.devices.radio.ezsp.types import EmberStatus
from hanrig.devices.radio.ncp import Mfglib, Ncp


@handles("mfglibStart")
def mfglib_start(ncp: Ncp, p: Container) -> dict[str, Any]:
    if ncp.mfglib is not None:
        return {"status": EmberStatus.INVALID_CALL}
    ncp.mfglib = Mfglib(channel=ncp.channel or 11, power=ncp.tx_power, rx_callback=bool(p.rx_callback))
    ncp.events.emit("ncp", "mfglib_started")
    return {"status": EmberStatus.SUCCESS}


@handles("mfglibEnd")
def mfglib_end(ncp: Ncp, p: Container) -> dict[str, Any]:
    if ncp.mfglib is None:
        return {"status": EmberStatus.INVALID_CALL}
    ncp.mfglib = None
    ncp.events.emit("ncp", "mfglib_ended")
    return {"status": EmberStatus.SUCCESS}


def _transmission(ncp: Ncp, mode: str | None, *, starting: bool) -> dict[str, Any]:
    mfglib = ncp.mfglib
    if mfglib is None or (starting and mfglib.transmitting is not None) or (
            not starting and mfglib.transmitting != mode):
        return {"status": EmberStatus.INVALID_CALL}
    mfglib.transmitting = mode if starting else None
    ncp.events.emit("ncp", f"mfglib_{mode}_{'started' if starting else 'stopped'}", channel=mfglib.channel,
                    power=mfglib.power)
    return {"status": EmberStatus.SUCCESS}


@handles("mfglibStartTone")
def mfglib_start_tone(ncp: Ncp, p: Container) -> dict[str, Any]:
    return _transmission(ncp, "tone", starting=True)


@handles("mfglibStopTone")
def mfglib_stop_tone(ncp: Ncp, p: Container) -> dict[str, Any]:
    return _transmission(ncp, "tone", starting=False)


@handles("mfglibStartStream")
def mfglib_start_stream(ncp: Ncp, p: Container) -> dict[str, Any]:
    return _transmission(ncp, "stream", starting=True)


@handles("mfglibStopStream")
def mfglib_stop_stream(ncp: Ncp, p: Container) -> dict[str, Any]:
    return _transmission(ncp, "stream", starting=False)


@handles("mfglibSendPacket")
def mfglib_send_packet(ncp: Ncp, p: Container) -> dict[str, Any]:
    mfglib = ncp.mfglib
    # the packet's length octet counts its two-octet FCS, which the radio appends: 3 to 127
    if mfglib is None or mfglib.transmitting is not None:
        return {"status": EmberStatus.INVALID_CALL}
    if not 3 <= len(p.packet_contents) <= 127:
        return {"status": EmberStatus.BAD_ARGUMENT}
    mfglib.packets_sent += 1
    return {"status": EmberStatus.SUCCESS}


@handles("mfglibSetChannel")
def mfglib_set_channel(ncp: Ncp, p: Container) -> dict[str, Any]:
    if ncp.mfglib is None or ncp.mfglib.transmitting is not None:
        return {"status": EmberStatus.INVALID_CALL}
    if not 11 <= p.channel <= 26:
        return {"status": EmberStatus.BAD_ARGUMENT}
    ncp.mfglib.channel = p.channel
    return {"status": EmberStatus.SUCCESS}


@handles("mfglibGetChannel")
def mfglib_get_channel(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"channel": ncp.mfglib.channel if ncp.mfglib is not None else ncp.channel or 0}


@handles("mfglibSetPower")
def mfglib_set_power(ncp: Ncp, p: Container) -> dict[str, Any]:
    if ncp.mfglib is None or ncp.mfglib.transmitting is not None:
        return {"status": EmberStatus.INVALID_CALL}
    ncp.mfglib.power = p.power
    return {"status": EmberStatus.SUCCESS}


@handles("mfglibGetPower")
def mfglib_get_power(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"power": ncp.mfglib.power if ncp.mfglib is not None else ncp.tx_power}
