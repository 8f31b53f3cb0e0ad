"""Utilities frames: nop, echo, manufacturing tokens, counters, custom frames, tokens."""

from __future__ import annotations

from typing import Any

from construct import Container

from hanrig.devices.radio.ezsp.handlers.registry import Support, handles
from hanrig.devices.radio.ezsp.layer import Refused
from hanrig.devices.radio.ezsp.types import COUNTER_TYPE_COUNT, EmberStatus, EzspStatus, MfgTokenId
from hanrig.devices.radio.ncp import Ncp
from hanrig.devices.radio.nvm import DEFAULT_SECURITY_BITMASK, WELL_KNOWN_TC_LINK_KEY

#: how many bytes each manufacturing token holds; unwritten bytes read 0xFF
_TOKEN_SIZES = {
    MfgTokenId.CUSTOM_VERSION: 2,
    MfgTokenId.STRING: 16,
    MfgTokenId.BOARD_NAME: 16,
    MfgTokenId.MANUF_ID: 2,
    MfgTokenId.PHY_CONFIG: 2,
    MfgTokenId.BOOTLOAD_AES_KEY: 16,
    MfgTokenId.ASH_CONFIG: 40,
    MfgTokenId.STORAGE: 8,
    MfgTokenId.STACK_CAL_DATA: 2,
    MfgTokenId.CBKE_DATA: 92,
    MfgTokenId.INSTALLATION_CODE: 20,
    MfgTokenId.STACK_CAL_FILTER: 1,
    MfgTokenId.CUSTOM_EUI_64: 8,
    MfgTokenId.CTUNE: 2,
}


def _padded(text: str, size: int) -> bytes:
    return text.encode()[:size].ljust(size, b"\xff")


@handles("nop")
def nop(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {}


@handles("echo")
def echo(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"echo": p.data}


@handles("getMfgToken")
def get_mfg_token(ncp: Ncp, p: Container) -> dict[str, Any]:
    size = _TOKEN_SIZES.get(p.token_id, 0)
    if p.token_id == MfgTokenId.STRING:
        return {"token_data": _padded(ncp.firmware.manufacturer, size)}
    if p.token_id == MfgTokenId.BOARD_NAME:
        return {"token_data": _padded(ncp.firmware.board, size)}
    # No custom EUI-64 burnt in, no install code, no certificates: erased flash.
    return {"token_data": b"\xff" * size}


@handles("readCounters")
def read_counters(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"values": list(ncp.counters)}


@handles("readAndClearCounters")
def read_and_clear_counters(ncp: Ncp, p: Container) -> dict[str, Any]:
    values = list(ncp.counters)
    ncp.counters = [0] * COUNTER_TYPE_COUNT
    return {"values": values}


@handles("customFrame", support=Support.REFUSED, note="stock firmware has no XNCP commands")
def custom_frame(ncp: Ncp, p: Container) -> dict[str, Any]:
    # Stock firmware has no extended (XNCP) commands: the host falls back to plain EZSP.
    return {"status": EmberStatus.INVALID_CALL, "reply": b""}


@handles("getTokenData", support=Support.REFUSED, note="the NV3 token interface is not emulated")
def get_token_data(ncp: Ncp, p: Container) -> dict[str, Any]:
    # The NV3 token interface is not emulated; bellows treats this answer as "not there".
    raise Refused(EzspStatus.ERROR_INVALID_FRAME_ID)


@handles("tokenFactoryReset")
def token_factory_reset(ncp: Ncp, p: Container) -> dict[str, Any]:
    nvm = ncp.nvm
    nvm.network = None
    nvm.members.clear()
    nvm.key_table.clear()
    nvm.security_bitmask = int(DEFAULT_SECURITY_BITMASK)
    nvm.preconfigured_key = WELL_KNOWN_TC_LINK_KEY
    nvm.network_key = bytes(16)
    if not p.exclude_outgoing_fc:
        nvm.nwk_frame_counter = nvm.aps_frame_counter = 0
    ncp.save()
    return {}
