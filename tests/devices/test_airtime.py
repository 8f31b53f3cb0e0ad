"""The airtime model: frame sizes and the time one hop takes at 250 kbit/s."""

from __future__ import annotations

import pytest

from hanrig.devices.han import airtime


def test_a_frame_carries_82_octets_of_aps_payload_and_a_fragment_80() -> None:
    assert airtime.max_aps_payload() == 82
    assert airtime.max_aps_payload(fragment=True) == 80


def test_the_longest_frame_takes_its_octets_at_32_microseconds_each_plus_csma_ack_and_spacing() -> None:
    octets = 6 + 127
    expected = (
        3.5 * 320e-6  # mean initial backoff
        + 128e-6  # CCA
        + 192e-6  # turnaround to transmit
        + octets * 32e-6
        + 192e-6  # turnaround before the MAC ACK
        + 11 * 32e-6  # MAC ACK with its PHY header
        + 640e-6  # LIFS
    )
    assert airtime.frame_time(127, mac_ack=True) == pytest.approx(expected)


def test_an_aps_acknowledged_unicast_is_the_data_frame_plus_the_ack_frame() -> None:
    assert airtime.unicast_time(40, aps_ack=True) == pytest.approx(
        airtime.data_time(40) + airtime.aps_ack_time()
    )


def test_one_hop_moves_a_few_kilobytes_a_second_as_real_zigbee_does() -> None:
    per_second = airtime.max_aps_payload(fragment=True) / airtime.unicast_time(
        80, aps_ack=True, fragment=True
    )
    assert 5_000 < per_second < 10_000


def test_short_frames_use_the_short_interframe_spacing() -> None:
    assert airtime.frame_time(18, mac_ack=False) - airtime.frame_time(17, mac_ack=False) == pytest.approx(
        32e-6
    )
    assert airtime.frame_time(19, mac_ack=False) - airtime.frame_time(18, mac_ack=False) == pytest.approx(
        32e-6 + (640e-6 - 192e-6)
    )


@pytest.mark.parametrize("payload", [-1, 83])
def test_a_payload_that_does_not_fit_a_frame_is_refused(payload: int) -> None:
    with pytest.raises(ValueError):
        airtime.data_time(payload)
