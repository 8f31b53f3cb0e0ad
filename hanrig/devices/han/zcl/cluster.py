"""Clusters as data, and how an endpoint answers the ZCL frames sent to it.

A ``ClusterDef`` declares a cluster once: its attributes (id, type, access) and its
commands in each direction (id, payload layout). A ``Cluster`` is one instance of it on an
endpoint, as server or client, with attribute values and a handler per command it acts on.
``dispatch`` answers a frame the way the ZCL says a device must: the foundation commands
for every cluster, the cluster's own commands through their handlers, and a Default
Response with the right status for everything else. A Default Response that comes back
to a cluster's own request goes to its ``on_default_response``, if it has one.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from construct import Construct, ConstructError, Container, Struct

from hanrig.devices.han.zcl.foundation import (
    DefaultResponse,
    GlobalCommand,
    ReadAttributes,
    ReadAttributesResponse,
    Status,
    WriteAttributes,
    WriteAttributesResponse,
)
from hanrig.devices.han.zcl.frame import Direction, FrameType, ZclDecodeError, ZclFrame
from hanrig.devices.han.zcl.types import DataType

LOG = logging.getLogger(__name__)


class Access(enum.IntFlag):
    READ = 0x01
    WRITE = 0x02
    REPORT = 0x04


class Role(enum.Enum):
    SERVER = "server"
    CLIENT = "client"

    @property
    def receives(self) -> Direction:
        """The direction of the frames this side of a cluster receives."""
        return Direction.CLIENT_TO_SERVER if self is Role.SERVER else Direction.SERVER_TO_CLIENT


@dataclass(frozen=True)
class AttributeDef:
    attribute_id: int
    name: str
    data_type: DataType
    access: Access = Access.READ
    manufacturer_code: int | None = None


@dataclass(frozen=True)
class CommandDef:
    command_id: int
    name: str
    schema: Construct = field(default_factory=Struct)
    manufacturer_code: int | None = None


@dataclass(frozen=True)
class ClusterDef:
    """A cluster as the specification defines it.

    ``server_commands`` are the commands the server receives (client to server);
    ``client_commands`` those the client receives (server to client).
    """

    cluster_id: int
    name: str
    attributes: tuple[AttributeDef, ...] = ()
    server_commands: tuple[CommandDef, ...] = ()
    client_commands: tuple[CommandDef, ...] = ()

    def attribute(self, key: int | str) -> AttributeDef:
        for attribute in self.attributes:
            if key in (attribute.attribute_id, attribute.name):
                return attribute
        raise KeyError(f"{self.name} has no attribute {key!r}")

    def command(self, direction: Direction, key: int | str) -> CommandDef:
        commands = self.server_commands if direction is Direction.CLIENT_TO_SERVER else self.client_commands
        for command in commands:
            if key in (command.command_id, command.name):
                return command
        raise KeyError(f"{self.name} has no {direction.name} command {key!r}")


@dataclass(frozen=True)
class ZclRequest:
    """A cluster-specific command as a handler sees it."""

    cluster: Cluster
    frame: ZclFrame
    command: CommandDef
    fields: Container
    #: the node id and endpoint it came from
    source: int
    source_endpoint: int
    #: sent to many (a broadcast or a group), so never answered
    broadcast: bool = False


@dataclass(frozen=True)
class ZclReply:
    """A handler's answer: the command to send back (in the other direction) and its fields."""

    command: str | int
    fields: Mapping[str, Any] = field(default_factory=dict)


Handler = Callable[[ZclRequest], ZclReply | Status | None]
#: told the command id and status of a Default Response the cluster receives (an answer to its own request)
DefaultResponseHandler = Callable[[int, Status | int], None]


