"""A campaign file: one firmware variant taken through its roll-out stages, each stage behind a gate.

    campaign: ppmid-hcalcs-v2
    images: {...}                      # the variant, as a rig config's images: (every bench gets them)
    bench: hil_config.yaml             # the template of an emulated bench (default: the embedded default)
    fleet:                             # what each emulated bench's HAN is made of
      seed: 7
      devices: {min: 1, max: 3}
      models: [{name: ppmid-a, type: ppmid, weight: 3, emulated: {...}}, ...]
      faults: [{probability: 0.05, faults: {refuse_activation: true}}, ...]
    stages:
      - {name: validation, emulated: 1, gate: {benches_passed: 100}}
      - {name: pilot, emulated: 10, gate: {activated: 98, unexpected_alerts: 0}}
      - {name: mass, labgrid: {coordinator: 127.0.0.1:20408, places: 'hanrig-*', config: 'places/{place}.yaml'}}

Every problem is a ``SpecError`` naming the field, turned into ``file:line`` by the loader.
"""

from __future__ import annotations

import copy
import enum
import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from hanrig.bench.errors import SpecError
from hanrig.bench.fields import Fields
from hanrig.bench.source import ConfigSource, load_config_file
from hanrig.devices.spec import parse_config
from hanrig.gbcs import AlertCode
from hanrig.rig.config.schema import read_rig_config

#: the suite a campaign's benches run unless a stage names another: every device gets its image
DEFAULT_SUITE = "rollout"
#: the alerts a roll-out raises when it goes as it should: CCS08 (either result), CS09, FDRA
EXPECTED_ALERTS = (AlertCode.FIRMWARE_TRANSFER_SUCCESS, AlertCode.FIRMWARE_TRANSFER_FAIL,
                   AlertCode.FIRMWARE_VERSION, AlertCode.FIRMWARE_VERIFICATION_SUCCESSFUL)
#: seconds one bench may take before it is stopped and counted as an error
DEFAULT_BENCH_TIMEOUT = 900.0


class WhenBusy(enum.StrEnum):
    """What a campaign does when a labgrid place it wants is held by someone else."""

    WAIT = "wait"
    SKIP = "skip"


@dataclass(frozen=True)
class Gate:
    """What a stage must show before the next one starts; ``None`` leaves a criterion out.

    A stage that gives no criterion at all is gated on every bench passing.
    """

    #: percentage of benches whose run passed (every scenario, on device evidence)
    benches_passed: float | None = None
    #: percentage of devices whose new firmware is activated, on verified device evidence
    activated: float | None = None
    #: the most alerts of a kind the campaign does not expect
    unexpected_alerts: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass(frozen=True)
class LabgridBenches:
    """Benches drawn from labgrid places: each place a coordinator on a ``NetworkSerialPort``."""

    coordinator: str
    #: place names as labgrid-client matches them (``*`` and ``?``)
    places: str
    #: the rig config of a place; ``{place}`` is its name; its coordinator.port is set to the place's
    config: str
    #: how many benches, the places taken in turn; ``None``: one bench on each matching place
    count: int | None
    when_busy: WhenBusy
    #: how long to wait for a busy place (with ``when_busy: wait``)
    wait: float


@dataclass(frozen=True)
class Stage:
    name: str
    #: how many emulated benches, or ``None`` with ``labgrid``
    emulated: int | None
    labgrid: LabgridBenches | None
    suite: str
    gate: Gate


@dataclass(frozen=True)
class DeviceModel:
    name: str
    type: str
    weight: float
    #: the device's ``emulated:`` block, less the EUI-64 each bench gives it
    emulated: dict[str, Any]


@dataclass(frozen=True)
class FaultDraw:
    probability: float
    faults: dict[str, Any]
    #: only devices of these models (all when empty)
    models: tuple[str, ...]


@dataclass(frozen=True)
class Fleet:
    seed: int
    min_devices: int
    max_devices: int
    models: tuple[DeviceModel, ...]
    faults: tuple[FaultDraw, ...]


