"""The virtual HAN as a sniffer would have heard it: a pcap file Wireshark and tshark read and decrypt.

Every frame ``Air`` puts on the air (retries and frames lost on the way included, as a
sniffer near the sender hears them; APS acknowledgements too) is written with
``hanrig.pcap``, its NWK frame secured with the network key as a real network secures it.
The key goes beside the capture in Wireshark's Zigbee key table format, rewritten whenever
the network's key changes.

Not on this air, because the emulator does not model them: MAC acknowledgements, beacons,
association and the Transport Key exchange of a join, link-key (APS) encryption.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hanrig.devices.han.air import FrameKind, OnAir
from hanrig.devices.han.aps import ApsMessage, Delivery
from hanrig.pcap import Delivery as ApsDelivery
from hanrig.pcap import PcapWriter, ZigbeeFrame, keys_file

_DELIVERY = {Delivery.UNICAST: ApsDelivery.UNICAST, Delivery.BROADCAST: ApsDelivery.BROADCAST,
             Delivery.MULTICAST: ApsDelivery.GROUP}


class AirCapture:
    """An ``Air`` listener writing every frame to ``path`` and the network key to ``keys_path``."""

    def __init__(self, path: Path, keys_path: Path, *, pan_id: Callable[[], int],
                 network_key: Callable[[], bytes], start: float, epoch: float) -> None:
        self.keys_path = keys_path
        self._writer = PcapWriter(path)
        self._pan_id = pan_id
        self._network_key = network_key
        self._key_written: bytes | None = None
        #: scheduler time ``start`` is wall-clock time ``epoch``
        self._start, self._epoch = start, epoch

    @property
    def frames(self) -> int:
        return self._writer.frames

    def __call__(self, on_air: OnAir) -> None:
        key = self._network_key()
        if key != self._key_written:
            self.keys_path.write_text(keys_file(key))
            self._key_written = key
        frame = _frame(on_air)
        self._writer.write(frame, timestamp=self._epoch + (on_air.time - self._start), channel=on_air.channel,
                           pan_id=self._pan_id(), network_key=key)

    def close(self) -> None:
        self._writer.close()


def _frame(on_air: OnAir) -> ZigbeeFrame:
    message: ApsMessage = on_air.message
    fragment = (message.fragment.index, message.fragment.count) if message.fragment is not None else None
    if on_air.kind is FrameKind.APS_ACK:
        return ZigbeeFrame(on_air.sender, on_air.sender_eui64.value, message.source, message.profile_id,
                           message.cluster_id, message.destination_endpoint, message.source_endpoint,
                           message.counter, b"", ack=True, fragment=fragment)
    return ZigbeeFrame(on_air.sender, on_air.sender_eui64.value, message.destination, message.profile_id,
                       message.cluster_id, message.source_endpoint, message.destination_endpoint, message.counter,
                       message.payload, _DELIVERY[message.delivery], ack_requested=message.ack_requested,
                       fragment=fragment)
