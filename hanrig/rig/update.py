"""Updating a device's firmware as SECMP0007 describes it, each step with its evidence.

The steps are separate so that scenarios can stop, fault or expect otherwise at any of
them; ``update`` strings them into the happy path that ``hanrig ota`` runs:

* **distribute**: the CH holds the image, refuses a device whose hardware version is out
  of range, serves the transfer, and raises CCS08 for the outcome;
* **PPMID**: the CH manages activation through the Upgrade End Response; the PPMID
  reports it with CS09;
* **HCALCS**: the device reports verified receipt with FDRA; the DCC activates it with
  CS06, which must carry the same hash;
* **read back**: CS08 returns the version the device runs.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field

from hanrig.gbcs import (
    ActivateImageResult,
    ActivationResult,
    AlertCode,
    MessageCode,
    ReadFirmwareVersionResponse,
    TransferResult,
)
from hanrig.rig import evidence
from hanrig.rig.bench import Bench
from hanrig.rig.ch.images import HeldImage
from hanrig.rig.ch.messages import Direction, GbcsRecord
from hanrig.rig.config import DeviceConfig
from hanrig.rig.errors import InfrastructureError
from hanrig.rig.images import LoadedImage
from hanrig.rig.measurements import Measurement, Subject, Verdict, observed
from hanrig.rig.ota.policy import OtaPolicy
from hanrig.rig.ota.progress import Progress
from hanrig.rig.ota.server import ZigpyOtaLink
from hanrig.rig.ota.session import Outcome, SessionResult, send_upgrade_end_response
from hanrig.rig.recorder import Recorder
from hanrig.rig.tracking import Distribution, Stage
from hanrig.rig.zcl.ota import Ota

LOG = logging.getLogger(__name__)


#: What each way a transfer can end means to GBCS: the CCS08 response code. [INF: GBCS §11 and
#: CHTS were not available. Success and Hardware Version Mismatch follow from the codes' names;
#: every other end (a stall, a timeout, the device's INVALID_IMAGE or ABORT) is taken to be File
#: Transfer Failure, and a discarded image Image Discarded.]
CCS08_RESULTS = {
    Outcome.TRANSFERRED: TransferResult.SUCCESS,
    Outcome.HARDWARE_VERSION_MISMATCH: TransferResult.HARDWARE_VERSION_MISMATCH,
}


@dataclass
class Update:
    """One device's update: where its distribution got to, and everything measured on the way."""

    device: DeviceConfig
    image: LoadedImage
    distribution: Distribution
    recorder: Recorder
    session: SessionResult | None = None
    ccs08: GbcsRecord | None = None
    measurements: list[Measurement] = field(default_factory=list)
    evidence: list[GbcsRecord] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def passed(self) -> bool:
        return all(m.passed for m in self.measurements)

    def measure(self, *measurements: Measurement) -> None:
        """Keep measurements and journal each one."""
        for measurement in measurements:
            self.measurements.append(measurement)
            self.recorder.record("measurement", device=self.device.name, **measurement.as_dict())

    def elapsed(self) -> float:
        return time.monotonic() - self.started


async def distribute(bench: Bench, device: DeviceConfig, image: LoadedImage, *, request_id: str | None = None,
                     policy: OtaPolicy | None = None, expect: TransferResult = TransferResult.SUCCESS,
                     replaced_at: tuple[float, LoadedImage] | None = None) -> Update:
    """Hold the image, transfer it to the device, raise CCS08, and check the transfer went as ``expect`` says.

    The device's part is judged from what it did in the exchange (its query, whether it stopped
    when refused); the CH's part (its answers, its CCS08) is checked as CH-model evidence. With
    ``replaced_at`` (fraction, image), a newer image replaces this one once the transfer is that
    far, as when a new request reaches the CH mid-transfer.
    """
    distribution = bench.tracker.begin(request_id or image.request_id or f"rig-{uuid.uuid4().hex[:8]}",
                                       device.name, device.eui64, image.name)
    update = Update(device, image, distribution, bench.recorder)
    held = bench.hub.images.hold(image)
    policy = policy or bench.config.policy_for(device)
    result, detail = await _transfer(bench, update, held, policy, replaced_at)
    if update.session is not None:
        update.measure(*evidence.ota_conduct(update.session.conduct, identity=device.identity, policy=policy,
                                             expect=expect))
    update.ccs08 = bench.hub.raise_ccs08(device.eui64, image.firmware_version, result)
    update.evidence.append(update.ccs08)
    update.measure(*evidence.ccs08(update.ccs08, entity=device.eui64, firmware_version=image.firmware_version,
                                   result=expect))
    if result is TransferResult.SUCCESS:
        bench.tracker.move(distribution, Stage.TRANSFERRED, detail)
    else:
        bench.tracker.move(distribution, Stage.FAILED, detail)
    update.measure(observed("transfer time", round(update.elapsed(), 3), "s", subject=Subject.DEVICE))
    return update


