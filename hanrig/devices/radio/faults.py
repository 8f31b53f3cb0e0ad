"""Faults the emulator can inject, at three levels, settable at start and while running.

* serial: ASH frames lost, damaged or delayed on the line, in either direction;
* EZSP: the NCP too busy to take a message, a messageSentHandler that reports failure or
  comes late;
* air: messages lost, APS acknowledgements lost (the device acts on the message but the
  sender hears a failure). A device out of range is a property of the device.

Every random decision draws from its own stream, seeded from the emulator's seed and the
stream's name, so a run is repeatable and one stream's draws never shift another's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields, replace
from typing import Any

from hanrig.devices.errors import InputError


def _check_probability(owner: str, name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise InputError(f"{owner}.{name} must be a probability between 0 and 1, not {value!r}")


def _check_delay(owner: str, name: str, value: float) -> None:
    if not 0.0 <= value <= 60.0:
        raise InputError(f"{owner}.{name} must be a delay between 0 and 60 seconds, not {value!r}")


@dataclass(frozen=True)
class SerialFaults:
    """Per ASH frame and per direction: the chance it is lost or damaged, and a fixed delay."""

    drop: float = 0.0
    corrupt: float = 0.0
    delay: float = 0.0

    def __post_init__(self) -> None:
        _check_probability("serial", "drop", self.drop)
        _check_probability("serial", "corrupt", self.corrupt)
        _check_delay("serial", "delay", self.delay)


@dataclass(frozen=True)
class EzspFaults:
    """``busy``: chance a send is refused; ``sent_failure``/``sent_delay``: the messageSentHandler."""

    busy: float = 0.0
    sent_failure: float = 0.0
    sent_delay: float = 0.0

    def __post_init__(self) -> None:
        _check_probability("ezsp", "busy", self.busy)
        _check_probability("ezsp", "sent_failure", self.sent_failure)
        _check_delay("ezsp", "sent_delay", self.sent_delay)


@dataclass(frozen=True)
class AirFaults:
    """Per transmission on the air: the chance it is lost, and the chance its APS ack is lost."""

    loss: float = 0.0
    aps_ack_failure: float = 0.0

    def __post_init__(self) -> None:
        _check_probability("air", "loss", self.loss)
        _check_probability("air", "aps_ack_failure", self.aps_ack_failure)


@dataclass(frozen=True)
class Faults:
    serial: SerialFaults = SerialFaults()
    ezsp: EzspFaults = EzspFaults()
    air: AirFaults = AirFaults()

    def updated(self, changes: dict[str, Any]) -> Faults:
        """These faults with some settings changed: ``{"serial": {"drop": 0.05}}``."""
        levels = {f.name: getattr(self, f.name) for f in fields(self)}
        for level, settings in changes.items():
            if level not in levels:
                raise InputError(f"unknown fault level {level!r} (one of {', '.join(levels)})")
            if not isinstance(settings, dict):
                raise InputError(f"faults.{level} must be a mapping of settings")
            current = levels[level]
            known = {f.name for f in fields(current)}
            unknown = set(settings) - known
            if unknown:
                choices = ", ".join(sorted(known))
                raise InputError(f"unknown {level} fault setting {sorted(unknown)[0]!r} (one of {choices})")
            try:
                levels[level] = replace(current, **{k: float(v) for k, v in settings.items()})
            except (TypeError, ValueError) as exc:
                raise InputError(f"faults.{level}: {exc}") from exc
        return Faults(**levels)

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {
            f.name: {g.name: getattr(getattr(self, f.name), g.name) for g in fields(getattr(self, f.name))}
            for f in fields(self)
        }


class RandomStreams:
    """One seeded ``random.Random`` per named stream."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._streams: dict[str, random.Random] = {}

    def stream(self, name: str) -> random.Random:
        if name not in self._streams:
            # A string seed is hashed with SHA-512 by ``random``: stable across runs.
            self._streams[name] = random.Random(f"{self.seed}/{name}")
        return self._streams[name]

    def chance(self, name: str, probability: float) -> bool:
        """True with ``probability``; draws nothing when the probability is zero."""
        return probability > 0.0 and self.stream(name).random() < probability


class FaultInjector:
    """The emulator's current faults and the random streams that decide them."""

    def __init__(self, faults: Faults, seed: int) -> None:
        self.faults = faults
        self.random = RandomStreams(seed)

    def update(self, changes: dict[str, Any]) -> Faults:
        self.faults = self.faults.updated(changes)
        return self.faults

    def line(self) -> SerialLineFaults:
        return SerialLineFaults(self)


class SerialLineFaults:
    """The serial faults as ASH sees them (``devices.radio.ash.protocol.LineFaults``)."""

    def __init__(self, injector: FaultInjector) -> None:
        self._injector = injector
        self.dropped = {"to_ncp": 0, "to_host": 0}
        self.corrupted = {"to_ncp": 0, "to_host": 0}

    def on_receive(self, stuffed: bytes) -> bytes | None:
        return self._apply("to_ncp", stuffed)

    def on_transmit(self, wire: bytes) -> tuple[bytes | None, float]:
        # The trailing Flag survives, so a damaged frame still ends where it should.
        damaged = self._apply("to_host", wire[:-1])
        return (None if damaged is None else damaged + wire[-1:]), self._injector.faults.serial.delay

    def _apply(self, direction: str, frame: bytes) -> bytes | None:
        serial = self._injector.faults.serial
        randomness = self._injector.random
        if randomness.chance(f"serial.{direction}.drop", serial.drop):
            self.dropped[direction] += 1
            return None
        if frame and randomness.chance(f"serial.{direction}.corrupt", serial.corrupt):
            self.corrupted[direction] += 1
            stream = randomness.stream(f"serial.{direction}.corrupt.bit")
            position = stream.randrange(len(frame))
            damaged = bytearray(frame)
            damaged[position] ^= 1 << stream.randrange(8)
            return bytes(damaged)
        return frame
