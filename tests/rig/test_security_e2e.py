"""What a forged or damaged image, command or alert comes to, on the real stack end to end.

The rig drives real zigpy and bellows over a pty to the emulated radio in its own process.
A Manufacturer Image changed after the Supplier signed it is refused by the device and
never runs; a CS06 whose Supplier signature or ACB MAC does not verify gets no response,
a Trusted Source Authentication Failure alert (8F3D) and no activation; an alert whose
signature does not verify fails the update, and the verdict names the signature.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from hanrig.gbcs import AlertCode, GbcsMessage, MessageCode
from hanrig.rig import images as rig_images
from hanrig.rig.bench import Bench
from hanrig.rig.ch.messages import Direction
from hanrig.rig.config import load_config
from hanrig.rig.journal import Journal
from hanrig.rig.recorder import Recorder
from hanrig.rig.tracking import Stage
from hanrig.rig.update import (
    activate_with_cs06,
    distribute,
    expect_message,
    running_version,
    update,
)
from tests.paths import REPO

RUNNING = bytes.fromhex("00000001")


@pytest.fixture
async def bench(tmp_path: Path) -> AsyncIterator[Bench]:
    config = load_config(REPO / "hil_config.yaml")
    with Journal(tmp_path / "run.journal") as journal:
        async with Bench(config, Recorder(journal), workdir=tmp_path / "work") as started:
            yield started


def _flipped(message: GbcsMessage, part: str) -> GbcsMessage:
    value = getattr(message, part)
    return replace(message, **{part: bytes([value[0] ^ 0x01]) + value[1:]})


@pytest.mark.parametrize("name", ["ppmid", "hcalcs"])
async def test_a_tampered_image_is_refused_by_the_device_never_activated_and_failed_by_the_rig(
        bench: Bench, name: str) -> None:
    device = bench.config.device(name)
    original = bench.image(f"{name}-v2")
    tampered = rig_images.tampered(original, f"{name}-v2-tampered")
    assert tampered.image.signature == original.image.signature is not None
    assert tampered.manufacturer_image_hash != original.manufacturer_image_hash
    bench.add_image(tampered)
    mark = bench.hub.messages.mark

    result = await update(bench, device, tampered)

    assert result.session is not None and result.session.outcome.value == "invalid-image"
    assert not result.passed and result.distribution.stage is Stage.FAILED
    assert result.distribution.reason == "device ended the transfer with status 0x96 (INVALID_IMAGE)"
    assert bench.emulator is not None
    verified = [e for e in await bench.emulator.request("events") if e["source"] == name
                and e["kind"] == "ota_verified"]
    assert [e["result"] for e in verified] == ["bad-signature"]
    if name == "hcalcs":
        alert = await expect_message(bench, result, "8F1C", alert_code=AlertCode.FIRMWARE_VERIFICATION_FAILED,
                                     after=mark)
        assert alert is not None and alert.authentic
    assert await running_version(bench, device) == RUNNING


async def test_cs06_with_a_bad_supplier_signature_or_acb_mac_gets_8f3d_and_no_activation(bench: Bench) -> None:
    hcalcs, image = bench.config.device("hcalcs"), bench.image("hcalcs-v2")
    mark = bench.hub.messages.mark
    held = await distribute(bench, hcalcs, image)
    fdra = await expect_message(bench, held, "FDRA", alert_code=AlertCode.FIRMWARE_VERIFICATION_SUCCESSFUL, after=mark)
    assert held.passed and fdra
    zigbee_device = await bench.join(hcalcs)

    for part in ("signature", "mac"):
        mark = bench.hub.messages.mark
        forged = _flipped(bench.dcc.cs06(hcalcs.eui64, image.manufacturer_image_hash), part)
        await bench.hub.deliver(zigbee_device, forged, timeout=bench.config.ch.alert_timeout)

        alert = await expect_message(bench, held, f"8F3D for a CS06 with a bad {part}",
                                     alert_code=AlertCode.TRUSTED_SOURCE_AUTHENTICATION_FAILURE, after=mark)
        assert alert is not None and alert.authentic, part
        assert await running_version(bench, hcalcs) == RUNNING, part
        # By the time CS08 is answered, a CS06 response would have come too.
        responses = [r for r in bench.hub.messages.records[mark:] if r.direction is Direction.FROM_DEVICE
                     and r.message_code == MessageCode.ACTIVATE_FIRMWARE]
        assert responses == [], part

    # The image was held all along: an authentic CS06 activates it.
    assert await activate_with_cs06(bench, held) is not None and held.passed
    assert await running_version(bench, hcalcs) == image.firmware_version


async def test_an_alert_with_a_bad_signature_fails_the_update_and_the_verdict_names_the_signature(
        bench: Bench) -> None:
    assert bench.emulator is not None
    await bench.emulator.request("device_command", name="ppmid", command="set_faults",
                                 args={"bad_alert_signature": True})

    result = await update(bench, bench.config.device("ppmid"), bench.image("ppmid-v2"))

    failed = [m for m in result.measurements if not m.passed]
    assert [m.describe() for m in failed] == ["CS09 signature: invalid (expected valid)"]
    assert result.distribution.stage is Stage.FAILED
    assert result.distribution.reason == "CS09 signature: invalid (expected valid)"