async def _transfer(bench: Bench, update: Update, held: HeldImage, policy: OtaPolicy,
                    replaced_at: tuple[float, LoadedImage] | None) -> tuple[TransferResult, str]:
    device, image = update.device, update.image
    if not bench.hub.images.current(held):
        return TransferResult.IMAGE_DISCARDED, f"image discarded before the transfer: {held.discarded}"
    zigbee_device = await bench.join(device)
    assert bench.coordinator is not None
    cluster = bench.coordinator.smart_energy_endpoint(zigbee_device, Ota.cluster_id, server=False)

    def discarded(gone: HeldImage) -> None:
        session = bench.hub.ota.session(zigbee_device.ieee)
        if gone is held and session is not None:
            session.abort()

    def progressed(progress: Progress) -> None:
        bench.tracker.progress(update.distribution, progress)
        if replaced_at is not None and progress.fraction >= replaced_at[0] and held.discarded is None:
            bench.hub.images.hold(replaced_at[1])

    bench.hub.images.on_discard(discarded)
    bench.tracker.move(update.distribution, Stage.NOTIFIED)
    # The CH checks the hardware version the device reports in its query; only a device that
    # leaves it out is checked against the version the config gives.
    update.session = await bench.hub.ota.transfer(
        zigbee_device, cluster, image.image, policy, hardware_version=device.identity.hardware_version,
        on_progress=progressed)
    if held.discarded is not None:
        return TransferResult.IMAGE_DISCARDED, f"image discarded during the transfer: {held.discarded}"
    result = CCS08_RESULTS.get(update.session.outcome, TransferResult.FILE_TRANSFER_FAILURE)
    return result, update.session.detail


async def expect_message(bench: Bench, update: Update, what: str, *, alert_code: int | None = None,
                         message_code: int | None = None, after: int) -> GbcsRecord | None:
    """The next message from the device with this alert or message code; missing it is a failed measurement."""
    device = update.device

    def matches(record: GbcsRecord) -> bool:
        return (record.direction is Direction.FROM_DEVICE and record.device == device.eui64
                and (alert_code is None or record.alert_code == alert_code)
                and (message_code is None or record.message_code == message_code))

    timeout = bench.config.ch.alert_timeout
    try:
        record = await bench.hub.messages.wait_for(matches, after=after, timeout=timeout,
                                                   what=f"{what} from {device.name}")
    except TimeoutError:
        update.measure(Measurement(f"{what} received", "no", f"within {timeout:g} s", Verdict.FAIL, Subject.DEVICE))
        return None
    update.evidence.append(record)
    return record


async def expect_alert(bench: Bench, update: Update, what: str, alert_code: int, *, after: int) -> GbcsRecord | None:
    """The device's next alert with this code, judged: decoded, protected as GBCS requires, from the device."""
    record = await expect_message(bench, update, what, alert_code=alert_code, after=after)
    if record is not None:
        update.measure(*evidence.device_alert(record, what=what, device=update.device.eui64, alert_code=alert_code))
    return record


async def expect_fdra(bench: Bench, update: Update, *, after: int) -> GbcsRecord | None:
    """The device's FDRA, judged: signed by it, with the Manufacturer Image hash of the image it was sent."""
    fdra = await expect_message(bench, update, "FDRA", alert_code=AlertCode.FIRMWARE_VERIFICATION_SUCCESSFUL,
                                after=after)
    if fdra is not None:
        update.measure(*evidence.fdra(fdra, device=update.device.eui64,
                                      manufacturer_image_hash=update.image.manufacturer_image_hash))
    return fdra


async def activate_now(bench: Bench, device: DeviceConfig, image: LoadedImage) -> None:
    """Tell a device waiting with upgrade time 0xFFFFFFFF to activate now (an unsolicited Upgrade End Response)."""
    zigbee_device = await bench.join(device)
    assert bench.coordinator is not None
    cluster = bench.coordinator.smart_energy_endpoint(zigbee_device, Ota.cluster_id, server=False)
    await send_upgrade_end_response(ZigpyOtaLink(cluster), image.image)