@dataclass(frozen=True)
class Campaign:
    path: Path
    name: str
    #: the rig config every generated bench starts from (devices and images replaced)
    bench: dict[str, Any]
    images: dict[str, Any]
    fleet: Fleet | None
    stages: tuple[Stage, ...]
    parallel: int
    bench_timeout: float
    expected_alerts: tuple[int, ...]
    report_dir: Path


def load_campaign(path: Path) -> Campaign:
    return load_config_file(path, _from_source)


def _from_source(source: ConfigSource) -> Campaign:
    root = Fields(source.data, "")
    base = source.path.parent
    bench_path = root.named_path("bench", None, base=base, kind="file", existing=True)
    bench = _bench_template(bench_path)
    images = absolute_paths(root.value("images"), base) if root.has("images") else {}
    if not isinstance(images, dict) or not images:
        raise SpecError("images", "must name the firmware variant's images (as a rig config's images:)")
    fleet = _read_fleet(root.mapping("fleet")) if root.has("fleet") else None
    stages = [_read_stage(entry) for entry in root.items("stages")]
    if not stages:
        raise SpecError("stages", "must list at least one stage")
    names = [stage.name for stage in stages]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise SpecError(f"stages[{index}].name", f"{name!r} is already a stage's name")
    if fleet is None and any(stage.emulated for stage in stages):
        raise SpecError("fleet", "is required when a stage has emulated benches: it says what their HANs hold")
    campaign = Campaign(
        path=source.path,
        name=root.string("campaign"),
        bench=bench,
        images=images,
        fleet=fleet,
        stages=tuple(stages),
        parallel=root.integer("parallel", os.cpu_count() or 1, minimum=1, maximum=256),
        bench_timeout=root.number("bench_timeout", DEFAULT_BENCH_TIMEOUT, minimum=10, maximum=86_400),
        expected_alerts=tuple(_alert_codes(root)),
        report_dir=root.named_path("report_dir", "reports", base=base, kind="directory", existing=False),
    )
    root.done()
    if fleet is not None:
        _check_models(campaign, fleet)
    return campaign


def _bench_template(path: Path | None) -> dict[str, Any]:
    if path is None:
        text = resources.files("hanrig.campaign").joinpath("bench.yaml").read_text()
        return yaml.safe_load(text)
    data = yaml.safe_load(path.read_text())
    if not isinstance(data, dict):
        raise SpecError("bench", f"{path} is not a rig config")
    return absolute_paths(data, path.parent)


#: config keys whose values are paths, relative to the file that names them
_PATH_KEYS = {"file", "duis", "payload", "keystore", "state_file", "database"}


def absolute_paths(data: Any, base: Path) -> Any:
    """A copy of a config block with every relative path made absolute: bench configs are written elsewhere."""
    if isinstance(data, dict):
        return {k: (str(base / v) if k in _PATH_KEYS and isinstance(v, str) and not v.startswith("builtin")
                    and not Path(v).is_absolute() else absolute_paths(v, base)) for k, v in data.items()}
    if isinstance(data, list):
        return [absolute_paths(item, base) for item in data]
    return copy.deepcopy(data)


def _alert_codes(root: Fields) -> list[int]:
    if not root.has("expected_alerts"):
        return [int(code) for code in EXPECTED_ALERTS]
    codes = []
    for index, entry in enumerate(root.value("expected_alerts") or []):
        holder = Fields({"code": entry}, f"expected_alerts[{index}]")
        codes.append(holder.integer("code", minimum=0, maximum=0xFFFF))
    return codes