class Cluster:
    """One cluster on one endpoint, as server or client, with its attribute values."""

    def __init__(
        self,
        definition: ClusterDef,
        role: Role,
        *,
        values: Mapping[int | str, Any] | None = None,
        handlers: Mapping[int | str, Handler] | None = None,
        on_default_response: DefaultResponseHandler | None = None,
    ) -> None:
        self.definition = definition
        self.role = role
        self.on_default_response = on_default_response
        self._values: dict[int, Any] = {}
        for key, value in (values or {}).items():
            self._values[definition.attribute(key).attribute_id] = value
        self._handlers: dict[int, Handler] = {}
        for key, handler in (handlers or {}).items():
            self._handlers[definition.command(role.receives, key).command_id] = handler

    @property
    def cluster_id(self) -> int:
        return self.definition.cluster_id

    def __getitem__(self, key: int | str) -> Any:
        return self._values[self.definition.attribute(key).attribute_id]

    def __setitem__(self, key: int | str, value: Any) -> None:
        self._values[self.definition.attribute(key).attribute_id] = value

    def read(self, attribute_id: int, manufacturer_code: int | None) -> tuple[Status, DataType | None, Any]:
        try:
            attribute = self.definition.attribute(attribute_id)
        except KeyError:
            return Status.UNSUPPORTED_ATTRIBUTE, None, None
        if attribute.manufacturer_code != manufacturer_code or attribute_id not in self._values:
            return Status.UNSUPPORTED_ATTRIBUTE, None, None
        if not attribute.access & Access.READ:
            return Status.NOT_AUTHORIZED, None, None
        return Status.SUCCESS, attribute.data_type, self._values[attribute_id]

    def write(
        self, attribute_id: int, data_type: DataType | int, value: Any, manufacturer_code: int | None
    ) -> Status:
        try:
            attribute = self.definition.attribute(attribute_id)
        except KeyError:
            return Status.UNSUPPORTED_ATTRIBUTE
        if attribute.manufacturer_code != manufacturer_code or attribute_id not in self._values:
            return Status.UNSUPPORTED_ATTRIBUTE
        if not attribute.access & Access.WRITE:
            return Status.READ_ONLY
        if data_type != attribute.data_type:
            return Status.INVALID_DATA_TYPE
        self._values[attribute_id] = value
        return Status.SUCCESS

    def copy(self) -> Cluster:
        """The same cluster with its own copy of the attribute values, and no handlers."""
        twin = Cluster(self.definition, self.role)
        twin._values = dict(self._values)
        return twin

    def handler(self, command_id: int) -> Handler | None:
        return self._handlers.get(command_id)

    def encode_command(
        self, key: int | str, fields: Mapping[str, Any], direction: Direction
    ) -> tuple[int, bytes]:
        command = self.definition.command(direction, key)
        return command.command_id, command.schema.build(dict(fields))


@dataclass(frozen=True)
class Dispatched:
    """What became of a frame: the answer to send (if any) and a summary for the event log."""

    answer: ZclFrame | None
    summary: dict[str, Any]


def dispatch(
    clusters: Mapping[tuple[int, Role], Cluster],
    cluster_id: int,
    data: bytes,
    *,
    source: int,
    source_endpoint: int,
    broadcast: bool,
) -> Dispatched:
    """Answer one ZCL frame for an endpoint whose clusters are ``clusters``."""
    try:
        frame = ZclFrame.parse(data)
    except ZclDecodeError as exc:
        LOG.debug("%s", exc)
        return Dispatched(None, {"zcl": "undecodable", "data": data.hex()})
    role = Role.SERVER if frame.direction is Direction.CLIENT_TO_SERVER else Role.CLIENT
    summary: dict[str, Any] = {
        "cluster": cluster_id,
        "command": frame.command_id,
        "tsn": frame.tsn,
        "frame_type": frame.frame_type.name.lower(),
        "direction": frame.direction.name.lower(),
    }
    cluster = clusters.get((cluster_id, role))
    if frame.frame_type is FrameType.GLOBAL and frame.command_id == GlobalCommand.DEFAULT_RESPONSE:
        if cluster is not None and cluster.on_default_response is not None:
            _default_response_to(cluster.on_default_response, frame, summary)
        return Dispatched(None, summary)
    if cluster is None:
        return _default(frame, Status.UNSUPPORTED_CLUSTER, summary, broadcast)
    if frame.frame_type is FrameType.GLOBAL:
        return _foundation(cluster, frame, summary, broadcast)
    command_handler = cluster.handler(frame.command_id)
    if command_handler is None:
        status = (
            Status.UNSUP_MANUF_CLUSTER_COMMAND if frame.manufacturer_code else Status.UNSUP_CLUSTER_COMMAND
        )
        return _default(frame, status, summary, broadcast)
    command = cluster.definition.command(frame.direction, frame.command_id)
    try:
        fields = command.schema.parse(frame.payload)
    except ConstructError:
        return _default(frame, Status.MALFORMED_COMMAND, summary, broadcast)
    summary["name"] = command.name
    result = command_handler(ZclRequest(cluster, frame, command, fields, source, source_endpoint, broadcast))
    if isinstance(result, ZclReply):
        reply_id, payload = cluster.encode_command(result.command, result.fields, frame.direction.flip())
        return Dispatched(frame.answer(FrameType.CLUSTER, reply_id, payload), summary)
    return _default(frame, result or Status.SUCCESS, summary, broadcast)


