"""The rig's OTA Upgrade server on zigpy: one session per device, fed by the device's requests.

Requests reach it from ``rig.zcl.ota.Ota`` through the coordinator's cluster requests.
A device with a transfer under way gets its session; any other device is told there is
no image (queries) or to stop (blocks), and its query is kept, because it says which
firmware and hardware the device has.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

import zigpy.device
import zigpy.exceptions
import zigpy.types
from zigpy.zcl import foundation
from zigpy.zcl.clusters.general import Ota

from hanrig.gbcs import OtaImage
from hanrig.rig.errors import InfrastructureError
from hanrig.rig.ota.policy import OtaPolicy
from hanrig.rig.ota.progress import Progress
from hanrig.rig.ota.session import LinkError, OtaSession, Request, SessionResult, Status
from hanrig.rig.zcl.ota_blocks import IMAGE_BLOCK_REQUEST, BlockRequest, block_response

LOG = logging.getLogger(__name__)

_SERVER_COMMANDS = {definition.id: definition.name for definition in Ota.ServerCommandDefs}


class ZigpyOtaLink:
    """Sends a session's replies through the device's OTA cluster object in zigpy."""

    def __init__(self, cluster: Any) -> None:
        self._cluster = cluster

    async def send(self, command: str, /, *, tsn: int | None = None, **fields: Any) -> None:
        definition = getattr(Ota.ClientCommandDefs, command)
        with _delivery_failures():
            if command == "image_block_response" and fields["status"] == Status.SUCCESS and tsn is not None:
                # the frame every block repeats, from its fixed layout; the same bytes zigpy would build
                del fields["status"]
                await self._cluster.endpoint.reply(cluster=Ota.cluster_id, sequence=tsn, command_id=definition.id,
                                                   data=block_response(tsn=tsn, **fields))
            else:
                await self._cluster.client_command(definition.id, tsn=tsn, **fields)

    async def default_response(self, tsn: int, command_id: int, status: Status) -> None:
        with _delivery_failures():
            await self._cluster.general_command(foundation.GeneralCommand.Default_Response, command_id,
                                                foundation.Status(status), tsn=tsn)


@contextlib.contextmanager
def _delivery_failures() -> Iterator[None]:
    """What zigpy and bellows raise for a frame that did not go out, as the session's LinkError."""
    try:
        yield
    except (zigpy.exceptions.ZigbeeException, TimeoutError, ConnectionError) as exc:
        raise LinkError(str(exc) or type(exc).__name__) from exc


class OtaServer:
    """Runs OTA sessions for devices, one at a time per device."""

    def __init__(self) -> None:
        self._sessions: dict[zigpy.types.EUI64, OtaSession] = {}
        #: the last Query Next Image each device sent while no transfer was under way
        self.last_query: dict[zigpy.types.EUI64, Any] = {}

    def session(self, ieee: zigpy.types.EUI64) -> OtaSession | None:
        return self._sessions.get(ieee)

    def ota_request(self, cluster: Any, hdr: foundation.ZCLHeader, args: Any) -> bool:
        """A request from a device's OTA client; True once the rig has taken it."""
        command = _SERVER_COMMANDS.get(hdr.command_id)
        if command is None:
            return False
        ieee = cluster.endpoint.device.ieee
        session = self._sessions.get(ieee)
        if session is not None:
            session.deliver(Request(command, hdr.command_id, hdr.tsn, args))
            return True
        link = ZigpyOtaLink(cluster)
        if command == "query_next_image":
            self.last_query[ieee] = args
            cluster.create_catching_task(
                link.send("query_next_image_response", tsn=hdr.tsn, status=Status.NO_IMAGE_AVAILABLE))
        elif command in ("image_block", "image_page"):
            cluster.create_catching_task(link.send("image_block_response", tsn=hdr.tsn, status=Status.ABORT))
        else:
            cluster.create_catching_task(link.default_response(hdr.tsn, hdr.command_id, Status.SUCCESS))
        return True

    def block_request(self, ieee: zigpy.types.EUI64, request: BlockRequest) -> bool:
        """An Image Block Request from the block lane: True if a transfer to ``ieee`` is under way to take it."""
        session = self._sessions.get(ieee)
        if session is None:
            return False
        session.deliver(Request("image_block", IMAGE_BLOCK_REQUEST, request.tsn, request))
        return True

    async def radio_restored(self) -> None:
        """The radio is back after a reset: notify every device with a transfer under way again."""
        for session in list(self._sessions.values()):
            await session.renotify()

    async def transfer(self, device: zigpy.device.Device, ota_cluster: Any, image: OtaImage, policy: OtaPolicy, *,
                       hardware_version: int | None = None,
                       on_progress: Callable[[Progress], None] | None = None) -> SessionResult:
        """Serve ``image`` to ``device`` until the transfer ends; one transfer per device at a time."""
        if device.ieee in self._sessions:
            raise InfrastructureError(f"an OTA transfer to {device.ieee} is already under way")
        session = OtaSession(image, policy, ZigpyOtaLink(ota_cluster), hardware_version=hardware_version,
                             on_progress=on_progress)
        self._sessions[device.ieee] = session
        try:
            return await session.run()
        finally:
            del self._sessions[device.ieee]
