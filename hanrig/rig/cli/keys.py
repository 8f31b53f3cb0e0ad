"""``hanrig keys``: make the test PKI a bench config names, in the keystore directory it names.

Every party the rig plays or stands in for (CH, Supplier, ACB) and every emulated device
gets a digital-signing and a key-agreement key pair. Those a ``--from`` keystore holds
with their private keys (the DCC's RTDS keystore, say, for its test ACB and Supplier) are
copied from it; the others are made by hanrig's test PKI (``hanrig.testpki``),
deterministic and public by construction: test keys only, never a real one. A physical
device's certificates can only come from ``--from``. Files already there are kept when
they are the same and refused when they differ, so nothing is overwritten by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from hanrig.bench.errors import ConfigError, SpecError
from hanrig.bench.fields import Fields
from hanrig.bench.source import ConfigSource, load_config_file
from hanrig.bench.trust import BUILTIN_TEST_KEYSTORE
from hanrig.console import emit_json, json_option
from hanrig.gbcs import Eui64
from hanrig.testpki import ROLES, key_files, private_key


@dataclass(frozen=True)
class Holder:
    """Someone the bench needs keys for."""

    name: str
    eui64: Eui64
    #: whether hanrig must hold its private keys (a party it plays, a device it emulates)
    private: bool


@dataclass(frozen=True)
class Plan:
    keystore: Path
    holders: tuple[Holder, ...]


def read_plan(source: ConfigSource) -> Plan:
    """Who the config's bench needs keys for, and where they go; read without needing the keys to exist."""
    root = Fields(source.data, "")
    gbcs = root.mapping("gbcs")
    keystore = gbcs.string("keystore")
    if keystore == BUILTIN_TEST_KEYSTORE:
        raise SpecError(gbcs.at("keystore"), f"{BUILTIN_TEST_KEYSTORE} is hanrig's own test PKI, which ships "
                                             "made: name a directory of the bench's own to make keys in")
    holders = [Holder(party, gbcs.eui64(party), private=True) for party in ("comms_hub", "supplier", "acb")]
    for entry in root.items("devices"):
        emulated = entry.has("emulated")
        block = entry.mapping("emulated" if emulated else "physical")
        holders.append(Holder(entry.string("name"), block.eui64("eui64"), private=emulated))
    return Plan(source.path.parent / keystore, tuple(holders))


def _files(holder: Holder, sources: tuple[Path, ...]) -> tuple[dict[str, bytes], str]:
    """The files of one holder's keys (by name), and where they came from."""
    for directory in sources:
        names = [f"{holder.eui64.lower()}-{role}.{kind}" for role in ROLES
                 for kind in (("key", "pem") if holder.private else ("pem",))]
        if all((directory / name).is_file() for name in names):
            return {name: (directory / name).read_bytes() for name in names}, f"copied from {directory}"
    if not holder.private:
        raise ConfigError(f"{holder.name} ({holder.eui64}) is a physical device: its certificates come from its "
                          "manufacturer, not from hanrig; name the keystore that holds them with --from")
    made = {name: data for role in ROLES for name, data in
            key_files(holder.eui64, role, private_key(holder.eui64, role)).items()}
    return made, "made by hanrig's test PKI"


@click.command("keys")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=Path("hil_config.yaml"),
              show_default=True, help="The bench config whose keystore to make.")
@click.option("--from", "sources", type=click.Path(path_type=Path), multiple=True, metavar="DIR",
              help="A keystore to copy keys from where it holds them (e.g. ../shared/rtds/keystore); repeatable.")
@json_option
def keys(config_path: Path, sources: tuple[Path, ...], as_json: bool) -> None:
    """Make the test keys of a bench: its CH, Supplier, ACB and emulated devices. Test keys only."""
    plan = load_config_file(config_path, read_plan)
    for directory in sources:
        if not directory.is_dir():
            raise ConfigError(f"--from {directory}: no such keystore directory")
    made = []
    for holder in plan.holders:
        files, origin = _files(holder, sources)
        for name, data in files.items():
            path = plan.keystore / name
            if path.exists() and path.read_bytes() != data:
                raise ConfigError(f"{path} exists and holds another key: remove it to make this one")
        made.append((holder, files, origin))
    plan.keystore.mkdir(parents=True, exist_ok=True)
    for _, files, _ in made:
        for name, data in files.items():
            (plan.keystore / name).write_bytes(data)
    summary = [{"name": holder.name, "eui64": holder.eui64, "files": sorted(files), "origin": origin}
               for holder, files, origin in made]
    if as_json:
        emit_json({"keystore": str(plan.keystore), "keys": summary})
        return
    click.echo(f"keystore {plan.keystore} (test keys only: never use them for a real device):")
    for entry in summary:
        click.echo(f"  {entry['name']:10} {entry['eui64']}  {entry['origin']}")