async def activate_with_cs06(bench: Bench, update: Update, *, manufacturer_image_hash: bytes | None = None,
                             expect: ActivationResult = ActivationResult.SUCCESS,
                             expected_version: bytes | None = None) -> GbcsRecord | None:
    """Send CS06 Activate Firmware (the image's hash unless told otherwise) and check the response."""
    device = update.device
    zigbee_device = await bench.join(device)
    mark = bench.hub.messages.mark
    command = bench.dcc.cs06(device.eui64, manufacturer_image_hash or update.image.manufacturer_image_hash)
    update.evidence.append(await bench.hub.deliver(zigbee_device, command, timeout=bench.config.ch.alert_timeout))
    response = await expect_message(bench, update, "CS06 response", message_code=MessageCode.ACTIVATE_FIRMWARE,
                                    after=mark)
    if response is None:
        return None
    version = expected_version if expected_version is not None else (
        update.image.firmware_version if expect is ActivationResult.SUCCESS else _running_version(device))
    update.measure(*evidence.cs06_response(response, outcome=expect, firmware_version=version))
    return response


async def read_version(bench: Bench, update: Update, *, expected_version: bytes) -> GbcsRecord | None:
    """CS08: read back the firmware version the device runs, and check it."""
    device = update.device
    zigbee_device = await bench.join(device)
    mark = bench.hub.messages.mark
    update.evidence.append(await bench.hub.deliver(zigbee_device, bench.dcc.cs08(device.eui64),
                                                   timeout=bench.config.ch.alert_timeout))
    response = await expect_message(bench, update, "CS08 response", message_code=MessageCode.READ_FIRMWARE_VERSION,
                                    after=mark)
    if response is None:
        return None
    update.measure(*evidence.cs08_response(response, firmware_version=expected_version))
    return response


async def expect_cs09(bench: Bench, update: Update, *, result: ActivateImageResult, version: bytes,
                      after: int) -> GbcsRecord | None:
    """The PPMID's CS09 Firmware Activation Alert, checked against the result and version expected."""
    cs09 = await expect_message(bench, update, "CS09 alert", alert_code=AlertCode.FIRMWARE_VERSION, after=after)
    if cs09 is not None:
        update.measure(*evidence.cs09(cs09, ppmid=update.device.eui64, firmware_version=version, result=result))
    return cs09


async def running_version(bench: Bench, device: DeviceConfig) -> bytes:
    """The version a device runs, read with CS08 (journaled, not judged): what a failed activation must keep."""
    zigbee_device = await bench.join(device)
    mark = bench.hub.messages.mark
    await bench.hub.deliver(zigbee_device, bench.dcc.cs08(device.eui64), timeout=bench.config.ch.alert_timeout)

    def matches(record: GbcsRecord) -> bool:
        return (record.direction is Direction.FROM_DEVICE and record.device == device.eui64
                and record.message_code == MessageCode.READ_FIRMWARE_VERSION)

    response = await bench.hub.messages.wait_for(matches, after=mark, timeout=bench.config.ch.alert_timeout,
                                                 what=f"CS08 response from {device.name}")
    if not isinstance(response.payload, ReadFirmwareVersionResponse):
        raise InfrastructureError(f"{device.name} answered CS08 with {response.describe()}")
    return response.payload.firmware_version


def conclude(bench: Bench, update: Update, stage: Stage, detail: str) -> None:
    """End the update's distribution tracking (Activated, or Failed with why)."""
    bench.tracker.move(update.distribution, stage, detail)


async def update(bench: Bench, device: DeviceConfig, image: LoadedImage, *, request_id: str | None = None,
                 policy: OtaPolicy | None = None) -> Update:
    """The happy path of one device's update, from notify to the new version read back."""
    mark = bench.hub.messages.mark
    result = await distribute(bench, device, image, request_id=request_id, policy=policy)
    if result.distribution.stage is not Stage.TRANSFERRED:
        return result
    if device.type == "ppmid":
        await expect_cs09(bench, result, result=ActivateImageResult.SUCCESS, version=image.firmware_version,
                          after=mark)
    elif await expect_fdra(bench, result, after=mark) is not None:
        await activate_with_cs06(bench, result)
    if result.passed:
        await read_version(bench, result, expected_version=image.firmware_version)
    if result.passed:
        conclude(bench, result, Stage.ACTIVATED, "new version read back")
    else:
        conclude(bench, result, Stage.FAILED, next(m for m in result.measurements if not m.passed).describe())
    result.measure(observed("update time", round(result.elapsed(), 3), "s", subject=Subject.DEVICE))
    return result


def _running_version(device: DeviceConfig) -> bytes:
    return (device.identity.firmware_version or 0).to_bytes(4, "big")

