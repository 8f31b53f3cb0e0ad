"""The rig as a test sees it: a bench running in its own event-loop thread, driven by plain calls.

zigpy and bellows are asyncio libraries, and a radio must stay up for a whole suite.
Rather than make every lab test async, the bench lives in a background loop for the
session and tests call synchronous methods, each of which waits with a timeout. A radio
that is lost is reconnected (see ``rig.coordinator``); one that stays away past the
reconnect timeout makes the call in progress and every later one fail with an
``InfrastructureError`` instead of hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import zigpy.types

from hanrig.bench.errors import ConfigError
from hanrig.cbke.mmo import aes_mmo_hash
from hanrig.gbcs import ActivateImageResult, TransferResult
from hanrig.rig import update as steps
from hanrig.rig.bench import Bench
from hanrig.rig.ch.key_establishment import Outcome
from hanrig.rig.config import DeviceConfig, RigConfig
from hanrig.rig.errors import InfrastructureError
from hanrig.rig.images import LoadedImage, tampered, variant
from hanrig.rig.measurements import Measurement
from hanrig.rig.ota.policy import OtaPolicy
from hanrig.rig.recorder import Recorder
from hanrig.rig.tracking import Stage

LOG = logging.getLogger(__name__)

T = TypeVar("T")

#: The longest any single call may take; long transfers set their own, larger, bound.
DEFAULT_CALL_TIMEOUT = 900.0
START_TIMEOUT = 120.0
#: how long work cancelled by an interrupt may take to clean up
CANCEL_TIMEOUT = 20.0
#: the signals that interrupt a run (Ctrl-C, a CI job cancelled)
_INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


class RigRuntime:
    def __init__(self, config: RigConfig, recorder: Recorder, *, workdir: Path) -> None:
        self.config = config
        self.recorder = recorder
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="hanrig-bench", daemon=True)
        self._thread.start()
        # the HAN's capture goes into the run's report directory, beside the reports: the emulated air's,
        # or on a physical bench what the rig itself sends and receives
        emulated = config.coordinator.emulated
        self.bench = Bench(config, recorder, workdir=workdir, capture=workdir.parent / "han.pcap" if emulated else None,
                           host_capture=None if emulated else workdir.parent / "han-host.pcap")
        self._variants = 0
        #: (manufacturer code, image type) -> the highest file version handed out by ``newer``
        self._highest_version: dict[tuple[int, int], int] = {}

    def call(self, make: Callable[[], Awaitable[T]], *, timeout: float = DEFAULT_CALL_TIMEOUT) -> T:
        """Run a coroutine on the bench's loop and wait for it; a radio gone meanwhile ends the wait.

        Interrupted while waiting (Ctrl-C, SIGTERM), the work on the bench is cancelled too.
        """
        wound_down = threading.Event()

        async def guarded() -> T:
            try:
                return await self._guarded(make, timeout)
            finally:
                wound_down.set()

        # An interrupt between handing the work over and waiting for it would leave the work running
        # unwatched: it is held back until the wait, where it cancels the work like any other.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)
        future: Future[T] = asyncio.run_coroutine_threadsafe(guarded(), self._loop)
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            return future.result()
        except BaseException:
            future.cancel()
            # The cancelled work (a bench half started, a transfer) cleans up on the loop before
            # anything else, stopping the bench above all, runs there.
            wound_down.wait(CANCEL_TIMEOUT)
            raise

    async def _guarded(self, make: Callable[[], Awaitable[T]], timeout: float) -> T:
        work = asyncio.ensure_future(make())
        gone = None
        if self.bench.coordinator is not None:
            gone = asyncio.ensure_future(self.bench.coordinator.radio_gone.wait())
        waiting = {work} if gone is None else {work, gone}
        try:
            done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            work.cancel()  # the caller stopped waiting (the run is interrupted): so does the bench
            await asyncio.wait({work}, timeout=CANCEL_TIMEOUT)
            raise
        finally:
            if gone is not None:
                gone.cancel()
        if work in done:
            return work.result()
        work.cancel()
        with contextlib.suppress(BaseException):
            await work
        if gone is not None and gone in done:
            raise InfrastructureError(f"the radio was lost and did not come back within "
                                      f"{self.config.coordinator.reconnect_timeout:g} s")
        raise InfrastructureError(f"the rig did not finish within {timeout:g} s")

    def start(self) -> None:
        self.call(self.bench.start, timeout=START_TIMEOUT)

    def stop(self) -> None:
        """Stop the bench and its loop; safe to call twice and after a failed start."""
        if self._loop.is_closed():
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.bench.stop(), self._loop).result(60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()

    # ---------------------------------------------------------------- what tests call

    def device(self, name: str) -> DeviceConfig:
        try:
            return self.config.device(name)
        except KeyError as exc:
            raise ConfigError(str(exc.args[0])) from None

    def image(self, name: str) -> LoadedImage:
        return self.bench.image(name)

    def image_for(self, device: DeviceConfig) -> LoadedImage:
        """The configured image for this device's manufacturer code and image type (newest version first)."""
        identity = device.identity
        matches = []
        for name in self.config.images:
            header = self.image(name).image.header
            if (header.manufacturer_code, header.image_type) == (identity.manufacturer_code, identity.image_type):
                matches.append(self.image(name))
        if not matches:
            raise ConfigError(f"no image in {self.config.path} for {device.name} (manufacturer "
                              f"{identity.manufacturer_code}, image type {identity.image_type})")
        return max(matches, key=lambda image: image.file_version)

    def variant(self, image: LoadedImage, *, file_version: int | None = None,
                hardware_versions: tuple[int, int] | None = None) -> LoadedImage:
        """The image under a changed header (see ``rig.images.variant``), registered for the run's reports."""
        self._variants += 1
        built = variant(image, f"{image.name}~{self._variants}", keystore=self.bench.keystore,
                        supplier=self.config.gbcs.supplier, file_version=file_version,
                        hardware_versions=hardware_versions)
        self.bench.add_image(built)
        self.recorder.record("image", **built.identity())
        return built

    def tampered(self, image: LoadedImage) -> LoadedImage:
        """The image changed after signing (see ``rig.images.tampered``), registered for the run's reports."""
        self._variants += 1
        built = tampered(image, f"{image.name}~{self._variants}-tampered")
        self.bench.add_image(built)
        self.recorder.record("image", **built.identity())
        return built

    def newer(self, image: LoadedImage) -> LoadedImage:
        """An image of this kind newer than any ``newer`` gave before in this run.

        The first time, that is the configured image itself, so that the image signed off is
        the one the config names, unless a device of its kind is configured as running that
        version or a later one; after that, a re-signed variant with the next file version.
        """
        header = image.image.header
        kind = (header.manufacturer_code, header.image_type)
        highest = self._highest_version.get(kind)
        if highest is None:
            highest = max((d.identity.firmware_version for d in self.config.devices
                           if (d.identity.manufacturer_code, d.identity.image_type) == kind), default=0)
        if image.file_version > highest:
            self._highest_version[kind] = image.file_version
            return image
        self._highest_version[kind] = highest + 1
        return self.variant(image, file_version=highest + 1)

    def update(self, device: DeviceConfig, image: LoadedImage, *, policy: OtaPolicy | None = None) -> steps.Update:
        return self.call(lambda: steps.update(self.bench, device, image, policy=policy))

    def distribute(self, device: DeviceConfig, image: LoadedImage, *, policy: OtaPolicy | None = None,
                   expect: TransferResult = TransferResult.SUCCESS,
                   replaced_at: tuple[float, LoadedImage] | None = None) -> steps.Update:
        """Transfer ``image`` (``rig.update.distribute``); with ``replaced_at`` a newer image replaces it mid-way."""
        return self.call(lambda: steps.distribute(self.bench, device, image, policy=policy, expect=expect,
                                                  replaced_at=replaced_at))

    def expect_alert(self, update: steps.Update, what: str, alert_code: int, *, after: int = 0) -> Any:
        """The device's alert with this code, judged (decoded, protected as GBCS requires, from the device)."""
        return self.call(lambda: steps.expect_alert(self.bench, update, what, alert_code, after=after))

    def expect_fdra(self, update: steps.Update, *, after: int = 0) -> Any:
        """The device's FDRA, judged against the image it was sent."""
        return self.call(lambda: steps.expect_fdra(self.bench, update, after=after))

    def activate_with_cs06(self, update: steps.Update, **kwargs: Any) -> Any:
        return self.call(lambda: steps.activate_with_cs06(self.bench, update, **kwargs))

    def activate_now(self, device: DeviceConfig, image: LoadedImage) -> None:
        self.call(lambda: steps.activate_now(self.bench, device, image))

    def read_version(self, update: steps.Update, expected_version: bytes) -> Any:
        return self.call(lambda: steps.read_version(self.bench, update, expected_version=expected_version))

    def update_many(self, pairs: list[tuple[DeviceConfig, LoadedImage]]) -> list[steps.Update]:
        """Update several devices at once, each with its image."""
        async def all_of() -> list[steps.Update]:
            return list(await asyncio.gather(*(steps.update(self.bench, device, image) for device, image in pairs)))
        return self.call(all_of)

    def hold(self, image: LoadedImage) -> None:
        """The CH takes hold of an image now (as when its request arrives), discarding any it replaces."""
        self.bench.hub.images.hold(image)

    def expect_cs09(self, update: steps.Update, *, result: ActivateImageResult, version: bytes,
                    after: int) -> Any:
        return self.call(lambda: steps.expect_cs09(self.bench, update, result=result, version=version, after=after))

    def running_version(self, device: DeviceConfig) -> bytes:
        return self.call(lambda: steps.running_version(self.bench, device))

    def conclude(self, update: steps.Update, stage: Stage, detail: str) -> None:
        self.call(self._now(lambda: steps.conclude(self.bench, update, stage, detail)))

    @staticmethod
    def _now(action: Callable[[], None]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            action()
        return run

    # ---------------------------------------------------------------- key establishment

    def join(self, device: DeviceConfig) -> None:
        """The device on the HAN, authenticated if it runs CBKE, with its tunnel open."""
        self.call(lambda: self.bench.join(device))

    def authenticate(self, device: DeviceConfig) -> None:
        """The device on the HAN and, if it runs CBKE, holding its link key; its tunnel not yet asked for."""
        self.call(lambda: self.bench.authenticate(device))

    def cbke_mark(self) -> int:
        """Where the CH's key establishment history stands: pass to ``key_establishment(after=...)``."""
        return len(self.bench.hub.key_establishment.history)

    def cbke_outcomes(self, device: DeviceConfig) -> list[Outcome]:
        """Every key establishment with the device so far, in the order they ended."""
        return [o for o in self.bench.hub.key_establishment.history if o.eui == device.eui64]

    def key_establishment(self, device: DeviceConfig, *, after: int, timeout: float = 60.0) -> Outcome:
        """How the device's next key establishment (after the mark) ended."""
        server = self.bench.hub.key_establishment
        return self.call(lambda: server.next_outcome(device.eui64, after=after, timeout=timeout),
                         timeout=timeout + 5)

    def link_key_digests(self, device: DeviceConfig) -> tuple[str | None, str | None]:
        """Fingerprints of the link key the emulated device holds and of the one the NCP holds for it."""
        held = self.device_command(device, "status")["cbke"]
        coordinator = self.bench.coordinator
        assert coordinator is not None
        ncp_key = self.call(lambda: coordinator.link_key(zigpy.types.EUI64.convert(device.eui64)))
        return (held["link_key_digest"] if held else None,
                aes_mmo_hash(ncp_key).hex()[:16] if ncp_key is not None else None)

    def measure(self, device: DeviceConfig, *measurements: Measurement) -> None:
        """Journal checks that belong to no update (the scenario's verdict counts them)."""
        for measurement in measurements:
            self.recorder.record("measurement", device=device.name, **measurement.as_dict())

    def device_events(self, device: DeviceConfig, kind: str) -> list[dict[str, Any]]:
        """What an emulated device recorded of one kind (its event log, through the control plane)."""
        return [e for e in self.emulator("events") if e["source"] == device.name and e["kind"] == kind]

    def message_mark(self) -> int:
        """Where the GBCS message log stands: pass to ``expect_alert(after=...)`` to see only newer ones."""
        return self.bench.hub.messages.mark

    @property
    def emulated(self) -> bool:
        return self.bench.emulator is not None

    def emulator(self, op: str, **args: Any) -> Any:
        """A control-plane request to the emulated radio (emulated runs only)."""
        emulator = self.bench.emulator
        if emulator is None:
            raise ConfigError("this needs the emulated radio; the config names a physical one")
        return self.call(lambda: emulator.request(op, **args), timeout=60)

    def device_command(self, device: DeviceConfig, command: str, **args: Any) -> Any:
        """A command to an emulated device's model (set a behaviour or fault, reboot it...)."""
        return self.emulator("device_command", name=device.name, command=command, args=args)

