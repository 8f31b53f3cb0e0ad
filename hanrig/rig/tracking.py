"""Firmware distribution tracking: where each (request, device) stands, journaled as it moves.

Pending -> Notified -> Transferring (percent) -> Transferred -> Activated, or Failed
with a reason from any stage. Transferring is journaled at each tenth of the image, and
when the device restarts the transfer, so that a killed run shows how far every transfer
got without a journal line per block. A finer sample of the offset (every 2%, and
whenever the device restarts) is journaled for the report's transfer plots.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from hanrig.rig.ota.progress import Progress
from hanrig.rig.recorder import Recorder

#: Transferring is journaled each time the transfer crosses another step of this many percent.
JOURNAL_STEP_PERCENT = 10
#: A transfer sample (offset against time) is journaled each time the transfer crosses this many percent.
SAMPLE_STEP_PERCENT = 2


class Stage(enum.StrEnum):
    PENDING = "Pending"
    NOTIFIED = "Notified"
    TRANSFERRING = "Transferring"
    TRANSFERRED = "Transferred"
    ACTIVATED = "Activated"
    FAILED = "Failed"


_NEXT = {
    Stage.PENDING: {Stage.NOTIFIED},
    Stage.NOTIFIED: {Stage.TRANSFERRING, Stage.TRANSFERRED},
    Stage.TRANSFERRING: {Stage.TRANSFERRING, Stage.TRANSFERRED},
    Stage.TRANSFERRED: {Stage.ACTIVATED},
    Stage.ACTIVATED: set(),
    Stage.FAILED: set(),
}


@dataclass
class Distribution:
    request_id: str
    device: str
    eui64: str
    image: str
    stage: Stage = Stage.PENDING
    percent: int = 0
    reason: str | None = None
    history: list[tuple[Stage, str]] = field(default_factory=list)
    #: how many times the device restarted the transfer (a reboot: it asked again from an earlier offset)
    restarts: int = 0
    #: the last transfer sample journaled: percent and the device's restarts then
    sampled: tuple[int, int] = (-SAMPLE_STEP_PERCENT, 0)

    @property
    def finished(self) -> bool:
        return self.stage in (Stage.ACTIVATED, Stage.FAILED)


class Tracker:
    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self.distributions: list[Distribution] = []

    def begin(self, request_id: str, device: str, eui64: str, image: str) -> Distribution:
        distribution = Distribution(request_id, device, eui64, image)
        self.distributions.append(distribution)
        self._journal(distribution, "")
        return distribution

    def move(self, distribution: Distribution, stage: Stage, detail: str = "") -> None:
        if stage is not Stage.FAILED and stage not in _NEXT[distribution.stage]:
            raise RuntimeError(f"{distribution.device}: {distribution.stage} cannot move to {stage}")
        if distribution.finished:
            raise RuntimeError(f"{distribution.device}: already {distribution.stage}")
        distribution.stage = stage
        if stage is Stage.FAILED:
            distribution.reason = detail
        if stage is Stage.TRANSFERRED:
            distribution.percent = 100
        self._journal(distribution, detail)

    def progress(self, distribution: Distribution, progress: Progress) -> None:
        """A block was served: tell the live view; journal at each step."""
        percent = int(progress.fraction * 100)
        if distribution.stage is Stage.NOTIFIED:
            distribution.stage = Stage.TRANSFERRING
            distribution.percent = percent
            self._journal(distribution, "first block served")
        elif progress.restarts > distribution.restarts:
            distribution.restarts = progress.restarts
            distribution.percent = percent
            self._journal(distribution, f"the device restarted the transfer: it asks from offset {progress.offset}")
        elif percent // JOURNAL_STEP_PERCENT > distribution.percent // JOURNAL_STEP_PERCENT:
            distribution.percent = percent
            self._journal(distribution, f"{progress.offset} of {progress.total} octets")
        sampled_percent, sampled_restarts = distribution.sampled
        if (progress.restarts != sampled_restarts or abs(percent - sampled_percent) >= SAMPLE_STEP_PERCENT
                or (percent == 100 and sampled_percent != 100)):
            distribution.sampled = (percent, progress.restarts)
            self._recorder.record("transfer_sample", request=distribution.request_id, device=distribution.device,
                                  image=distribution.image, offset=progress.offset, total=progress.total,
                                  restarts=progress.restarts, retries=progress.retries)
        self._recorder.notify("progress", device=distribution.device, offset=progress.offset,
                              total=progress.total, blocks=progress.blocks, retries=progress.retries,
                              restarts=progress.restarts, rate=progress.rate, eta=progress.eta)

    def _journal(self, distribution: Distribution, detail: str) -> None:
        distribution.history.append((distribution.stage, detail))
        self._recorder.record("transition", request=distribution.request_id, device=distribution.device,
                              eui64=distribution.eui64, image=distribution.image,
                              stage=distribution.stage.value, percent=distribution.percent,
                              restarts=distribution.restarts, detail=detail)
