"""The folder layout is the architecture: each layer imports only what lies below it.

    hanrig.cli          the hanrig command: gathers the rig's commands and the emulator's
    hanrig.fixtures     the pytest plugin: the rig and below
    hanrig.rig          the Communications Hub; of the emulator, only its protocol module
    hanrig.devices      the emulated radio and devices, a program of its own
    hanrig.bench        what the config says, shared by the rig and the emulator
    hanrig.gbcs         codecs and crypto, no I/O
    hanrig.cbke         Smart Energy key establishment crypto, no I/O (its errors are gbcs's)
    hanrig.pcap         Zigbee frames in pcap files for Wireshark, no radio
    hanrig.testpki      the project's test keys and test CBKE CA
    hanrig.console      the conventions every hanrig program shares

Checked twice: on every import statement in the source (also those inside functions),
resolved to the module it names, and on the modules a fresh interpreter has loaded
once it has imported every module of a layer.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.paths import REPO

#: layer -> what it may import of hanrig besides itself (a name allows that module and those under it)
_BOTTOM = frozenset({"hanrig.gbcs", "hanrig.cbke", "hanrig.console", "hanrig.testpki", "hanrig.pcap"})
ALLOWED: dict[str, frozenset[str]] = {
    "hanrig.console": frozenset(),
    "hanrig.testpki": frozenset({"hanrig.cbke", "hanrig.gbcs"}),  # gbcs: the errors cbke shares
    "hanrig.gbcs": frozenset(),
    "hanrig.cbke": frozenset({"hanrig.gbcs"}),
    "hanrig.pcap": frozenset(),
    "hanrig.bench": frozenset({"hanrig.gbcs", "hanrig.cbke", "hanrig.testpki"}),
    "hanrig.devices": _BOTTOM | {"hanrig.bench"},
    "hanrig.rig": _BOTTOM | {"hanrig.bench", "hanrig.devices.protocol"},
    "hanrig.fixtures": _BOTTOM | {"hanrig.rig", "hanrig.bench", "hanrig.devices.protocol"},
    # campaigns run the rig (as processes) and read its journals: they never talk to a radio themselves;
    # the emulator's own config reader (hanrig.devices.spec, and the device kinds it loads) checks a fleet's
    # emulated devices before any bench starts
    "hanrig.campaign": _BOTTOM | {"hanrig.rig", "hanrig.bench", "hanrig.devices"},
}
#: the emulator's interface to its hosts: it stands alone, so that a host loads nothing else of the emulator
STANDALONE = frozenset({"hanrig.devices.protocol"})
#: layer -> libraries it must never import: the codecs know no radio, and the emulator is no bellows
FORBIDDEN_LIBRARIES: dict[str, frozenset[str]] = {
    "hanrig.gbcs": frozenset({"zigpy", "bellows", "serial", "serialx", "yaml"}),
    "hanrig.cbke": frozenset({"zigpy", "bellows", "serial", "serialx", "yaml"}),
    "hanrig.bench": frozenset({"zigpy", "bellows", "serial", "serialx"}),
    "hanrig.pcap": frozenset({"zigpy", "bellows", "serial", "serialx"}),
    "hanrig.devices": frozenset({"zigpy", "bellows", "zigpy_znp", "zigpy_deconz"}),
    "hanrig.campaign": frozenset({"zigpy", "bellows", "serial", "serialx"}),
}


@dataclass(frozen=True)
class Offence:
    module: str
    imported: str

    def __str__(self) -> str:
        return f"{self.module} imports {self.imported}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path) -> set[str]:
    """Every module an import statement in ``path`` names, absolute (``from a import b`` names ``a.b`` if it is one)."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names.add(base)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                if _is_module(candidate, root):
                    names.add(candidate)
    return names


def _is_module(name: str, root: Path) -> bool:
    path = root.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def layer_of(module: str) -> str | None:
    return next((layer for layer in ALLOWED if module == layer or module.startswith(layer + ".")), None)


