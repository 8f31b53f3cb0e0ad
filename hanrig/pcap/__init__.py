"""Zigbee frames in pcap files that Wireshark and tshark dissect: no radio, no I/O but the file written.

``ZigbeeFrame`` is one APS data frame or acknowledgement as it went over one hop; ``PcapWriter``
writes it as an IEEE 802.15.4 frame behind a TAP header (link type 283, with the channel),
carrying a Zigbee NWK frame, secured with the network key when one is given (AES-CCM*,
security level 5, a 4-octet MIC; the level field zeroed on the air, as Zigbee networks send
it) or plain when it is not (what a host sees once its NCP has decrypted a frame). Records
are flushed one by one, so the capture of a killed run is readable up to its last frame. The
frames are declared with construct, as hanrig's other binary formats are.
"""

from __future__ import annotations

import enum
import itertools
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from construct import Bytes, Const, If, Int8ul, Int16ul, Int32ul, Int64ul, Struct, this
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

#: LINKTYPE_IEEE802_15_4_TAP: an 802.15.4 frame behind a TAP header of TLVs
LINKTYPE_IEEE802_15_4_TAP = 283
_TLV_FCS_TYPE = 0
_TLV_CHANNEL = 3
_NO_FCS = 0
_CHANNEL_PAGE_2_4_GHZ = 0
_MAC_BROADCAST = 0xFFFF
_NWK_RADIUS = 30
_RX_ON_WHEN_IDLE = 0xFFFD
#: NWK security: level 5 (ENC-MIC-32), the network key, an extended nonce (the sender's EUI-64 follows)
_SECURITY_LEVEL = 5
_KEY_ID_NETWORK = 1
_SECURITY_CONTROL = _SECURITY_LEVEL | _KEY_ID_NETWORK << 3 | 1 << 5
_MIC_LENGTH = 4

PcapHeader = Struct(
    "magic" / Const(0xA1B2C3D4, Int32ul),
    "version_major" / Const(2, Int16ul),
    "version_minor" / Const(4, Int16ul),
    "thiszone" / Const(0, Int32ul),
    "sigfigs" / Const(0, Int32ul),
    "snaplen" / Const(65535, Int32ul),
    "linktype" / Int32ul,
)
PcapRecord = Struct(
    "seconds" / Int32ul,
    "microseconds" / Int32ul,
    "captured_length" / Int32ul,
    "original_length" / Int32ul,
)
TapHeader = Struct(
    "version" / Const(0, Int8ul),
    "reserved" / Const(0, Int8ul),
    "length" / Const(4 + 8 + 8, Int16ul),
    "fcs_type" / Struct("type" / Const(_TLV_FCS_TYPE, Int16ul), "length" / Const(1, Int16ul),
                        "value" / Int8ul, "padding" / Const(b"\x00\x00\x00")),
    "channel" / Struct("type" / Const(_TLV_CHANNEL, Int16ul), "length" / Const(3, Int16ul),
                       "number" / Int16ul, "page" / Int8ul, "padding" / Const(b"\x00")),
)
MacHeader = Struct(
    "frame_control" / Int16ul,
    "sequence" / Int8ul,
    "pan_id" / Int16ul,
    "destination" / Int16ul,
    "source" / Int16ul,
)
NwkHeader = Struct(
    "frame_control" / Int16ul,
    "destination" / Int16ul,
    "source" / Int16ul,
    "radius" / Int8ul,
    "sequence" / Int8ul,
)
NwkSecurityHeader = Struct(
    "security_control" / Int8ul,
    "frame_counter" / Int32ul,
    "source" / Int64ul,
    "key_sequence" / Int8ul,
)
ApsHeader = Struct(
    "frame_control" / Int8ul,
    "destination_endpoint" / If(this.frame_control & 0x0C != 0x0C, Int8ul),
    "group" / If(this.frame_control & 0x0C == 0x0C, Int16ul),
    "cluster_id" / Int16ul,
    "profile_id" / Int16ul,
    "source_endpoint" / Int8ul,
    "counter" / Int8ul,
    "extended" / If(this.frame_control & 0x80, Bytes(2)),
)

_MAC_DATA = 0x0001
_MAC_ACK_REQUEST = 0x0020
_MAC_PAN_ID_COMPRESSION = 0x0040
_MAC_SHORT_ADDRESSES = 0x2 << 10 | 0x2 << 14
_NWK_PROTOCOL_VERSION_2 = 0x2 << 2
_NWK_SECURITY = 0x0200
_APS_DATA, _APS_ACK = 0x00, 0x02
_APS_ACK_REQUEST = 0x40
_APS_EXTENDED_HEADER = 0x80
_FRAGMENT_FIRST, _FRAGMENT_LATER = 0x01, 0x02


class Delivery(enum.IntEnum):
    """The APS delivery mode, as the frame control field codes it."""

    UNICAST = 0x0 << 2
    BROADCAST = 0x2 << 2
    GROUP = 0x3 << 2


