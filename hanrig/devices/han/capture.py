"""The virtual HAN as a sniffer would have heard it: a pcap file Wireshark and tshark read and decrypt.

Every frame ``Air`` puts on the air (retries and frames lost on the way included, as a
sniffer near the sender hears them; APS acknowledgements too) becomes an IEEE 802.15.4
data frame behind an 802.15.4 TAP header (link type 283, with the channel), carrying a
Zigbee NWK frame secured as a real network secures it: an auxiliary header with the
sender's frame counter and EUI-64, the APS frame encrypted and authenticated with the
network key (AES-CCM*, security level 5, a 4-octet MIC). Wireshark decrypts it given the
network key, which ``keys_file`` writes in its Zigbee key table format.

Not on this air, because the emulator does not model them: MAC acknowledgements, beacons,
association and the Transport Key exchange of a join, link-key (APS) encryption. The
frames are declared with construct, as the rest of hanrig's binary formats are; the pcap
records are flushed one by one, so a capture of a killed run is readable up to its last
frame.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from construct import Bytes, Const, If, Int8ul, Int16ul, Int32ul, Int64ul, Struct, this
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from hanrig.devices.han.air import FrameKind, OnAir
from hanrig.devices.han.aps import ApsMessage, BroadcastAddress, Delivery
from hanrig.devices.ieee import Eui64

#: LINKTYPE_IEEE802_15_4_TAP: an 802.15.4 frame behind a TAP header of TLVs
LINKTYPE_IEEE802_15_4_TAP = 283
_TLV_FCS_TYPE = 0
_TLV_CHANNEL = 3
_NO_FCS = 0
_CHANNEL_PAGE_2_4_GHZ = 0
_MAC_BROADCAST = 0xFFFF
_NWK_RADIUS = 30
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
ApsDataHeader = Struct(
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
_APS_DELIVERY = {Delivery.UNICAST: 0x0 << 2, Delivery.BROADCAST: 0x2 << 2, Delivery.MULTICAST: 0x3 << 2}
_APS_ACK_REQUEST = 0x40
_APS_EXTENDED_HEADER = 0x80
_FRAGMENT_FIRST, _FRAGMENT_LATER = 0x01, 0x02


def keys_file(network_key: bytes) -> str:
    """The network key as a line of Wireshark's Zigbee security key table (its ``zigbee_pc_keys`` file)."""
    return f'"{network_key.hex().upper()}","Normal","hanrig network key"\n'