def _under(module: str, prefixes: frozenset[str] | set[str]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def judge(module: str, imported: str) -> bool:
    """Whether ``module`` may import ``imported``."""
    layer = layer_of(module)
    if layer is None:  # the package itself and its command line sit above every layer
        return True
    if module == imported or module.startswith(imported + "."):  # itself, and the packages it is loaded through
        return True
    if module in STANDALONE:
        return not imported.startswith("hanrig")
    top = imported.split(".")[0]
    if top in FORBIDDEN_LIBRARIES.get(layer, ()):
        return False
    if top != "hanrig" or imported == "hanrig":
        return True
    own = _under(imported, {layer})
    # A submodule is loaded through its packages: ``hanrig.devices`` itself comes with ``hanrig.devices.protocol``.
    parent_of_allowed = any(allowed.startswith(imported + ".") for allowed in ALLOWED[layer])
    return own or parent_of_allowed or _under(imported, ALLOWED[layer])


def static_offences(root: Path) -> list[Offence]:
    """What the source under ``root/hanrig`` imports that its layer must not."""
    return sorted((Offence(module_name(path, root), imported)
                   for path in sorted((root / "hanrig").rglob("*.py"))
                   for imported in sorted(imports_of(path, root))
                   if not judge(module_name(path, root), imported)), key=str)


def test_no_module_imports_from_a_layer_above_it_or_beside_it() -> None:
    assert [str(offence) for offence in static_offences(REPO)] == []


_LOADED = """
import importlib, json, pkgutil, sys
layer = sys.argv[1]
package = importlib.import_module(layer)
for info in pkgutil.walk_packages(getattr(package, "__path__", []), layer + "."):
    if not info.name.endswith("__main__"):
        importlib.import_module(info.name)
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in ("hanrig", "zigpy", "bellows"))))
"""


@pytest.mark.parametrize("layer", [*sorted(ALLOWED), *sorted(STANDALONE)])
def test_importing_a_layer_loads_nothing_it_may_not_import(layer: str) -> None:
    result = subprocess.run([sys.executable, "-c", _LOADED, layer], capture_output=True, text=True, cwd=REPO,
                            timeout=120, check=True)
    loaded = json.loads(result.stdout)
    assert [name for name in loaded if not judge(layer, name)] == []


def _tree_with(tmp_path: Path, module: str, source: str) -> Path:
    """A copy of the package's layout with one extra module in it."""
    for package in ("hanrig", *ALLOWED):
        directory = tmp_path.joinpath(*package.split("."))
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "__init__.py").touch()
    for existing in ("hanrig/devices/spec.py", "hanrig/devices/protocol.py", "hanrig/rig/runtime.py"):
        (tmp_path / existing).touch()
    path = tmp_path.joinpath(*module.split(".")).with_suffix(".py")
    for directory in path.relative_to(tmp_path).parents:
        (tmp_path / directory).mkdir(exist_ok=True)
        (tmp_path / directory / "__init__.py").touch()
    path.write_text(source)
    return tmp_path


@pytest.mark.parametrize(("module", "source"), [
    ("hanrig.rig.config.schema", "from hanrig.devices.spec import Emulation\n"),
    ("hanrig.rig.config.schema", "from hanrig.devices import spec\n"),
    ("hanrig.rig.cli.run", "def run() -> None:\n    import hanrig.devices.spec\n"),
    ("hanrig.devices.radio.emulator", "from hanrig.rig.runtime import RigRuntime\n"),
    ("hanrig.devices.han.air", "import zigpy.types\n"),
    ("hanrig.gbcs.framing", "from hanrig.bench.fields import Fields\n"),
    ("hanrig.bench.identity", "from hanrig.devices.spec import Emulation\n"),
    ("hanrig.fixtures.plugin", "from hanrig.devices.spec import Emulation\n"),
    ("hanrig.devices.protocol", "from hanrig.devices.spec import Emulation\n"),
    ("hanrig.rig.bench", "from ..devices import spec\n"),
])
def test_an_import_across_the_layers_is_found(tmp_path: Path, module: str, source: str) -> None:
    root = _tree_with(tmp_path, module, source)
    assert [offence.module for offence in static_offences(root)] == [module]


def test_the_rig_may_import_the_emulators_protocol_module() -> None:
    assert judge("hanrig.rig.coordinator.emulated", "hanrig.devices.protocol")
    assert judge("hanrig.rig.coordinator.emulated", "hanrig.devices")


def test_the_emulator_package_itself_imports_nothing_so_a_host_loads_only_the_protocol() -> None:
    assert imports_of(REPO / "hanrig" / "devices" / "__init__.py", REPO) == set()
