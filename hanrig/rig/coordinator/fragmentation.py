"""Outgoing APS fragmentation over EZSP, which bellows 1.2.1 lacks.

bellows reassembles fragments it receives but sends every unicast as one frame, and
GBCS commands (a CS06 is about 200 octets) do not fit one. As EmberZNet's own host
fragmentation library does, each fragment is a ``sendUnicast`` with the FRAGMENT option,
the fragment count and index in the APS group id, and the APS counter the stack gave
the first fragment; a window of one fragment waits for each ``messageSentHandler``
(sent on the fragment's APS acknowledgement) before the next.

This reuses bellows' own send machinery (its concurrency limit, request lock and
pending-send futures), which is private API: the pinned bellows version and
``tests/rig/test_fragmentation.py`` keep it honest.
"""

from __future__ import annotations

import asyncio
import logging

import bellows.types as t
import zigpy.exceptions
import zigpy.types
from bellows.zigbee.application import MESSAGE_SEND_TIMEOUT_MAINS

LOG = logging.getLogger(__name__)

#: The APS extended header a fragment carries (extended frame control and block number).
APS_FRAGMENT_HEADER = 2
#: The block number is one octet.
MAX_FRAGMENTS = 255

_FRAGMENT_OPTIONS = (
    t.EmberApsOption.APS_OPTION_RETRY
    | t.EmberApsOption.APS_OPTION_ENABLE_ROUTE_DISCOVERY
    | t.EmberApsOption.APS_OPTION_FRAGMENT
)


class EzspFragmentation:
    """Mixin for bellows' ``ControllerApplication``: unicasts too long for a frame go in fragments."""

    _aps_payload_limit: int | None = None

    async def send_packet(self, packet: zigpy.types.ZigbeePacket) -> None:
        data = packet.data.serialize()
        if packet.dst.addr_mode != zigpy.types.AddrMode.NWK or len(data) <= await self._max_aps_payload():
            await super().send_packet(packet)  # type: ignore[misc]
            return
        await self._send_fragmented(packet, data)

    async def _max_aps_payload(self) -> int:
        if self._aps_payload_limit is None:
            (self._aps_payload_limit,) = await self._ezsp.maximumPayloadLength()  # type: ignore[attr-defined]
        return self._aps_payload_limit

    async def _send_fragmented(self, packet: zigpy.types.ZigbeePacket, data: bytes) -> None:
        size = await self._max_aps_payload() - APS_FRAGMENT_HEADER
        chunks = [data[start:start + size] for start in range(0, len(data), size)]
        if len(chunks) > MAX_FRAGMENTS:
            raise zigpy.exceptions.DeliveryError(
                f"{len(data)} octets need {len(chunks)} fragments; APS allows {MAX_FRAGMENTS}")
        LOG.debug("Sending %d octets to 0x%04X in %d fragments", len(data), packet.dst.address, len(chunks))
        sequence = packet.tsn
        for index, chunk in enumerate(chunks):
            aps_frame = t.EmberApsFrame(
                profileId=packet.profile_id,
                clusterId=packet.cluster_id,
                sourceEndpoint=packet.src_ep,
                destinationEndpoint=packet.dst_ep or 0,
                options=_FRAGMENT_OPTIONS,
                groupId=(len(chunks) << 8) | index,
                sequence=sequence,
            )
            counter = await self._send_fragment(packet, aps_frame, chunk)
            if index == 0:
                sequence = counter  # the rest carry the counter the stack gave the first

    async def _send_fragment(self, packet: zigpy.types.ZigbeePacket, aps_frame: t.EmberApsFrame,
                             chunk: bytes) -> int:
        destination = packet.dst.address
        async with self._limit_concurrency(priority=packet.priority):  # type: ignore[attr-defined]
            tag = self.get_sequence()  # type: ignore[attr-defined]
            pending = self._pending_requests  # type: ignore[attr-defined]
            future = pending[(destination, tag)] = asyncio.get_running_loop().create_future()
            try:
                async with self._req_lock:  # type: ignore[attr-defined]
                    status, counter = await self._ezsp.send_unicast(  # type: ignore[attr-defined]
                        nwk=destination, aps_frame=aps_frame, message_tag=tag, data=chunk)
                if status != t.sl_Status.OK:
                    raise zigpy.exceptions.DeliveryError(f"Failed to enqueue fragment: {status!r}", status)
                try:
                    async with asyncio.timeout(MESSAGE_SEND_TIMEOUT_MAINS):
                        sent_status, _ = await future
                except TimeoutError:
                    raise zigpy.exceptions.DeliveryError(
                        f"no messageSentHandler for a fragment within {MESSAGE_SEND_TIMEOUT_MAINS} s") from None
                if t.sl_Status.from_ember_status(sent_status) != t.sl_Status.OK:
                    raise zigpy.exceptions.DeliveryError(f"Failed to deliver fragment: {sent_status!r}", sent_status)
            finally:
                del pending[(destination, tag)]
        return counter
