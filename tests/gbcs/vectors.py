"""The shared reference vectors the gbcs tests read: RTDS messages, keystore, DUIS requests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from hanrig.gbcs.keystore import KeyStore
from tests.paths import shared_dir

RTDS = shared_dir() / "rtds" / "RTDS-4.5.0"
KEYSTORE = shared_dir() / "rtds" / "keystore"
DUIS = shared_dir() / "duis"

#: Every RTDS vector; parametrising over the directory picks up vectors added later.
RTDS_FILES = sorted(RTDS.rglob("*.HEX"))


def rtds_id(path: Path) -> str:
    return path.relative_to(RTDS).as_posix()


def rtds_bytes(name: str) -> bytes:
    """A vector by file name, e.g. ``CCS08_NA_NA_ALERT_GBCS.HEX``."""
    (path,) = RTDS.rglob(name)
    return bytes.fromhex(path.read_text())


@cache
def rtds_keystore() -> KeyStore:
    return KeyStore.load(KEYSTORE)
