"""A host-side HAN capture: every APS frame the rig sends or receives through its NCP, for Wireshark.

On a physical bench the rig sees no air: the NCP decrypts what it receives and encrypts
what it sends. What the host does see (zigpy's packets, whole messages, before the NCP
fragments or after it reassembles them) is written with ``hanrig.pcap`` as plain NWK frames,
in a file named ``han-host.pcap`` so that nobody takes it for a sniffer trace: no MAC or NWK
security, no retries, no APS acknowledgements, and no APS counters (the NCP sets them; the
ZCL sequence number stands in). Nothing secret is in it, so it needs no keys file.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import zigpy.types

from hanrig.pcap import Delivery, PcapWriter, ZigbeeFrame

_COORDINATOR = 0x0000


class HostCapture:
    """Mixin for a zigpy ``ControllerApplication``: packets in and out go to ``host_capture`` when it is set."""

    host_capture: HostSideCapture | None = None

    def packet_received(self, packet: zigpy.types.ZigbeePacket) -> None:
        if self.host_capture is not None:
            self.host_capture.write(self, packet)
        super().packet_received(packet)  # type: ignore[misc]

    async def send_packet(self, packet: zigpy.types.ZigbeePacket) -> None:
        if self.host_capture is not None:
            self.host_capture.write(self, packet)
        await super().send_packet(packet)  # type: ignore[misc]


class HostSideCapture:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer = PcapWriter(path)

    @property
    def frames(self) -> int:
        return self._writer.frames

    def write(self, app: Any, packet: zigpy.types.ZigbeePacket) -> None:
        """One packet as the host saw it (``app`` is the zigpy application, for addresses and the channel)."""
        network = app.state.network_info
        source = _nwk(app, packet.src)
        destination = _nwk(app, packet.dst)
        delivery = {zigpy.types.AddrMode.Group: Delivery.GROUP,
                    zigpy.types.AddrMode.Broadcast: Delivery.BROADCAST}.get(packet.dst.addr_mode, Delivery.UNICAST)
        frame = ZigbeeFrame(source, 0, destination, packet.profile_id, packet.cluster_id, packet.src_ep or 0,
                            packet.dst_ep or 0, packet.tsn & 0xFF, packet.data.serialize(), delivery,
                            ack_requested=bool(packet.tx_options & zigpy.types.TransmitOptions.ACK))
        self._writer.write(frame, timestamp=packet.timestamp.timestamp() if packet.timestamp else time.time(),
                           channel=network.channel, pan_id=network.pan_id, network_key=None)

    def close(self) -> None:
        self._writer.close()


def _nwk(app: Any, address: zigpy.types.AddrModeAddress | None) -> int:
    """The short address of a packet's source or destination (an EUI-64 looked up among zigpy's devices)."""
    if address is None:
        return _COORDINATOR
    if address.addr_mode == zigpy.types.AddrMode.IEEE:
        device = app.devices.get(address.address)
        return device.nwk if device is not None else 0xFFFE
    return int(address.address)
