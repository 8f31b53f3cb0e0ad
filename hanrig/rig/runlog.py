"""A run's own log file: every record at debug level, written into the run's report directory.

Whatever ``-v`` shows on stderr, the file has everything the rig logged, so a run can be
understood after the fact. zigpy and bellows log every frame at debug level; unless asked
for more (``-vvv``) the file takes their INFO and above. No private key is ever logged.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import TracebackType

from hanrig.console import RADIO_LOGGERS

FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


class RunLog:
    """Logs every record to ``path`` while open (a context manager)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._handler = logging.FileHandler(path, encoding="utf-8")
        self._handler.setFormatter(logging.Formatter(FORMAT))
        self._handler.setLevel(logging.DEBUG)
        self._root_level = logging.getLogger().level

    def __enter__(self) -> RunLog:
        root = logging.getLogger()
        root.addHandler(self._handler)
        root.setLevel(logging.DEBUG)
        for name in RADIO_LOGGERS:
            radio = logging.getLogger(name)
            if radio.level == logging.NOTSET:
                radio.setLevel(logging.INFO)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        root = logging.getLogger()
        root.removeHandler(self._handler)
        root.setLevel(self._root_level)
        self._handler.close()
