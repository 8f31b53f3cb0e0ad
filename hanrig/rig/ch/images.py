"""The images the CH holds, and when it discards them.

A CH holds one image per manufacturer code and image type. It discards an image when
its retention time runs out or when a newer one replaces it; every device still
waiting for a discarded image must then get a CCS08 with "Image Discarded", so
discards are announced to whoever listens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from hanrig.rig.images import LoadedImage

LOG = logging.getLogger(__name__)


@dataclass
class HeldImage:
    image: LoadedImage
    received_at: float
    discarded: str | None = None  # why, once discarded

    @property
    def key(self) -> tuple[int, int]:
        header = self.image.image.header
        return header.manufacturer_code, header.image_type


class ImageStore:
    """What the CH holds, with its retention policy (seconds; None keeps an image until replaced)."""

    def __init__(self, retention: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self._retention = retention
        self._clock = clock
        self._held: dict[tuple[int, int], HeldImage] = {}
        #: every image ever held, by name, discarded ones too: the CH remembers what it threw away
        self._by_name: dict[str, HeldImage] = {}
        self._on_discard: list[Callable[[HeldImage], None]] = []

    def on_discard(self, listener: Callable[[HeldImage], None]) -> None:
        self._on_discard.append(listener)

    def hold(self, image: LoadedImage) -> HeldImage:
        """Hold ``image`` (as when its request arrives); an image it replaces is discarded.

        Holding an image that is already held, or was discarded, returns that record.
        """
        known = self._by_name.get(image.name)
        if known is not None and known.image is image:
            return known
        held = HeldImage(image, self._clock())
        previous = self._held.get(held.key)
        if previous is not None:
            self.discard(previous, f"replaced by {image.name}")
        self._held[held.key] = held
        self._by_name[image.name] = held
        return held

    def current(self, held: HeldImage) -> bool:
        """Whether ``held`` is still held; discards it first if its retention has run out."""
        if held.discarded is None and self._retention is not None and \
                self._clock() - held.received_at >= self._retention:
            self.discard(held, f"retention of {self._retention:g} s expired")
        return held.discarded is None

    def discard(self, held: HeldImage, reason: str) -> None:
        if held.discarded is not None:
            return
        held.discarded = reason
        if self._held.get(held.key) is held:
            del self._held[held.key]
        LOG.info("image %s discarded: %s", held.image.name, reason)
        for listener in self._on_discard:
            listener(held)
