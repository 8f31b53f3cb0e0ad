"""What the emulated NCP keeps across resets and restarts, and the file it keeps it in.

A real NCP keeps its network in NVM tokens: its EUI-64, the network parameters, the keys
and frame counters, the key and child tables. The emulator keeps the same facts in a state
file shaped like zigpy's open coordinator backup (the JSON ``zigpy radio … backup``
writes), so that a restarted emulator comes back with the same network, a backup from a
real dongle can seed it, and zigpy can read the file. What zigpy's shape has no field for
lives under ``metadata.internal.hanrig``.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hanrig.cbke.agreement import Credentials
from hanrig.cbke.errors import CbkeError
from hanrig.cbke.suites import SuiteId, suite_of
from hanrig.devices.errors import StateFileError
from hanrig.devices.ieee import Eui64
from hanrig.devices.radio.ezsp.types import InitialSecurityBitmask, NodeType

LOG = logging.getLogger(__name__)

FORMAT = "zigpy/open-coordinator-backup"
SOURCE = "hanrig-emulator"
WELL_KNOWN_TC_LINK_KEY = b"ZigBeeAlliance09"
SECURITY_LEVEL = 5
#: like EmberZNet, the NWK frame counter is written to NVM only every this many frames, and
#: written that far ahead, so that a crash never makes the NCP reuse a counter
FRAME_COUNTER_STRIDE = 4096
#: the initial security bitmask a trust center forms with when a backup does not say
DEFAULT_SECURITY_BITMASK = (
    InitialSecurityBitmask.HAVE_PRECONFIGURED_KEY
    | InitialSecurityBitmask.REQUIRE_ENCRYPTED_KEY
    | InitialSecurityBitmask.TRUST_CENTER_GLOBAL_LINK_KEY
    | InitialSecurityBitmask.HAVE_NETWORK_KEY
    | InitialSecurityBitmask.NO_FRAME_COUNTER_RESET
)


@dataclass(frozen=True)
class NetworkSettings:
    pan_id: int
    extended_pan_id: Eui64
    channel: int
    tx_power: int
    nwk_update_id: int = 0
    nwk_manager_id: int = 0x0000

    @property
    def channel_mask(self) -> int:
        return 1 << self.channel


@dataclass(frozen=True)
class LinkKey:
    partner: Eui64
    key: bytes
    tx_counter: int = 0
    rx_counter: int = 0


@dataclass(frozen=True)
class NetworkMember:
    """A device that joined this network: it is still in it after a restart."""

    eui64: Eui64
    node_id: int
    is_child: bool
    node_type: NodeType = NodeType.ROUTER


@dataclass
class Nvm:
    """The NCP's non-volatile memory."""

    eui64: Eui64
    network: NetworkSettings | None = None
    security_bitmask: int = int(DEFAULT_SECURITY_BITMASK)
    #: the trust center link key as the host set it (the hashed-key seed when hashed)
    preconfigured_key: bytes = WELL_KNOWN_TC_LINK_KEY
    network_key: bytes = bytes(16)
    network_key_sequence: int = 0
    nwk_frame_counter: int = 0
    aps_frame_counter: int = 0
    key_table: dict[int, LinkKey] = field(default_factory=dict)
    members: dict[Eui64, NetworkMember] = field(default_factory=dict)
    #: the CBKE data preinstalled per crypto suite (manufacturing tokens on a real NCP)
    cbke: dict[SuiteId, Credentials] = field(default_factory=dict)

    @property
    def formed(self) -> bool:
        return self.network is not None

    @property
    def hashed_tc_link_key(self) -> bool:
        mask = InitialSecurityBitmask.TRUST_CENTER_USES_HASHED_LINK_KEY
        return self.security_bitmask & mask == mask


def _hex16(value: int) -> str:
    return f"{value:04x}"


def _eui(value: Eui64) -> str:
    return f"{value.value:016x}"


