"""Arbitrary frames on every cluster an emulated PPMID or HCALCS serves; it never fails and stays usable.

Each input goes to a device in the state with the most to lose (mid-download, tunnel
open): random ZCL frames for Basic, the OTA client and Tunneling, frames the CH really
sends with bits flipped, bytes cut or rewritten, and random ZDO requests on endpoint 0.
Only the devices' own typed errors may escape, and afterwards the device must still
answer a Basic read and a ZDO Node_Desc_req, and still verify and take a whole image.
"""

from __future__ import annotations

import contextlib

from hypothesis import given
from hypothesis import strategies as st

from hanrig.devices.errors import DevicesError
from hanrig.devices.han.aps import SMART_ENERGY_PROFILE, ApsMessage
from hanrig.devices.han.zdo import RESPONSE, ZdoCluster
from tests.devices.gb_fakes import OTA, TUNNEL, Rig, make_device, make_image, on_air
from tests.fuzzing import examples, fuzz
from tests.gbcs.test_properties import mutated

BASIC = 0x0000
ZDO_PROFILE = 0x0000
KINDS = st.sampled_from(["ppmid", "hcalcs"])
#: the frame control of each frame type, direction and manufacturer-specific flag combination
_HEADERS = st.sampled_from([b"\x00", b"\x01", b"\x08", b"\x09", b"\x10", b"\x11", b"\x18", b"\x19",
                            b"\x04\x1d\x12", b"\x05\x1d\x12", b"\x1c\x1d\x12"])
#: a ZCL Read Attributes of the Basic cluster's ZCL version, manufacturer name and model identifier
_READ_BASIC = bytes.fromhex("00 7b 00 0000 0400 0500")


def _busy_device(kind: str) -> Rig:
    """A device mid-download with a tunnel open; the CH serves two blocks and then stays silent."""
    rig = on_air(make_device(kind))
    rig.ch.ota.image = make_image(kind, signed=True)
    rig.ch.ota.silent_after_blocks = 2
    rig.ch.open_tunnel()
    rig.ch.notify()
    rig.run(0.5)
    return rig


def _frames_the_ch_sends() -> dict[int, list[bytes]]:
    """Every ZCL frame a CH sends during a device's update, by cluster: the seeds for mutation."""
    rig = on_air(make_device("hcalcs"))
    sent: dict[int, list[bytes]] = {OTA: [], TUNNEL: [], BASIC: [_READ_BASIC]}
    send_raw = rig.ch.send_raw

    def record(cluster_id: int, payload: bytes, **kwargs: object) -> None:
        sent[cluster_id].append(payload)
        send_raw(cluster_id, payload, **kwargs)

    rig.ch.send_raw = record  # type: ignore[method-assign]
    rig.ch.ota.image = make_image("hcalcs", signed=True)
    rig.ch.open_tunnel()
    rig.ch.notify()
    rig.run(60)
    rig.ch.send_gbcs(bytes.fromhex("df09") + bytes(40))
    return sent


SEEDS = _frames_the_ch_sends()


def _deliver(rig: Rig, cluster: int, frame: bytes, *, zdo: bool = False) -> None:
    """Hand the device one whole message; only its typed errors may come back."""
    profile, endpoint = (ZDO_PROFILE, 0) if zdo else (SMART_ENERGY_PROFILE, 1)
    with contextlib.suppress(DevicesError):
        rig.device.handle_message(ApsMessage(0x0000, rig.device.node_id, profile, cluster, endpoint, endpoint, frame))
    rig.run(10)


def _assert_still_usable(rig: Rig) -> None:
    """The device answers Basic and ZDO, and a fresh transfer of a good image is verified."""
    if not rig.device.joined:
        # A Mgmt_Leave_req may rightly send it away; it joins again by itself.
        rig.run(30)
    assert rig.device.joined
    before = len(rig.ch.received)
    _deliver(rig, BASIC, _READ_BASIC)
    _deliver(rig, ZdoCluster.NODE_DESC_REQ, b"\x2a" + rig.device.node_id.to_bytes(2, "little"), zdo=True)
    answers = {message.cluster_id for message in rig.ch.received[before:]}
    assert {BASIC, RESPONSE | ZdoCluster.NODE_DESC_REQ} <= answers
    # It resumes the download the frame interrupted, or ends it (a forged block at the right offset
    # fails verification, rightly) and takes the image afresh when notified again.
    rig.ch.ota.silent_after_blocks = None
    rig.ch.notify()
    rig.run(300)
    rig.ch.notify()
    rig.run(300)
    assert any(event.get("file_version") == "0x00000002" for event in rig.events_of("ota_verified"))


@st.composite
def zcl_frames(draw: st.DrawFn) -> tuple[int, bytes, bool]:
    """A random frame for Basic, the OTA client or Tunneling: (cluster, frame, False)."""
    cluster = draw(st.sampled_from([BASIC, OTA, TUNNEL]))
    command = draw(st.integers(0, 255) | st.integers(0, 12))
    frame = draw(_HEADERS) + bytes([draw(st.integers(0, 255)), command]) + draw(st.binary(max_size=96))
    return cluster, frame, False


@st.composite
def mutated_ch_frames(draw: st.DrawFn) -> tuple[int, bytes, bool]:
    """A frame the CH really sends, damaged."""
    cluster = draw(st.sampled_from(sorted(SEEDS)))
    return cluster, draw(mutated(SEEDS[cluster])), False


@st.composite
def zdo_requests(draw: st.DrawFn, node_id: int) -> tuple[int, bytes, bool]:
    """A ZDO request or response of any cluster; most start with this node's id, to get past that check."""
    cluster = draw(st.sampled_from([*ZdoCluster, *(RESPONSE | c for c in ZdoCluster)]) | st.integers(0, 0xFFFF))
    about = node_id.to_bytes(2, "little") if draw(st.booleans()) else b""
    return cluster, bytes([draw(st.integers(0, 255))]) + about + draw(st.binary(max_size=64)), True


@fuzz
@examples(400)
@given(kind=KINDS, data=st.data())
def test_any_frame_on_basic_ota_tunneling_or_zdo_leaves_the_device_usable(kind: str, data: st.DataObject) -> None:
    rig = _busy_device(kind)
    cluster, frame, zdo = data.draw(zcl_frames() | mutated_ch_frames() | zdo_requests(rig.device.node_id))

    _deliver(rig, cluster, frame, zdo=zdo)

    _assert_still_usable(rig)
