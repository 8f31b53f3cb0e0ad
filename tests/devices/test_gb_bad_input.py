"""Whatever arrives through a GB device's tunnel, it checks or ignores; it never fails (clusters: test_zcl_fuzz)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hanrig.gbcs import encode
from tests.devices.gb_fakes import Rig, cs06, cs08, make_device, make_image, on_air


def _busy_device(kind: str) -> Rig:
    """A device mid-download with a tunnel open: the state with the most to lose."""
    rig = on_air(make_device(kind))
    rig.ch.ota.image = make_image(kind)
    rig.ch.ota.silent_after_blocks = 2
    rig.ch.open_tunnel()
    rig.ch.notify()
    rig.run(0.5)
    return rig


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["ppmid", "hcalcs"]), data=st.binary(max_size=300))
def test_any_bytes_through_the_tunnel_are_checked_without_an_exception(kind: str, data: bytes) -> None:
    rig = _busy_device(kind)
    rig.device.received(data)
    rig.run(10)


COMMANDS = {"ppmid": [encode(cs08("ppmid"))],
            "hcalcs": [encode(cs06("hcalcs", bytes(32))), encode(cs08("hcalcs"))]}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["ppmid", "hcalcs"]), which=st.integers(0, 1), position=st.integers(0, 400),
       bit=st.integers(0, 7), cut=st.integers(0, 400))
def test_a_command_damaged_in_any_bit_or_truncated_is_refused_without_an_exception(
    kind: str, which: int, position: int, bit: int, cut: int
) -> None:
    rig = _busy_device(kind)
    command = bytearray(COMMANDS[kind][which % len(COMMANDS[kind])])
    command[position % len(command)] ^= 1 << bit
    rig.device.received(bytes(command[: max(cut, 1)]))
    rig.run(10)
    assert rig.events_of("gbcs_command") == []
