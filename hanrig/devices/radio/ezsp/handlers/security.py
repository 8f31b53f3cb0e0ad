"""Security frames: the initial security state, keys, the key table, transient keys.

EZSP v8 has the old key commands (getKey, getKeyTableEntry, addTransientLinkKey,
addOrUpdateKeyTableEntry); v13 the security manager (exportKey, getNetworkKeyInfo,
importTransientKey, exportLinkKeyByIndex, importLinkKey). Both work on the same state.
"""

from __future__ import annotations

from typing import Any

from construct import Container

from hanrig.devices.ieee import WILDCARD_EUI64, Eui64
from hanrig.devices.radio.ezsp.handlers.registry import Support, handles
from hanrig.devices.radio.ezsp.types import (
    ConfigId,
    CurrentSecurityBitmask,
    EmberStatus,
    InitialSecurityBitmask,
    KeyStructBitmask,
    KeyType,
    SecurityManagerKeyType,
    SlStatus,
)
from hanrig.devices.radio.ncp import Ncp
from hanrig.devices.radio.nvm import LinkKey

NO_KEY = bytes(16)
NO_SLOT = 0xFF
_LINK_KEY_BITMASK = (
    KeyStructBitmask.HAS_OUTGOING_FRAME_COUNTER
    | KeyStructBitmask.HAS_INCOMING_FRAME_COUNTER
    | KeyStructBitmask.HAS_PARTNER_EUI64
)


@handles("setInitialSecurityState")
def set_initial_security_state(ncp: Ncp, p: Container) -> dict[str, Any]:
    if ncp.network_up:
        return {"status": EmberStatus.INVALID_CALL}
    state = p.state
    nvm = ncp.nvm
    nvm.security_bitmask = state.bitmask
    nvm.preconfigured_key = bytes(state.preconfigured_key)
    nvm.network_key = bytes(state.network_key)
    nvm.network_key_sequence = state.network_key_sequence_number
    if not state.bitmask & InitialSecurityBitmask.NO_FRAME_COUNTER_RESET:
        nvm.nwk_frame_counter = nvm.aps_frame_counter = 0
    ncp.save()
    return {"status": EmberStatus.SUCCESS}


@handles("getCurrentSecurityState")
def get_current_security_state(ncp: Ncp, p: Container) -> dict[str, Any]:
    if not ncp.network_up:
        return {
            "status": EmberStatus.NOT_JOINED,
            "state": {"bitmask": 0, "trust_center_long_address": Eui64(0)},
        }
    initial = ncp.nvm.security_bitmask
    bitmask = CurrentSecurityBitmask.HAVE_TRUST_CENTER_LINK_KEY
    if initial & InitialSecurityBitmask.TRUST_CENTER_GLOBAL_LINK_KEY:
        bitmask |= CurrentSecurityBitmask.GLOBAL_LINK_KEY
    if initial & InitialSecurityBitmask.DISTRIBUTED_TRUST_CENTER_MODE:
        bitmask |= CurrentSecurityBitmask.DISTRIBUTED_TRUST_CENTER_MODE
    if ncp.nvm.hashed_tc_link_key:
        bitmask |= CurrentSecurityBitmask.TRUST_CENTER_USES_HASHED_LINK_KEY
    # The coordinator is the trust center.
    return {
        "status": EmberStatus.SUCCESS,
        "state": {"bitmask": bitmask, "trust_center_long_address": ncp.eui64},
    }


def _key_struct(
    key_type: KeyType, key: bytes, bitmask: int, outgoing: int = 0, **extra: Any
) -> dict[str, Any]:
    return {
        "bitmask": bitmask,
        "type": key_type,
        "key": key,
        "outgoing_frame_counter": outgoing,
        "incoming_frame_counter": extra.get("incoming", 0),
        "sequence_number": extra.get("sequence", 0),
        "partner_eui64": extra.get("partner", Eui64(0)),
    }


@handles("getKey")
def get_key(ncp: Ncp, p: Container) -> dict[str, Any]:
    nvm = ncp.nvm
    if p.key_type == KeyType.CURRENT_NETWORK_KEY:
        bitmask = KeyStructBitmask.HAS_SEQUENCE_NUMBER | KeyStructBitmask.HAS_OUTGOING_FRAME_COUNTER
        key = _key_struct(
            p.key_type, nvm.network_key, bitmask, nvm.nwk_frame_counter, sequence=nvm.network_key_sequence
        )
        return {"status": EmberStatus.SUCCESS, "key_struct": key}
    if p.key_type == KeyType.TRUST_CENTER_LINK_KEY:
        key = _key_struct(
            p.key_type,
            nvm.preconfigured_key,
            _LINK_KEY_BITMASK,
            nvm.aps_frame_counter,
            partner=WILDCARD_EUI64,
        )
        return {"status": EmberStatus.SUCCESS, "key_struct": key}
    return {
        "status": EmberStatus.NOT_FOUND,
        "key_struct": _key_struct(KeyType.APPLICATION_LINK_KEY, NO_KEY, 0),
    }


def _table_size(ncp: Ncp) -> int:
    return ncp.config[ConfigId.KEY_TABLE_SIZE]


@handles("getKeyTableEntry")
def get_key_table_entry(ncp: Ncp, p: Container) -> dict[str, Any]:
    if p.index >= _table_size(ncp):
        return {
            "status": EmberStatus.INDEX_OUT_OF_RANGE,
            "key_struct": _key_struct(KeyType.APPLICATION_LINK_KEY, NO_KEY, 0),
        }
    entry = ncp.nvm.key_table.get(p.index)
    if entry is None:
        return {
            "status": EmberStatus.TABLE_ENTRY_ERASED,
            "key_struct": _key_struct(KeyType.APPLICATION_LINK_KEY, NO_KEY, 0),
        }
    key = _key_struct(
        KeyType.APPLICATION_LINK_KEY,
        entry.key,
        _LINK_KEY_BITMASK,
        entry.tx_counter,
        incoming=entry.rx_counter,
        partner=entry.partner,
    )
    return {"status": EmberStatus.SUCCESS, "key_struct": key}


