"""Coverage-guided fuzzing of the gbcs decoders with atheris (libFuzzer): opt-in, never collected by pytest.

Install the extra and run a target on a corpus seeded from the reference vectors::

    pip install -e '.[fuzz]'
    python fuzz/gbcs_targets.py decode -runs=100000
    python fuzz/gbcs_targets.py image -runs=100000

Each target feeds its input to one decoder. A typed ``GbcsError`` is an answer; whatever
decodes must encode back to the same bytes; anything else escaping is a finding, and
libFuzzer writes the input that caused it to ``crash-*`` in the working directory.
The hypothesis targets in ``tests/`` (``-m fuzz``) cover the same ground without atheris.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, for the tests' shared oracle
with atheris.instrument_imports():
    from hanrig.gbcs.duis import parse_firmware_request
    from hanrig.gbcs.ota_image import ImageForm, build_image, encode_image
    from tests.gbcs.exactness import decode_exactly, parse_exactly

#: the reference vectors, found as the tests find them (tests/paths.py)
SHARED = Path(os.environ.get("HANRIG_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def _message_seeds() -> list[bytes]:
    return [bytes.fromhex(path.read_text()) for path in sorted((SHARED / "rtds").rglob("*.HEX"))]


def _image_seeds() -> list[bytes]:
    seeds = [parse_firmware_request(path.read_bytes()).firmware_image for path in sorted(SHARED.glob("duis/*.XML"))]
    seeds.append(encode_image(build_image(manufacturer_code=0x121D, image_type=0x0084, file_version=2,
                                          manufacturer_image=bytes(range(200)), form=ImageForm.ZIGBEE,
                                          hardware_versions=(0x1111, 0x1211))))
    return seeds


TARGETS: dict[str, tuple[Callable[[bytes], None], Callable[[], list[bytes]]]] = {
    "decode": (decode_exactly, _message_seeds),
    "image": (parse_exactly, _image_seeds),
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer options] [CORPUS_DIR]")
    target, seeds = TARGETS[sys.argv[1]]
    options = sys.argv[2:]
    if not any(not option.startswith("-") for option in options):
        # No corpus named: start from the reference vectors, in a directory libFuzzer may add to.
        corpus = Path(tempfile.mkdtemp(prefix=f"hanrig-fuzz-{sys.argv[1]}-"))
        for index, seed in enumerate(seeds()):
            (corpus / f"seed-{index}").write_bytes(seed)
        options.append(str(corpus))
    atheris.Setup([sys.argv[0], *options], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