def _default_response_to(handler: DefaultResponseHandler, frame: ZclFrame, summary: dict[str, Any]) -> None:
    """Tell a cluster how its request was answered; an unreadable Default Response is only logged."""
    try:
        answer = DefaultResponse.parse(frame.payload)
    except ConstructError:
        summary["zcl"] = "malformed default response"
        return
    summary["answers"] = answer.command_id
    summary["status"] = getattr(answer.status, "name", answer.status)
    handler(answer.command_id, answer.status)


def _foundation(cluster: Cluster, frame: ZclFrame, summary: dict[str, Any], broadcast: bool) -> Dispatched:
    manufacturer = frame.manufacturer_code
    try:
        if frame.command_id == GlobalCommand.READ_ATTRIBUTES:
            records = []
            for attribute_id in ReadAttributes.parse(frame.payload):
                status, data_type, value = cluster.read(attribute_id, manufacturer)
                typed = {"data_type": data_type, "value": value} if status is Status.SUCCESS else None
                records.append({"attribute_id": attribute_id, "status": status, "typed": typed})
            summary["attributes"] = [record["attribute_id"] for record in records]
            payload = ReadAttributesResponse.build(records)
            return Dispatched(
                frame.answer(FrameType.GLOBAL, GlobalCommand.READ_ATTRIBUTES_RESPONSE, payload), summary
            )
        if frame.command_id in (
            GlobalCommand.WRITE_ATTRIBUTES,
            GlobalCommand.WRITE_ATTRIBUTES_UNDIVIDED,
            GlobalCommand.WRITE_ATTRIBUTES_NO_RESPONSE,
        ):
            return _write(cluster, frame, summary)
    except ConstructError:
        return _default(frame, Status.MALFORMED_COMMAND, summary, broadcast)
    if frame.command_id == GlobalCommand.REPORT_ATTRIBUTES:
        return _default(frame, Status.SUCCESS, summary, broadcast)
    status = Status.UNSUP_MANUF_GENERAL_COMMAND if manufacturer else Status.UNSUP_GENERAL_COMMAND
    return _default(frame, status, summary, broadcast)


def _write(cluster: Cluster, frame: ZclFrame, summary: dict[str, Any]) -> Dispatched:
    records = WriteAttributes.parse(frame.payload)
    undivided = frame.command_id == GlobalCommand.WRITE_ATTRIBUTES_UNDIVIDED
    if undivided:
        # All or nothing: check every record against a copy before writing any.
        trial = cluster.copy()
        failures = [
            (
                trial.write(r.attribute_id, r.typed.data_type, r.typed.value, frame.manufacturer_code),
                r.attribute_id,
            )
            for r in records
        ]
        failures = [(status, attribute) for status, attribute in failures if status is not Status.SUCCESS]
        if not failures:
            for r in records:
                cluster.write(r.attribute_id, r.typed.data_type, r.typed.value, frame.manufacturer_code)
    else:
        failures = []
        for r in records:
            status = cluster.write(r.attribute_id, r.typed.data_type, r.typed.value, frame.manufacturer_code)
            if status is not Status.SUCCESS:
                failures.append((status, r.attribute_id))
    summary["attributes"] = [r.attribute_id for r in records]
    if frame.command_id == GlobalCommand.WRITE_ATTRIBUTES_NO_RESPONSE:
        return Dispatched(None, summary)
    if failures:
        payload = WriteAttributesResponse.build([{"status": s, "attribute_id": a} for s, a in failures])
    else:
        payload = bytes([Status.SUCCESS])
    return Dispatched(
        frame.answer(FrameType.GLOBAL, GlobalCommand.WRITE_ATTRIBUTES_RESPONSE, payload), summary
    )


def _default(frame: ZclFrame, status: Status, summary: dict[str, Any], broadcast: bool) -> Dispatched:
    """A Default Response, if the ZCL calls for one.

    It answers an error always, and success only when the sender did not disable it; never
    a broadcast, and never another Default Response.
    """
    summary["status"] = status.name
    if broadcast or (status is Status.SUCCESS and frame.disable_default_response):
        return Dispatched(None, summary)
    payload = DefaultResponse.build({"command_id": frame.command_id, "status": status})
    return Dispatched(frame.answer(FrameType.GLOBAL, GlobalCommand.DEFAULT_RESPONSE, payload), summary)
