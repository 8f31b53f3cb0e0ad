"""Whom the Communications Hub and the GB devices deal with: the config's ``gbcs:`` block.

    gbcs:
      keystore: hanrig/fixtures/keys   # relative to the config file; <eui>-ds|ka.key|.pem
      acb: 48414E5249470002            # the Access Control Broker: MACs commands, receives alerts
      supplier: 48414E5249470100       # signs images and CS06, receives FDRA
      comms_hub: 48414E52494700A2      # the CH the rig plays; signs CCS08

Only where the keys are and who the parties are: each side loads from the keystore what
its own role holds, and nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hanrig.bench.fields import Fields
from hanrig.gbcs import Eui64

BLOCK = "gbcs"


@dataclass(frozen=True)
class GbcsParties:
    keystore: Path
    acb: Eui64
    supplier: Eui64
    comms_hub: Eui64


def read_gbcs_parties(fields: Fields, base_dir: Path) -> GbcsParties:
    parties = GbcsParties(
        keystore=fields.named_path("keystore", base=base_dir, kind="directory", existing=True),
        acb=fields.eui64("acb"),
        supplier=fields.eui64("supplier"),
        comms_hub=fields.eui64("comms_hub"),
    )
    fields.done()
    return parties
