"""The radio stack is pinned, and what the rig relies on inside it is checked here.

Upgrading zigpy or bellows must fail these loudly: each one names a behaviour or a
private detail the rig builds on, and where in the rig it is used.
"""

from __future__ import annotations

import importlib
import inspect
from importlib import metadata

import bellows.ezsp.protocol
import bellows.zigbee.application
import pytest
import zigpy.zcl
from zigpy.zcl.clusters.general import Ota

import hanrig.rig.zcl  # noqa: F401 - registers the rig's clusters
from hanrig.rig.zcl import ota, tunneling


@pytest.mark.parametrize(("distribution", "version"), [("zigpy", "2.4.0"), ("bellows", "1.2.1")])
def test_radio_stack_is_the_pinned_version(distribution: str, version: str) -> None:
    assert metadata.version(distribution) == version


def test_rig_clusters_replace_zigpys_in_its_registry() -> None:
    assert zigpy.zcl.Cluster._registry[0x0019] is ota.Ota
    assert zigpy.zcl.Cluster._registry[0x0704] is tunneling.Tunneling


def test_zigpys_ota_cluster_still_answers_queries_itself_which_the_rig_must_intercept() -> None:
    source = inspect.getsource(Ota.handle_cluster_request)
    assert "_handle_query_next_image" in source and "ota_in_progress" in source


def test_bellows_send_machinery_that_outgoing_fragmentation_reuses_is_still_there() -> None:
    app = bellows.zigbee.application.ControllerApplication
    source = inspect.getsource(app.send_packet)
    for detail in ("self._limit_concurrency(", "self.get_sequence()", "self._pending_requests[",
                   "self._req_lock", "self._ezsp.send_unicast("):
        assert detail in source, detail
    assert hasattr(bellows.zigbee.application, "MESSAGE_SEND_TIMEOUT_MAINS")


def test_bellows_still_reassembles_incoming_fragments_from_the_group_id() -> None:
    source = inspect.getsource(bellows.ezsp.protocol)
    assert "fragment_count = (aps_frame.groupId >> 8) & 0xFF" in source


@pytest.mark.parametrize(("module", "qualified_name"), [
    ("bellows.ezsp.protocol", "ProtocolHandler._send_fragment_ack"),
    ("bellows.ash", "AshProtocol._send_data_frame"),
])
def test_bellows_sends_left_running_that_orphan_tasks_quiets_are_still_coroutines_of_that_name(
        module: str, qualified_name: str) -> None:
    # hanrig/rig/coordinator/orphan_tasks.py recognises them by this qualified name
    owner, name = qualified_name.split(".")
    function = getattr(getattr(importlib.import_module(module), owner), name)
    assert inspect.iscoroutinefunction(function) and function.__qualname__ == qualified_name