@dataclass(frozen=True)
class ZigbeeFrame:
    """One APS frame over one hop: its sender, its addressing and its ZCL or ZDO payload.

    An acknowledgement (``ack``) is described as itself: from the data frame's receiver back
    to its sender, with the endpoints swapped and the data frame's cluster, profile and counter.
    """

    sender: int
    #: the sender's EUI-64, which a secured NWK frame carries
    sender_eui64: int
    #: a node id, a broadcast address, or for ``Delivery.GROUP`` the group
    destination: int
    profile_id: int
    cluster_id: int
    source_endpoint: int
    destination_endpoint: int
    counter: int
    payload: bytes
    delivery: Delivery = Delivery.UNICAST
    ack_requested: bool = False
    ack: bool = False
    #: (index, count) of a fragment of a longer message
    fragment: tuple[int, int] | None = None


def keys_file(network_key: bytes) -> str:
    """The network key as a line of Wireshark's Zigbee security key table (its ``zigbee_pc_keys`` file)."""
    return f'"{network_key.hex().upper()}","Normal","hanrig network key"\n'


class PcapWriter:
    """A pcap file of ``ZigbeeFrame``s; with a network key, their NWK frames are secured with it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: BinaryIO = path.open("wb")
        self._file.write(PcapHeader.build({"linktype": LINKTYPE_IEEE802_15_4_TAP}))
        self._file.flush()
        self._mac_sequence: dict[int, itertools.count[int]] = defaultdict(itertools.count)
        self._nwk_sequence: dict[int, itertools.count[int]] = defaultdict(itertools.count)
        self._frame_counter: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self.frames = 0

    def write(self, frame: ZigbeeFrame, *, timestamp: float, channel: int | None, pan_id: int,
              network_key: bytes | None) -> None:
        """``frame`` as heard at ``timestamp`` (seconds since the epoch) on ``channel`` in ``pan_id``."""
        aps = _aps(frame)
        broadcast = frame.delivery is not Delivery.UNICAST and not frame.ack
        destination = frame.destination if frame.delivery is not Delivery.GROUP else _RX_ON_WHEN_IDLE
        mac = MacHeader.build({
            "frame_control": _MAC_DATA | _MAC_PAN_ID_COMPRESSION | _MAC_SHORT_ADDRESSES
                             | (0 if broadcast else _MAC_ACK_REQUEST),
            "sequence": next(self._mac_sequence[frame.sender]) & 0xFF,
            "pan_id": pan_id,
            "destination": _MAC_BROADCAST if broadcast else destination,
            "source": frame.sender,
        })
        nwk = {
            "frame_control": _NWK_PROTOCOL_VERSION_2 | (_NWK_SECURITY if network_key is not None else 0),
            "destination": destination,
            "source": frame.sender,
            "radius": _NWK_RADIUS,
            "sequence": next(self._nwk_sequence[frame.sender]) & 0xFF,
        }
        header = NwkHeader.build(nwk)
        body = header + aps if network_key is None else self._secured(frame, header, aps, network_key)
        self._record(timestamp, channel, mac + body)

    def _secured(self, frame: ZigbeeFrame, header: bytes, aps: bytes, key: bytes) -> bytes:
        counter = next(self._frame_counter[frame.sender])
        security = {"frame_counter": counter, "source": frame.sender_eui64, "key_sequence": 0}
        # Authenticated with the true security level; sent with the level field zeroed
        authenticated = header + NwkSecurityHeader.build({**security, "security_control": _SECURITY_CONTROL})
        nonce = frame.sender_eui64.to_bytes(8, "little") + counter.to_bytes(4, "little") + bytes([_SECURITY_CONTROL])
        sealed = AESCCM(key, tag_length=_MIC_LENGTH).encrypt(nonce, aps, authenticated)
        return header + NwkSecurityHeader.build({**security, "security_control": _SECURITY_CONTROL & ~0x07}) + sealed

    def _record(self, timestamp: float, channel: int | None, mac_frame: bytes) -> None:
        data = TapHeader.build({"fcs_type": {"value": _NO_FCS},
                                "channel": {"number": channel or 0, "page": _CHANNEL_PAGE_2_4_GHZ}}) + mac_frame
        seconds = int(timestamp)
        self._file.write(PcapRecord.build({"seconds": seconds, "microseconds": int((timestamp - seconds) * 1e6),
                                           "captured_length": len(data), "original_length": len(data)}) + data)
        self._file.flush()
        self.frames += 1

    def close(self) -> None:
        self._file.close()


def _aps(frame: ZigbeeFrame) -> bytes:
    control = (_APS_ACK if frame.ack else _APS_DATA) | (Delivery.UNICAST if frame.ack else frame.delivery)
    if frame.ack_requested and not frame.ack:
        control |= _APS_ACK_REQUEST
    extended = None
    if frame.fragment is not None:
        control |= _APS_EXTENDED_HEADER
        index, count = frame.fragment
        # a data frame's first block carries the number of blocks, every later one its own index;
        # an acknowledgement names the block it acknowledges
        number = index if frame.ack or index else count
        extended = bytes([_FRAGMENT_FIRST if index == 0 else _FRAGMENT_LATER, number])
    header = ApsHeader.build({
        "frame_control": control,
        "destination_endpoint": frame.destination_endpoint,
        "group": frame.destination,
        "cluster_id": frame.cluster_id,
        "profile_id": frame.profile_id,
        "source_endpoint": frame.source_endpoint,
        "counter": frame.counter & 0xFF,
        "extended": extended,
    })
    if frame.ack:
        # a fragment's acknowledgement carries the bitfield of the blocks it acknowledges (one, window 1)
        return header + (b"\x01" if frame.fragment is not None else b"")
    return header + frame.payload
