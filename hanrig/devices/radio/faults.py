"""How the emulator injects the faults ``hanrig.bench.emulator.Faults`` declares, at three levels.

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

from hanrig.bench.emulator import Faults


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