class AirCapture:
    """Writes every frame on the air to ``path``, secured with the network key ``network_key()`` gives.

    The key also goes to ``keys_path`` (Wireshark's key table format), rewritten when it changes.
    """

    def __init__(self, path: Path, keys_path: Path, *, pan_id: Callable[[], int],
                 network_key: Callable[[], bytes], start: float, epoch: float) -> None:
        self.path = path
        self.keys_path = keys_path
        self._pan_id = pan_id
        self._network_key = network_key
        self._key_written: bytes | None = None
        #: scheduler time ``start`` is wall-clock time ``epoch``
        self._start, self._epoch = start, epoch
        self._file: BinaryIO = path.open("wb")
        self._file.write(PcapHeader.build({"linktype": LINKTYPE_IEEE802_15_4_TAP}))
        self._file.flush()
        self._mac_sequence: dict[int, itertools.count[int]] = defaultdict(itertools.count)
        self._nwk_sequence: dict[int, itertools.count[int]] = defaultdict(itertools.count)
        self._frame_counter: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self.frames = 0

    def __call__(self, frame: OnAir) -> None:
        """An ``Air`` listener: write the frame."""
        key = self._network_key()
        if key != self._key_written:
            self.keys_path.write_text(keys_file(key))
            self._key_written = key
        aps = _aps_ack(frame.message) if frame.kind is FrameKind.APS_ACK else _aps_data(frame.message)
        destination = frame.message.source if frame.kind is FrameKind.APS_ACK else frame.message.destination
        broadcast = frame.kind is FrameKind.DATA and frame.message.delivery is not Delivery.UNICAST
        mac = MacHeader.build({
            "frame_control": _MAC_DATA | _MAC_PAN_ID_COMPRESSION | _MAC_SHORT_ADDRESSES
                             | (0 if broadcast else _MAC_ACK_REQUEST),
            "sequence": next(self._mac_sequence[frame.sender]) & 0xFF,
            "pan_id": self._pan_id(),
            "destination": _MAC_BROADCAST if broadcast else destination,
            "source": frame.sender,
        })
        self._write(frame.time, frame.channel, mac + self._secured_nwk(frame, destination, aps))

    def _secured_nwk(self, frame: OnAir, destination: int, aps: bytes) -> bytes:
        header = NwkHeader.build({
            "frame_control": _NWK_PROTOCOL_VERSION_2 | _NWK_SECURITY,
            "destination": destination if frame.message.delivery is not Delivery.MULTICAST
            else BroadcastAddress.RX_ON_WHEN_IDLE,
            "source": frame.sender,
            "radius": _NWK_RADIUS,
            "sequence": next(self._nwk_sequence[frame.sender]) & 0xFF,
        })
        counter = next(self._frame_counter[frame.sender])
        security = {"frame_counter": counter, "source": frame.sender_eui64.value, "key_sequence": 0}
        # Encrypted and authenticated with the true security level; sent with the level field zeroed,
        # as Zigbee networks do (the receiver knows the network's level)
        authenticated = header + NwkSecurityHeader.build({**security, "security_control": _SECURITY_CONTROL})
        nonce = _nonce(frame.sender_eui64, counter)
        sealed = AESCCM(self._network_key(), tag_length=_MIC_LENGTH).encrypt(nonce, aps, authenticated)
        sent = NwkSecurityHeader.build({**security, "security_control": _SECURITY_CONTROL & ~0x07})
        return header + sent + sealed

    def _write(self, time: float, channel: int | None, mac_frame: bytes) -> None:
        stamp = self._epoch + (time - self._start)
        data = TapHeader.build({"fcs_type": {"value": _NO_FCS},
                                "channel": {"number": channel or 0, "page": _CHANNEL_PAGE_2_4_GHZ}}) + mac_frame
        seconds = int(stamp)
        record = PcapRecord.build({"seconds": seconds, "microseconds": int((stamp - seconds) * 1_000_000),
                                   "captured_length": len(data), "original_length": len(data)})
        self._file.write(record + data)
        self._file.flush()
        self.frames += 1

    def close(self) -> None:
        self._file.close()


def _nonce(source: Eui64, counter: int) -> bytes:
    """The CCM* nonce: the sender's EUI-64 and frame counter (least significant octet first), security control."""
    return source.value.to_bytes(8, "little") + counter.to_bytes(4, "little") + bytes([_SECURITY_CONTROL])


def _aps_data(message: ApsMessage) -> bytes:
    control = _APS_DATA | _APS_DELIVERY[message.delivery] | (_APS_ACK_REQUEST if message.ack_requested else 0)
    extended = None
    if message.fragment is not None:
        control |= _APS_EXTENDED_HEADER
        first = message.fragment.index == 0
        # the first block carries the number of blocks, every later one its own index
        extended = bytes([_FRAGMENT_FIRST if first else _FRAGMENT_LATER,
                          message.fragment.count if first else message.fragment.index])
    header = ApsDataHeader.build({
        "frame_control": control,
        "destination_endpoint": message.destination_endpoint,
        "group": message.destination,
        "cluster_id": message.cluster_id,
        "profile_id": message.profile_id,
        "source_endpoint": message.source_endpoint,
        "counter": message.counter & 0xFF,
        "extended": extended,
    })
    return header + message.payload


def _aps_ack(message: ApsMessage) -> bytes:
    """The acknowledgement of ``message``, from its receiver: the endpoints swap places."""
    control = _APS_ACK | _APS_DELIVERY[Delivery.UNICAST]
    extended = None
    if message.fragment is not None:
        control |= _APS_EXTENDED_HEADER
        extended = bytes([_FRAGMENT_FIRST if message.fragment.index == 0 else _FRAGMENT_LATER,
                          message.fragment.index])
    header = ApsDataHeader.build({
        "frame_control": control,
        "destination_endpoint": message.source_endpoint,
        "group": None,
        "cluster_id": message.cluster_id,
        "profile_id": message.profile_id,
        "source_endpoint": message.destination_endpoint,
        "counter": message.counter & 0xFF,
        "extended": extended,
    })
    # a fragment's acknowledgement also carries the bitfield of blocks it acknowledges (one, with a window of 1)
    return header + (b"\x01" if message.fragment is not None else b"")
