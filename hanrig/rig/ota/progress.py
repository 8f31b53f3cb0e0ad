"""Progress of one OTA transfer: bytes, blocks, rate, ETA and retries, as the runner shows them."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Weight of the newest sample in the smoothed rate: responsive, yet steady enough for an ETA.
_RATE_SMOOTHING = 0.2


@dataclass(frozen=True)
class Progress:
    """A snapshot for display and the journal."""

    offset: int
    total: int
    blocks: int
    retries: int
    restarts: int
    rate: float  # bytes per second, smoothed
    elapsed: float

    @property
    def fraction(self) -> float:
        return self.offset / self.total if self.total else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds to the last block at the current rate; None until there is a rate."""
        return (self.total - self.offset) / self.rate if self.rate > 0 else None


@dataclass
class ProgressMeter:
    """Counts served blocks; a block asked for again (same or lower offset) is a retry."""

    total: int
    started: float
    offset: int = 0
    blocks: int = 0
    retries: int = 0
    restarts: int = 0
    rate: float = 0.0
    _last_time: float | None = field(default=None, repr=False)
    _rebase: bool = field(default=False, repr=False)

    def block_served(self, offset: int, length: int, now: float) -> None:
        end = offset + length
        if self._rebase:  # first block after a restart: the device says where it stands
            self.offset, self._rebase = end, False
        elif end <= self.offset:
            self.retries += 1
        else:
            if self._last_time is not None and now > self._last_time:
                sample = (end - self.offset) / (now - self._last_time)
                self.rate = sample if self.rate == 0 else (1 - _RATE_SMOOTHING) * self.rate + _RATE_SMOOTHING * sample
            self.offset = end
        self.blocks += 1
        self._last_time = now

    def restarted(self) -> None:
        """The device queried again mid-transfer (it rebooted); it may resume or start over."""
        self.restarts += 1
        self._last_time = None
        self._rebase = True

    def snapshot(self, now: float) -> Progress:
        return Progress(self.offset, self.total, self.blocks, self.retries, self.restarts, self.rate,
                        now - self.started)