def to_backup(nvm: Nvm, *, ezsp_version: int) -> dict[str, Any]:
    """The state as an open coordinator backup (the network fields are zeros when not formed)."""
    network = nvm.network or NetworkSettings(0, Eui64(0), 0, 0)
    hashed = nvm.hashed_tc_link_key
    devices: list[dict[str, Any]] = [
        {"ieee_address": _eui(m.eui64), "nwk_address": _hex16(m.node_id), "is_child": m.is_child}
        for m in nvm.members.values()
    ]
    by_ieee = {d["ieee_address"]: d for d in devices}
    for link_key in nvm.key_table.values():
        entry = by_ieee.setdefault(
            _eui(link_key.partner),
            {"ieee_address": _eui(link_key.partner), "nwk_address": None, "is_child": False},
        )
        if entry not in devices:
            devices.append(entry)
        entry["link_key"] = {
            "key": link_key.key.hex(),
            "tx_counter": link_key.tx_counter,
            "rx_counter": link_key.rx_counter,
        }
    return {
        "metadata": {
            "version": 1,
            "format": FORMAT,
            "source": SOURCE,
            "internal": {
                "creation_time": datetime.now(UTC).isoformat(),
                "node": {"ieee": _eui(nvm.eui64), "nwk": "0000", "type": "coordinator"},
                "network": {
                    "tc_link_key": {
                        "key": (WELL_KNOWN_TC_LINK_KEY if hashed else nvm.preconfigured_key).hex(),
                        "frame_counter": nvm.aps_frame_counter,
                    },
                    "tc_address": _eui(nvm.eui64),
                    "nwk_manager": _hex16(network.nwk_manager_id),
                },
                "link_key_seqs": {},
                "tx_power": network.tx_power,
                "ezspVersion": ezsp_version,
                "hanrig": {
                    "formed": nvm.formed,
                    "security_bitmask": nvm.security_bitmask,
                    "preconfigured_key": nvm.preconfigured_key.hex(),
                    "key_table": {str(i): _eui(k.partner) for i, k in sorted(nvm.key_table.items())},
                    "members": {_eui(m.eui64): m.node_type.name.lower() for m in nvm.members.values()},
                    "cbke": {str(int(suite)): _cbke_record(held) for suite, held in sorted(nvm.cbke.items())},
                },
            },
        },
        "stack_specific": {"ezsp": {"hashed_tclk": nvm.preconfigured_key.hex()}} if hashed else {},
        "coordinator_ieee": _eui(nvm.eui64),
        "pan_id": _hex16(network.pan_id),
        "extended_pan_id": _eui(network.extended_pan_id),
        "nwk_update_id": network.nwk_update_id,
        "security_level": SECURITY_LEVEL,
        "channel": network.channel,
        "channel_mask": [network.channel] if nvm.formed else [],
        "network_key": {
            "key": nvm.network_key.hex(),
            "sequence_number": nvm.network_key_sequence,
            "frame_counter": nvm.nwk_frame_counter,
        },
        "devices": sorted(devices, key=lambda d: d["ieee_address"]),
    }


def _cbke_record(held: Credentials) -> dict[str, str]:
    return {"ca_public_key": held.ca_public_key.hex(), "certificate": held.certificate.hex(),
            "private_key": held.suite.curve.encode_scalar(held.private_key).hex()}


def _cbke_credentials(records: dict[str, dict[str, str]]) -> dict[SuiteId, Credentials]:
    held: dict[SuiteId, Credentials] = {}
    for suite_text, record in records.items():
        suite = suite_of(int(suite_text))
        try:
            held[suite.id] = Credentials(suite, bytes.fromhex(record["certificate"]),
                                         int(record["private_key"], 16), bytes.fromhex(record["ca_public_key"]))
        except CbkeError as exc:
            raise ValueError(f"CBKE data of {suite.name}: {exc}") from None
    return held