def key_table_slot(ncp: Ncp, partner: Eui64) -> int | None:
    for index, entry in ncp.nvm.key_table.items():
        if entry.partner == partner:
            return index
    free = [i for i in range(_table_size(ncp)) if i not in ncp.nvm.key_table]
    return free[0] if free else None


@handles("addOrUpdateKeyTableEntry")
def add_or_update_key_table_entry(ncp: Ncp, p: Container) -> dict[str, Any]:
    slot = key_table_slot(ncp, p.address)
    if slot is None:
        return {"status": EmberStatus.TABLE_FULL}
    ncp.nvm.key_table[slot] = LinkKey(p.address, bytes(p.key_data))
    ncp.save()
    return {"status": EmberStatus.SUCCESS}


@handles("findKeyTableEntry")
def find_key_table_entry(ncp: Ncp, p: Container) -> dict[str, Any]:
    for index, entry in ncp.nvm.key_table.items():
        if entry.partner == p.address:
            return {"index": index}
    return {"index": NO_SLOT}


@handles("eraseKeyTableEntry")
def erase_key_table_entry(ncp: Ncp, p: Container) -> dict[str, Any]:
    if p.index >= _table_size(ncp):
        return {"status": EmberStatus.INDEX_OUT_OF_RANGE}
    if ncp.nvm.key_table.pop(p.index, None) is not None:
        ncp.save()
    return {"status": EmberStatus.SUCCESS}


@handles("clearKeyTable")
def clear_key_table(ncp: Ncp, p: Container) -> dict[str, Any]:
    ncp.nvm.key_table.clear()
    ncp.save()
    return {"status": EmberStatus.SUCCESS}


@handles("addTransientLinkKey")
def add_transient_link_key(ncp: Ncp, p: Container) -> dict[str, Any]:
    ncp.add_transient_key(p.partner, bytes(p.transient_key))
    return {"status": EmberStatus.SUCCESS}


@handles("importTransientKey")
def import_transient_key(ncp: Ncp, p: Container) -> dict[str, Any]:
    ncp.add_transient_key(p.eui64, bytes(p.plaintext_key))
    return {"status": SlStatus.OK}


@handles("clearTransientLinkKeys")
def clear_transient_link_keys(ncp: Ncp, p: Container) -> dict[str, Any]:
    ncp.clear_transient_keys()
    return {}


@handles("exportKey")
def export_key(ncp: Ncp, p: Container) -> dict[str, Any]:
    context = p.context
    if context.core_key_type == SecurityManagerKeyType.NETWORK:
        return {"key": ncp.nvm.network_key, "status": SlStatus.OK}
    if context.core_key_type == SecurityManagerKeyType.TC_LINK:
        return {"key": ncp.nvm.preconfigured_key, "status": SlStatus.OK}
    if context.core_key_type == SecurityManagerKeyType.APP_LINK and context.key_index in ncp.nvm.key_table:
        return {"key": ncp.nvm.key_table[context.key_index].key, "status": SlStatus.OK}
    return {"key": NO_KEY, "status": SlStatus.NOT_FOUND}


@handles("getNetworkKeyInfo")
def get_network_key_info(ncp: Ncp, p: Container) -> dict[str, Any]:
    nvm = ncp.nvm
    info = {
        "network_key_set": nvm.formed,
        "alternate_network_key_set": False,
        "network_key_sequence_number": nvm.network_key_sequence,
        "alt_network_key_sequence_number": 0,
        "network_key_frame_counter": nvm.nwk_frame_counter,
    }
    return {"status": SlStatus.OK, "network_key_info": info}


def _metadata(entry: LinkKey | None) -> dict[str, int]:
    return {
        "bitmask": _LINK_KEY_BITMASK if entry else 0,
        "outgoing_frame_counter": entry.tx_counter if entry else 0,
        "incoming_frame_counter": entry.rx_counter if entry else 0,
        "ttl_in_seconds": 0,
    }


@handles("exportLinkKeyByIndex")
def export_link_key_by_index(ncp: Ncp, p: Container) -> dict[str, Any]:
    entry = ncp.nvm.key_table.get(p.index)
    if p.index >= _table_size(ncp) or entry is None:
        status = SlStatus.INVALID_INDEX if p.index >= _table_size(ncp) else SlStatus.NOT_FOUND
        return {"eui64": Eui64(0), "plaintext_key": NO_KEY, "key_data": _metadata(None), "status": status}
    return {
        "eui64": entry.partner,
        "plaintext_key": entry.key,
        "key_data": _metadata(entry),
        "status": SlStatus.OK,
    }


@handles("importLinkKey")
def import_link_key(ncp: Ncp, p: Container) -> dict[str, Any]:
    if p.index >= _table_size(ncp):
        return {"status": SlStatus.INVALID_INDEX}
    ncp.nvm.key_table[p.index] = LinkKey(p.address, bytes(p.key))
    ncp.save()
    return {"status": SlStatus.OK}


@handles("removeDevice")
def remove_device(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"status": ncp.remove_device(p.dest_short, p.target_long)}


@handles("gpSinkTableClearAll", support=Support.ACCEPTED, note="no Green Power tables are kept")
def gp_sink_table_clear_all(ncp: Ncp, p: Container) -> dict[str, Any]:
    # The emulated NCP keeps no Green Power tables: there is nothing to clear.
    return {}