def _read_fleet(fields: Fields) -> Fleet:
    devices = fields.mapping("devices")
    least = devices.integer("min", 1, minimum=1, maximum=64)
    most = devices.integer("max", least, minimum=least, maximum=64)
    devices.done()
    models = []
    for entry in fields.items("models"):
        emulated = entry.value("emulated")
        if not isinstance(emulated, dict):
            raise SpecError(entry.at("emulated"), "must be the device's emulated: block (as in a rig config)")
        if "eui64" in emulated:
            raise SpecError(entry.at("emulated.eui64"), "is given by the fleet: each bench's devices get their own")
        models.append(DeviceModel(name=entry.string("name"), type=entry.string("type"),
                                  weight=entry.number("weight", 1.0, minimum=0.0), emulated=emulated))
        entry.done()
    if not models:
        raise SpecError(fields.at("models"), "must list at least one device model")
    known = {model.name for model in models}
    draws = []
    for entry in fields.items("faults"):
        faults = entry.value("faults")
        if not isinstance(faults, dict) or not faults:
            raise SpecError(entry.at("faults"), "must be a device's faults: block (e.g. {refuse_activation: true})")
        only = entry.value("models", []) or []
        for name in only:
            if name not in known:
                raise SpecError(entry.at("models"), f"no model {name!r} (models: {', '.join(sorted(known))})")
        draws.append(FaultDraw(entry.number("probability", minimum=0.0, maximum=1.0), faults, tuple(only)))
        entry.done()
    fleet = Fleet(seed=fields.integer("seed", 0, minimum=0), min_devices=least, max_devices=most,
                  models=tuple(models), faults=tuple(draws))
    fields.done()
    return fleet


def _read_stage(fields: Fields) -> Stage:
    if fields.has("emulated") == fields.has("labgrid"):
        raise SpecError(fields.at("name"), "give exactly one of emulated: (how many benches) or labgrid:")
    labgrid = None
    if fields.has("labgrid"):
        block = fields.mapping("labgrid")
        labgrid = LabgridBenches(
            coordinator=block.string("coordinator", os.environ.get("LG_COORDINATOR", "127.0.0.1:20408")),
            places=block.string("places"),
            config=block.string("config"),
            count=block.integer("count", None, minimum=1),
            when_busy=block.choice("when_busy", {w.value: w for w in WhenBusy}, WhenBusy.WAIT),
            wait=block.number("wait", 300.0, minimum=0, maximum=86_400),
        )
        block.done()
    gate_fields = fields.mapping("gate")
    gate = Gate(
        benches_passed=gate_fields.number("benches_passed", None, minimum=0, maximum=100),
        activated=gate_fields.number("activated", None, minimum=0, maximum=100),
        unexpected_alerts=gate_fields.integer("unexpected_alerts", None, minimum=0),
    )
    gate_fields.done()
    if not gate.as_dict():
        gate = Gate(benches_passed=100.0)  # a stage with no gate given must pass on every bench
    stage = Stage(name=fields.string("name"), emulated=fields.integer("emulated", None, minimum=1, maximum=1000),
                  labgrid=labgrid, suite=fields.string("suite", DEFAULT_SUITE), gate=gate)
    fields.done()
    return stage


def _check_models(campaign: Campaign, fleet: Fleet) -> None:
    """Each model, with every fault it may draw, makes a bench the rig accepts (checked now, not mid-campaign)."""
    from hanrig.campaign.fleet import bench_config, fleet_eui, fleet_keystore, model_device

    eui = fleet_eui(0, 0, 0)
    with tempfile.TemporaryDirectory(prefix="hanrig-campaign-check-") as scratch:
        keystore = fleet_keystore(campaign, Path(scratch), [f"{eui:016X}"])
        for index, model in enumerate(fleet.models):
            faults: dict[str, Any] = {}
            for draw in fleet.faults:
                if not draw.models or model.name in draw.models:
                    faults.update(draw.faults)
            config = bench_config(campaign, [model_device(model, "check", eui, faults)], seed=0,
                                  report_dir=Path(scratch), keystore=keystore)
            _check_bench(config, campaign.path, index)


def _check_bench(config: dict[str, Any], path: Path, index: int) -> None:
    """The rig's and the emulator's own reading of one model's bench; a complaint names the campaign's field."""
    try:
        read_rig_config(config, path=path, sha256="")
        parse_config(config, base_dir=path.parent)
    except SpecError as exc:
        if exc.path.startswith("devices[0]"):
            raise SpecError(exc.path.replace("devices[0]", f"fleet.models[{index}]", 1), exc.problem) from None
        if exc.path.startswith("images"):
            raise
        raise SpecError("bench", f"{exc.path}: {exc.problem}") from None
