"""The tracker journals a transfer's stages, each tenth, each restart, and a finer sample for the plots."""

from __future__ import annotations

from typing import Any

from hanrig.rig.ota.progress import Progress
from hanrig.rig.recorder import Recorder
from hanrig.rig.tracking import SAMPLE_STEP_PERCENT, Stage, Tracker


def _tracker() -> tuple[Tracker, list[tuple[str, dict[str, Any]]]]:
    recorder = Recorder()
    entries: list[tuple[str, dict[str, Any]]] = []
    recorder.add_listener(lambda kind, fields: entries.append((kind, fields)) if kind != "progress" else None)
    return Tracker(recorder), entries


def _progress(offset: int, restarts: int = 0) -> Progress:
    return Progress(offset=offset, total=10_000, blocks=offset // 50, retries=0, restarts=restarts, rate=0.0,
                    elapsed=0.0)


def _serve(tracker: Tracker, offsets: range, restarts: int = 0) -> None:
    distribution = tracker.distributions[0]
    for offset in offsets:
        tracker.progress(distribution, _progress(offset, restarts))


def test_a_transfer_is_journaled_at_each_tenth_and_sampled_every_few_percent() -> None:
    tracker, entries = _tracker()
    distribution = tracker.begin("q1", "ppmid", "00DB1234567890A4", "ppmid-v2")
    tracker.move(distribution, Stage.NOTIFIED)

    _serve(tracker, range(50, 10_001, 50))

    steps = [f["percent"] for kind, f in entries if kind == "transition" and f["stage"] == "Transferring"]
    assert steps == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    samples = [f["offset"] for kind, f in entries if kind == "transfer_sample"]
    assert len(samples) == 100 // SAMPLE_STEP_PERCENT + 1 and samples[-1] == 10_000


def test_a_restart_is_journaled_with_the_offset_the_device_asks_from_and_sampled_at_once() -> None:
    tracker, entries = _tracker()
    distribution = tracker.begin("q1", "ppmid", "00DB1234567890A4", "ppmid-v2")
    tracker.move(distribution, Stage.NOTIFIED)
    _serve(tracker, range(50, 5_001, 50))
    entries.clear()

    _serve(tracker, range(50, 101, 50), restarts=1)

    (restart,) = [f for kind, f in entries if kind == "transition"]
    assert (restart["stage"], restart["percent"], restart["restarts"]) == ("Transferring", 0, 1)
    assert "restarted the transfer: it asks from offset 50" in restart["detail"]
    samples = [(f["offset"], f["restarts"]) for kind, f in entries if kind == "transfer_sample"]
    assert samples[0] == (50, 1)
