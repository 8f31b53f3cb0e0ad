"""The folder layout is the architecture: each layer imports only what lies below it.

``gbcs`` knows nothing of radios, ``devices`` knows nothing of the rig, and ``rig``
talks to radios only through zigpy (it may start the emulator and read its specs).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.paths import REPO

#: package -> top-level names it must never import
FORBIDDEN: dict[str, set[str]] = {
    "gbcs": {"hanrig.devices", "hanrig.rig", "hanrig.fixtures", "zigpy", "bellows", "serial", "serialx"},
    "devices": {"hanrig.rig", "hanrig.fixtures", "zigpy", "bellows"},
    "rig": {"hanrig.fixtures"},
}


def _imported_top_levels(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_nothing_from_the_layers_above_it(package: str) -> None:
    offences = {
        str(path.relative_to(REPO)): sorted(_imported_top_levels(path) & FORBIDDEN[package])
        for path in (REPO / "hanrig" / package).rglob("*.py")
    }
    assert {path: names for path, names in offences.items() if names} == {}
