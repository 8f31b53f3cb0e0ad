"""Emulated benches drawn from a campaign's fleet: which devices each HAN holds, and their faults.

Every draw follows the fleet's seed, the stage and the bench's number, so a campaign run
twice puts the same devices with the same faults on the same benches, and a bench can be
re-run alone from its config. EUI-64s spell ``HANR`` then the stage, bench and device
numbers: unique across the campaign and apart from the test parties' (``HANRIG...``).
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hanrig.bench.trust import BUILTIN_TEST_KEYSTORE
from hanrig.campaign.spec import Campaign, DeviceModel, Fleet
from hanrig.testpki import write_keystore

#: the first four octets of a fleet device's EUI-64: "HANR"
EUI_PREFIX = 0x48414E52


@dataclass(frozen=True)
class DrawnDevice:
    """One device of an emulated bench: its model, and the faults the draw gave it."""

    name: str
    model: str
    type: str
    eui64: str
    faults: dict[str, Any]
    entry: dict[str, Any]


def fleet_eui(stage: int, bench: int, device: int) -> int:
    return EUI_PREFIX << 32 | (stage & 0xFF) << 24 | (bench & 0xFFFF) << 8 | (device & 0xFF)


def model_device(model: DeviceModel, name: str, eui: int, faults: dict[str, Any]) -> dict[str, Any]:
    """A rig config's device entry for one device of this model."""
    emulated = copy.deepcopy(model.emulated)
    emulated["eui64"] = f"{eui:016X}"
    if faults:
        emulated["faults"] = {**emulated.get("faults", {}), **faults}
    return {"name": name, "type": model.type, "emulated": emulated}


def draw_bench(fleet: Fleet, stage: int, bench: int) -> list[DrawnDevice]:
    """The devices of one emulated bench, with their faults, as the fleet's seed draws them."""
    rng = random.Random(f"{fleet.seed}/{stage}/{bench}")
    count = rng.randint(fleet.min_devices, fleet.max_devices)
    weights = [model.weight for model in fleet.models]
    devices = []
    for number in range(count):
        model = rng.choices(fleet.models, weights=weights)[0]
        faults: dict[str, Any] = {}
        # one draw per fault and device, in file order, whether or not it applies: adding a model to
        # one fault's list then changes no other device's draws
        for draw in fleet.faults:
            hit = rng.random() < draw.probability
            if hit and (not draw.models or model.name in draw.models):
                faults.update(draw.faults)
        name = f"{model.name}-{number + 1}"
        eui = fleet_eui(stage, bench, number + 1)
        devices.append(DrawnDevice(name, model.name, model.type, f"{eui:016X}", faults,
                                   model_device(model, name, eui, faults)))
    return devices


def bench_config(campaign: Campaign, devices: list[dict[str, Any]], *, seed: int, report_dir: Path,
                 keystore: Path | None = None, port: str | None = None) -> dict[str, Any]:
    """A rig config: the campaign's bench template with these devices, the variant's images and one suite."""
    config = copy.deepcopy(campaign.bench)
    config["devices"] = devices
    config["images"] = copy.deepcopy(campaign.images)
    config["report_dir"] = str(report_dir)
    config.pop("suites", None)
    coordinator = config.setdefault("coordinator", {})
    if port is not None:
        coordinator["port"] = port
    if coordinator.get("port") == "emulated":
        coordinator.setdefault("emulator", {})["seed"] = seed
    if keystore is not None:
        config.setdefault("gbcs", {})["keystore"] = str(keystore)
    return config


def fleet_keystore(campaign: Campaign, directory: Path, euis: list[str]) -> Path | None:
    """With the template on hanrig's test PKI: a keystore of test keys for its parties and these devices.

    ``None`` when the template names a keystore of its own, which must then hold the devices' keys.
    """
    gbcs = campaign.bench.get("gbcs", {})
    if gbcs.get("keystore", BUILTIN_TEST_KEYSTORE) != BUILTIN_TEST_KEYSTORE:
        return None
    parties = [str(gbcs[party]) for party in ("acb", "supplier", "comms_hub") if party in gbcs]
    write_keystore(directory, [*parties, *euis])
    return directory
