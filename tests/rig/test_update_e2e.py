"""Firmware updates end to end: the rig on real zigpy and bellows, the emulated radio in its own process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from hanrig.gbcs import Verdict
from hanrig.rig.bench import Bench
from hanrig.rig.ch.messages import Direction
from hanrig.rig.config import load_config
from hanrig.rig.journal import Journal, read_journal
from hanrig.rig.recorder import Recorder
from hanrig.rig.tracking import Stage
from hanrig.rig.update import distribute, update
from hanrig.rig.zcl.ota import Ota as RigOta
from tests.paths import REPO


@pytest.fixture
async def bench(tmp_path: Path) -> AsyncIterator[Bench]:
    config = load_config(REPO / "hil_config.yaml")
    with Journal(tmp_path / "run.journal") as journal:
        async with Bench(config, Recorder(journal), workdir=tmp_path / "work") as started:
            yield started


def _codes(result: object) -> list[tuple[str, str | None]]:
    return [(r.direction.value, None if r.alert_code is None else f"0x{r.alert_code:04X}")
            for r in result.evidence]


async def test_ppmid_update_leaves_the_image_on_the_device_and_its_alerts_verified(bench: Bench) -> None:
    ppmid, image = bench.config.device("ppmid"), bench.image("ppmid-v2")

    result = await update(bench, ppmid, image)

    assert result.passed, [m.describe() for m in result.measurements if not m.passed]
    assert result.distribution.stage is Stage.ACTIVATED
    assert _codes(result) == [("raised-by-ch", "0x8F8A"), ("from-device", "0x8F8B"), ("to-device", None),
                              ("from-device", None)]
    assert all(r.verification.signature is not Verdict.INVALID and r.verification.mac is not Verdict.INVALID
               for r in result.evidence)
    cs09 = result.evidence[1].payload
    assert cs09.firmware_version == image.firmware_version == bytes.fromhex("00000002")
    assert result.evidence[3].payload.firmware_version == image.firmware_version
    assert bench.emulator is not None
    verified = [e for e in await bench.emulator.request("events")
                if e["source"] == "ppmid" and e["kind"] == "ota_verified"]
    assert verified[-1]["manufacturer_image_hash"] == image.manufacturer_image_hash.hex()


async def test_hcalcs_update_reports_the_image_hash_in_fdra_and_activates_on_cs06(bench: Bench) -> None:
    hcalcs, image = bench.config.device("hcalcs"), bench.image("hcalcs-v2")

    result = await update(bench, hcalcs, image)

    assert result.passed, [m.describe() for m in result.measurements if not m.passed]
    fdra = next(r for r in result.evidence if r.alert_code == 0x8F72)
    assert fdra.payload.calculated_hash == image.manufacturer_image_hash
    cs06 = next(r for r in result.evidence if r.direction is Direction.FROM_DEVICE and r.message_code == 0x0012)
    assert cs06.payload.firmware_version == image.firmware_version
    assert cs06.verification.signature is Verdict.VALID


async def test_journal_shows_every_distribution_transition_in_order(bench: Bench, tmp_path: Path) -> None:
    await update(bench, bench.config.device("ppmid"), bench.image("ppmid-v2"))

    stages = [e.fields["stage"] for e in read_journal(tmp_path / "run.journal").entries if e.kind == "transition"]

    assert stages[:3] == ["Pending", "Notified", "Transferring"]
    assert stages[-2:] == ["Transferred", "Activated"]
    assert 10 <= stages.count("Transferring") <= 11  # the first block, then every tenth of the image


async def test_the_ch_goes_by_the_hardware_version_the_device_reports_and_a_config_that_disagrees_fails(
        bench: Bench) -> None:
    configured = bench.config.device("ppmid")
    # The config says 0x2000 (outside the image's range); the device is really 0x1111 and says so.
    ppmid = replace(configured, identity=replace(configured.identity, hardware_version=0x2000))

    result = await distribute(bench, ppmid, bench.image("ppmid-v2"))

    assert result.distribution.stage is Stage.TRANSFERRED
    failed = [(m.name, m.subject.value) for m in result.measurements if not m.passed]
    assert failed == [("hardware version the device reports", "device")]


async def test_a_device_whose_real_hardware_is_outside_the_range_is_refused_at_its_query_and_never_served(
        bench: Bench) -> None:
    ppmid = bench.config.device("ppmid")
    assert bench.emulator is not None
    await bench.emulator.request("device_command", name="ppmid", command="set_faults",
                                 args={"real_hardware_version": 0x2000})

    result = await distribute(bench, ppmid, bench.image("ppmid-v2"))

    assert result.session is not None and result.session.progress.blocks == 0
    assert result.distribution.stage is Stage.FAILED and "0x2000" in (result.distribution.reason or "")
    failed = {m.name for m in result.measurements if not m.passed}
    # expected to succeed, so its missing Upgrade End Request fails too
    assert failed == {"hardware version the device reports", "Query Next Image answered", "CCS08 alert code",
                      "CCS08 response code", "Upgrade End Request status"}


async def test_block_requests_of_a_transfer_skip_zigpys_zcl_layer_and_the_rest_go_through_it(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    through_zigpy: list[int] = []
    handle = RigOta.handle_cluster_request

    def spy(self: RigOta, hdr: Any, args: Any, **kwargs: Any) -> None:
        through_zigpy.append(hdr.command_id)
        handle(self, hdr, args, **kwargs)

    monkeypatch.setattr(RigOta, "handle_cluster_request", spy)

    result = await distribute(bench, bench.config.device("ppmid"), bench.image("ppmid-v2"))

    assert result.distribution.stage is Stage.TRANSFERRED
    assert result.session is not None and result.session.progress.blocks > 100
    # Query Next Image and Upgrade End through zigpy; not one of the blocks
    assert sorted(set(through_zigpy)) == [0x01, 0x06]
