"""The CH holds one image per manufacturer and type, and discards on replacement or retention."""

from __future__ import annotations

from hanrig.gbcs import build_image, encode_image
from hanrig.rig.ch.images import HeldImage, ImageStore
from hanrig.rig.images import LoadedImage


def _image(name: str, version: int, image_type: int = 0x0084) -> LoadedImage:
    image = build_image(manufacturer_code=0x121D, image_type=image_type, file_version=version,
                        manufacturer_image=b"firmware")
    return LoadedImage(name, image, encode_image(image), "test")


def test_a_newer_image_of_the_same_type_discards_the_held_one_and_tells_listeners() -> None:
    store, told = ImageStore(None), []
    store.on_discard(told.append)
    old = store.hold(_image("v2", 2))

    store.hold(_image("v3", 3))

    assert old.discarded == "replaced by v3"
    assert not store.current(old)
    assert [held.image.name for held in told] == ["v2"]


def test_holding_a_discarded_image_again_keeps_it_discarded() -> None:
    store = ImageStore(None)
    image = _image("v2", 2)
    store.hold(image)
    store.hold(_image("v3", 3))

    assert store.hold(image).discarded == "replaced by v3"


def test_images_of_other_types_are_held_side_by_side() -> None:
    store = ImageStore(None)
    ppmid = store.hold(_image("ppmid", 2, 0x0084))
    hcalcs = store.hold(_image("hcalcs", 2, 0x0085))

    assert store.current(ppmid) and store.current(hcalcs)


def test_retention_expiry_discards_when_the_image_is_next_looked_at() -> None:
    now = [100.0]
    store = ImageStore(retention=60, clock=lambda: now[0])
    held: HeldImage = store.hold(_image("v2", 2))

    now[0] += 59
    assert store.current(held)
    now[0] += 1
    assert not store.current(held)
    assert held.discarded == "retention of 60 s expired"