def from_backup(backup: dict[str, Any]) -> Nvm:
    """The state an open coordinator backup describes; ``KeyError``/``ValueError`` if it cannot."""
    internal = backup["metadata"].get("internal", {})
    ours = internal.get("hanrig", {})
    network_meta = internal.get("network", {})
    eui64 = Eui64(int(backup["coordinator_ieee"], 16))
    hashed_seed = backup.get("stack_specific", {}).get("ezsp", {}).get("hashed_tclk")
    bitmask = ours.get("security_bitmask", int(DEFAULT_SECURITY_BITMASK))
    if "security_bitmask" not in ours and hashed_seed:
        bitmask |= InitialSecurityBitmask.TRUST_CENTER_USES_HASHED_LINK_KEY
    if "preconfigured_key" in ours:
        preconfigured = bytes.fromhex(ours["preconfigured_key"])
    elif hashed_seed:
        preconfigured = bytes.fromhex(hashed_seed)
    else:
        preconfigured = bytes.fromhex(
            network_meta.get("tc_link_key", {}).get("key", WELL_KNOWN_TC_LINK_KEY.hex())
        )
    formed = ours.get("formed", True)
    network = None
    if formed:
        network = NetworkSettings(
            pan_id=int(backup["pan_id"], 16),
            extended_pan_id=Eui64(int(backup["extended_pan_id"], 16)),
            channel=int(backup["channel"]),
            tx_power=int(internal.get("tx_power") or 8),
            nwk_update_id=int(backup["nwk_update_id"]),
            nwk_manager_id=int(network_meta.get("nwk_manager", "0000"), 16),
        )
    types = ours.get("members", {})
    members: dict[Eui64, NetworkMember] = {}
    link_keys: dict[Eui64, LinkKey] = {}
    for device in backup.get("devices", []):
        partner = Eui64(int(device["ieee_address"], 16))
        if device.get("nwk_address") is not None:
            kind = types.get(device["ieee_address"], "end_device" if device.get("is_child") else "router")
            members[partner] = NetworkMember(
                partner, int(device["nwk_address"], 16), bool(device.get("is_child")), NodeType[kind.upper()]
            )
        if "link_key" in device:
            key = device["link_key"]
            link_keys[partner] = LinkKey(
                partner, bytes.fromhex(key["key"]), key["tx_counter"], key["rx_counter"]
            )
    slots = {int(i): Eui64(int(ieee, 16)) for i, ieee in ours.get("key_table", {}).items()}
    key_table = {i: link_keys.pop(partner) for i, partner in slots.items() if partner in link_keys}
    for link_key in link_keys.values():
        key_table[max(key_table, default=-1) + 1] = link_key
    network_key = backup["network_key"]
    return Nvm(
        eui64=eui64,
        network=network,
        security_bitmask=bitmask,
        preconfigured_key=preconfigured,
        network_key=bytes.fromhex(network_key["key"]),
        network_key_sequence=int(network_key["sequence_number"]),
        nwk_frame_counter=int(network_key["frame_counter"]),
        aps_frame_counter=int(network_meta.get("tc_link_key", {}).get("frame_counter", 0)),
        key_table=key_table,
        members=members,
        cbke=_cbke_credentials(ours.get("cbke", {})),
    )


class NvmStore:
    """The state file: read once at start, written atomically whenever NVM changes."""

    def __init__(self, path: Path | None, *, ezsp_version: int) -> None:
        self.path = path
        self._ezsp_version = ezsp_version
        self._saved_frame_counter = 0

    def load(self, default_eui64: Eui64) -> Nvm:
        """The saved state, or a factory-new NCP if there is no file yet."""
        if self.path is None or not self.path.exists():
            return Nvm(eui64=default_eui64)
        try:
            nvm = from_backup(json.loads(self.path.read_text()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StateFileError(
                f"{self.path}: not a usable NCP state (open coordinator backup): {exc!r}"
            ) from exc
        self._saved_frame_counter = nvm.nwk_frame_counter
        LOG.info("NCP state from %s: %s", self.path, "formed network" if nvm.formed else "no network")
        return nvm

    def save(self, nvm: Nvm) -> None:
        if self.path is None:
            return
        data = to_backup(nvm, ezsp_version=self._ezsp_version)
        # Written next to the file and renamed over it: a crash never leaves half a state.
        descriptor, temporary = tempfile.mkstemp(prefix=self.path.name, suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(descriptor, "w") as stream:
                json.dump(data, stream, indent=2)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._saved_frame_counter = nvm.nwk_frame_counter

    def frame_counter_advanced(self, nvm: Nvm) -> None:
        """Save a counter ahead of use each time it enters a new stride."""
        if nvm.nwk_frame_counter >= self._saved_frame_counter:
            ahead = Nvm(**{**nvm.__dict__, "nwk_frame_counter": nvm.nwk_frame_counter + FRAME_COUNTER_STRIDE})
            self.save(ahead)
