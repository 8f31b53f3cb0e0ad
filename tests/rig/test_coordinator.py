"""The rig's coordinator on real bellows and zigpy against the emulated radio in its own process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
import zigpy.types
from zigpy.zcl import foundation

from hanrig.rig.coordinator.coordinator import CH_ENDPOINT, Coordinator, RadioSettings
from hanrig.rig.coordinator.emulated import EmulatedRadio
from hanrig.rig.errors import InfrastructureError

DEVICE = "48414E5249470F01"
STRANGER = "48414E5249470F02"


class NoRequests:
    """Cluster requests go to zigpy's own handling in these tests."""

    def ota_request(self, cluster: Any, hdr: Any, args: Any) -> bool:
        return False

    def tunneling_request(self, cluster: Any, hdr: Any, args: Any) -> bool:
        return False


def _config(*euis: str) -> dict[str, Any]:
    return {"coordinator": {"emulator": {"seed": 3}},
            "devices": [{"name": f"d{i}", "type": "generic", "emulated": {"eui64": eui}}
                        for i, eui in enumerate(euis)]}


@pytest.fixture
async def radio(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[EmulatedRadio]]]:
    started: list[EmulatedRadio] = []

    async def start(*euis: str) -> EmulatedRadio:
        config = tmp_path / "hil_config.yaml"
        config.write_text(yaml.safe_dump(_config(*euis)))
        emulated = await EmulatedRadio.start(tmp_path / "emulator", config=config)
        started.append(emulated)
        return emulated

    yield start
    for emulated in started:
        await emulated.stop()


@pytest.fixture
async def coordinators() -> AsyncIterator[Callable[[RadioSettings], Awaitable[Coordinator]]]:
    started: list[Coordinator] = []

    async def start(settings: RadioSettings) -> Coordinator:
        coordinator = Coordinator(settings, NoRequests())
        started.append(coordinator)
        await coordinator.start(timeout=30)
        return coordinator

    yield start
    for coordinator in reversed(started):
        await coordinator.stop()


async def _events(emulated: EmulatedRadio, kind: str, device: str) -> list[dict[str, Any]]:
    return [e for e in await emulated.request("events") if e["kind"] == kind and e["source"] == device]


async def test_coordinator_forms_a_han_on_a_factory_new_radio_and_reports_its_ezsp_version(
        radio: Any, coordinators: Any) -> None:
    emulated = await radio()

    coordinator = await coordinators(RadioSettings(path=str(emulated.port)))

    info = coordinator.radio_info()
    assert info["ezsp_version"] == 13
    assert 11 <= info["channel"] <= 26


async def test_freshly_formed_han_is_restarted_so_the_ch_endpoint_is_registered(
        radio: Any, coordinators: Any) -> None:
    emulated = await radio()

    await coordinators(RadioSettings(path=str(emulated.port), channel=20))

    status = await emulated.request("status")
    assert status["ncp"]["channel"] == 20
    assert CH_ENDPOINT in status["ncp"]["endpoints"]


async def test_device_in_the_device_log_joins_and_is_interviewed(radio: Any, coordinators: Any) -> None:
    emulated = await radio(DEVICE)
    coordinator = await coordinators(RadioSettings(path=str(emulated.port)))
    coordinator.admit([DEVICE])

    await coordinator.permit(duration=30)
    device = await coordinator.wait_for_device(DEVICE, timeout=30)

    assert device.is_initialized
    assert 1 in device.endpoints


async def test_device_missing_from_the_device_log_is_told_to_leave(radio: Any, coordinators: Any) -> None:
    emulated = await radio(STRANGER)
    coordinator = await coordinators(RadioSettings(path=str(emulated.port)))

    await coordinator.permit(duration=30)
    async with asyncio.timeout(30):
        while not await _events(emulated, "left", "d0"):
            await asyncio.sleep(0.1)
    # Told to leave, the device may join again while the network is open, and be removed again:
    # once the network closes, it is gone for good.
    await coordinator.permit(duration=0)
    stranger = zigpy.types.EUI64.convert(":".join(STRANGER[i:i + 2] for i in range(0, 16, 2)))
    async with asyncio.timeout(30):
        while stranger in coordinator.app.devices:
            await asyncio.sleep(0.1)

    with pytest.raises(KeyError):
        coordinator.app.get_device(ieee=stranger)


async def test_unicast_longer_than_one_frame_arrives_whole_in_aps_fragments(radio: Any, coordinators: Any) -> None:
    emulated = await radio(DEVICE)
    coordinator = await coordinators(RadioSettings(path=str(emulated.port)))
    coordinator.admit([DEVICE])
    await coordinator.permit(duration=30)
    device = await coordinator.wait_for_device(DEVICE, timeout=30)
    basic = device.endpoints[1].in_clusters[0x0000]
    long_string = "x" * 250

    with contextlib.suppress(Exception):  # the device refuses the write; what matters is that it got it
        await basic.write_attributes_raw(
            [foundation.Attribute(0x4000, foundation.TypeValue(foundation.DataTypeId.string16,
                                                                zigpy.types.LongCharacterString(long_string)))])

    received = await _events(emulated, "zcl_received", "d0")
    assert max(event["length"] for event in received) == 3 + 2 + 1 + 2 + len(long_string)


async def test_radio_path_that_does_not_exist_is_an_infrastructure_error(tmp_path: Path, coordinators: Any) -> None:
    with pytest.raises(InfrastructureError, match="unreachable"):
        await coordinators(RadioSettings(path=str(tmp_path / "no-such-tty")))


async def test_second_coordinator_on_the_same_port_gets_port_busy(radio: Any, coordinators: Any) -> None:
    emulated = await radio()
    await coordinators(RadioSettings(path=str(emulated.port)))

    with pytest.raises(InfrastructureError, match="unreachable"):
        await coordinators(RadioSettings(path=str(emulated.port)))
