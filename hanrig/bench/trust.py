"""Whom the Communications Hub and the GB devices deal with: the config's ``gbcs:`` block.

    gbcs:
      keystore: builtin-test           # hanrig's own test PKI; or a directory, relative to the config file
      acb: 48414E5249470002            # the Access Control Broker: MACs commands, receives alerts
      supplier: 48414E5249470100       # signs images and CS06, receives FDRA
      comms_hub: 48414E52494700A2      # the CH the rig plays; signs CCS08

Only where the keys are and who the parties are: each side loads from the keystore what
its own role holds, and nothing more. A keystore directory holds ``<eui>-ds|ka.key|.pem``
files named the RTDS way; ``builtin-test`` names the test PKI that ships with hanrig
(``hanrig.testpki``), so that a config copied anywhere still finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hanrig.bench.errors import SpecError
from hanrig.bench.fields import Fields
from hanrig.gbcs import Eui64
from hanrig.testpki import BUILTIN_KEYS

BLOCK = "gbcs"
#: what a config writes for the keystore that ships with hanrig
BUILTIN_TEST_KEYSTORE = "builtin-test"


@dataclass(frozen=True)
class GbcsParties:
    keystore: Path
    acb: Eui64
    supplier: Eui64
    comms_hub: Eui64


def read_gbcs_parties(fields: Fields, base_dir: Path) -> GbcsParties:
    parties = GbcsParties(
        keystore=_keystore(fields, base_dir),
        acb=fields.eui64("acb"),
        supplier=fields.eui64("supplier"),
        comms_hub=fields.eui64("comms_hub"),
    )
    fields.done()
    return parties


def _keystore(fields: Fields, base_dir: Path) -> Path:
    if fields.value("keystore", None) == BUILTIN_TEST_KEYSTORE:
        return BUILTIN_KEYS
    try:
        return fields.named_path("keystore", base=base_dir, kind="directory", existing=True)
    except SpecError as exc:
        hint = "hanrig keys --config FILE makes a bench's test keys there"
        raise SpecError(exc.path, f"{exc.problem} ({hint})") from None
