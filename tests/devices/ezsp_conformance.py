"""The EZSP conformance document, built from the emulator's tables and bellows' definition of each version.

    python -m tests.devices.ezsp_conformance      (writes docs/ezsp-conformance.md)
"""

from __future__ import annotations

from importlib import import_module, metadata

from hanrig.devices.radio.ezsp.conformance import Row, markdown, rows
from tests.paths import REPO

DOCUMENT = REPO / "docs" / "ezsp-conformance.md"
VERSIONS = (8, 13)


def reference(version: int) -> dict[str, int]:
    """Every frame of EZSP ``version`` as bellows defines it: name -> frame id."""
    commands = import_module(f"bellows.ezsp.v{version}.commands").COMMANDS
    return {name: frame_id for name, (frame_id, *_schemas) in commands.items()}


def tables() -> dict[int, list[Row]]:
    return {version: rows(version, reference(version)) for version in VERSIONS}


def document() -> str:
    return markdown(tables(), source=f"those bellows {metadata.version('bellows')} defines for it")


if __name__ == "__main__":
    DOCUMENT.write_text(document())
    print(f"wrote {DOCUMENT}")
