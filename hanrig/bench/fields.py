"""Reading typed values out of plain config mappings, with errors that name the field.

Every problem is a ``SpecError`` whose path names the field the way the config spells it
(``devices[1].emulated.eui64``), so that ``hanrig.bench.source`` can point at its line.
"""

from __future__ import annotations

import stat
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

from hanrig.bench.errors import SpecError
from hanrig.gbcs import Eui64, GbcsError

T = TypeVar("T")

#: the default of a setting that must be given
REQUIRED: Any = object()


class Fields:
    """One mapping of the config, read field by field; ``done()`` rejects what was not read."""

    def __init__(self, data: object, path: str) -> None:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise SpecError(path, f"must be a mapping, not {type(data).__name__}")
        self._data = data
        self.path = path
        self._read: set[str] = set()

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return key in self._data

    def _get(self, key: str, default: Any) -> Any:
        self._read.add(key)
        if key not in self._data or self._data[key] is None:
            if default is REQUIRED:
                raise SpecError(self.at(key), "is required")
            return default
        return self._data[key]

    def string(self, key: str, default: Any = REQUIRED) -> Any:
        value = self._get(key, default)
        if value is not default and not isinstance(value, str):
            raise SpecError(self.at(key), f"must be a string, not {value!r}")
        return value

    def integer(
        self, key: str, default: Any = REQUIRED, *, minimum: int | None = None, maximum: int | None = None
    ) -> Any:
        value = self._get(key, default)
        if value is default:
            return value
        if isinstance(value, str):
            try:
                value = int(value, 0)
            except ValueError:
                raise SpecError(self.at(key), f"must be an integer, not {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(self.at(key), f"must be an integer, not {value!r}")
        self._check_range(key, value, minimum, maximum)
        return value

    def number(
        self, key: str, default: Any = REQUIRED, *, minimum: float | None = None, maximum: float | None = None
    ) -> Any:
        value = self._get(key, default)
        if value is default:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SpecError(self.at(key), f"must be a number, not {value!r}")
        self._check_range(key, value, minimum, maximum)
        return float(value)

    def boolean(self, key: str, default: Any = REQUIRED) -> Any:
        value = self._get(key, default)
        if value is not default and not isinstance(value, bool):
            raise SpecError(self.at(key), f"must be true or false, not {value!r}")
        return value

    def choice(self, key: str, choices: Mapping[Any, T], default: Any = REQUIRED) -> T:
        value = self._get(key, default)
        if value is default:
            return value
        # A list or mapping is never a choice, and cannot even be looked up among them.
        if not isinstance(value, Hashable) or value not in choices:
            allowed = ", ".join(str(c) for c in choices)
            raise SpecError(self.at(key), f"must be one of {allowed}, not {value!r}")
        return choices[value]

    def eui64(self, key: str, default: Any = REQUIRED) -> Any:
        """An EUI-64 in any spelling people paste (``00-0D-6F-...``, ``00:0d:6f:...``, 16 hex digits)."""
        value = self._get(key, default)
        if value is default:
            return value
        if not isinstance(value, str):
            # YAML reads 16 digits without letters as a number: the fix is to quote them.
            raise SpecError(self.at(key), f"not an EUI-64 (eight hex bytes as text, e.g. '00-0D-6F-00-0A-BC-DE-F0', "
                                          f"quoted if it has no letters): {value!r}")
        try:
            return Eui64(value)
        except GbcsError:
            raise SpecError(self.at(key), f"not an EUI-64 (eight hex bytes, e.g. 00-0D-6F-00-0A-BC-DE-F0): "
                                          f"{value!r}") from None

    def hex_bytes(self, key: str, default: Any = REQUIRED, *, lengths: tuple[int, ...]) -> Any:
        value = self._get(key, default)
        if value is default:
            return value
        text = value.replace(":", "").replace(" ", "") if isinstance(value, str) else None
        try:
            data = bytes.fromhex(text) if text is not None else None
        except ValueError:
            data = None
        if data is None or len(data) not in lengths:
            sizes = " or ".join(str(n) for n in lengths)
            raise SpecError(self.at(key), f"must be {sizes} bytes in hex, not {value!r}")
        return data

    def named_path(self, key: str, default: Any = REQUIRED, *, base: Path, kind: Literal["file", "directory"],
                   existing: bool) -> Any:
        """A path the config names, relative to ``base`` (the config file's directory) unless absolute.

        The rig reads or writes exactly what is named, so it must not be a symbolic link to
        somewhere else; an ``existing`` one (an input) must be there and be a ``kind``. An
        output that is not there yet is made by whoever writes it.
        """
        value = self.string(key, default)
        if value is None:
            return None
        if not value:
            raise SpecError(self.at(key), f"must name a {kind}")
        path = base / value
        try:
            mode = path.lstat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            if existing:
                raise SpecError(self.at(key), f"{path}: no such {kind}") from None
            return path
        except (OSError, ValueError) as exc:
            # A name too long, a NUL in it, a directory it may not look into...
            raise SpecError(self.at(key), f"{path}: cannot use it ({getattr(exc, 'strerror', None) or exc})") from None
        if stat.S_ISLNK(mode):
            raise SpecError(self.at(key), f"{path} is a symbolic link: name the {kind} itself")
        if not (stat.S_ISDIR(mode) if kind == "directory" else stat.S_ISREG(mode)):
            raise SpecError(self.at(key), f"{path} is not a {kind}")
        return path

    def value(self, key: str, default: Any = REQUIRED) -> Any:
        """A value of any type, for a caller that checks it itself."""
        return self._get(key, default)

    def names(self) -> list[str]:
        """The keys of a mapping whose keys are names (images, policies), each marked as read."""
        names = [str(key) for key in self._data]
        self._read.update(self._data)
        return names

    def mapping(self, key: str) -> Fields:
        return Fields(self._get(key, {}), self.at(key))

    def optional_mapping(self, key: str) -> Fields | None:
        """A block that can be switched off: absent, ``null`` or ``false`` is None, ``true`` an empty block."""
        value = self._get(key, None)
        if value is None or value is False:
            return None
        return Fields({} if value is True else value, self.at(key))

    def items(self, key: str) -> list[Fields]:
        value = self._get(key, [])
        if not isinstance(value, list):
            raise SpecError(self.at(key), f"must be a list, not {type(value).__name__}")
        return [Fields(item, f"{self.at(key)}[{index}]") for index, item in enumerate(value)]

    def done(self) -> None:
        """Every key of the mapping must have been read: anything else is a typo."""
        unknown = sorted(set(self._data) - self._read, key=str)
        if unknown:
            raise SpecError(self.at(str(unknown[0])), "is not a known setting")

    def _check_range(self, key: str, value: float, minimum: float | None, maximum: float | None) -> None:
        if minimum is not None and value < minimum or maximum is not None and value > maximum:
            raise SpecError(self.at(key), f"must be between {minimum} and {maximum}, not {value!r}")
