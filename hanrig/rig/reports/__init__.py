"""Reports: one run record, many outputs (as OpenHTF's output callbacks do).

``write_reports`` folds a journal into a ``RunRecord`` and writes the JUnit XML, the JSON
record, the HTML sign-off report and a copy of the journal into one directory. It is the
only way reports are made, during a run and afterwards (``hanrig report --journal``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from hanrig.bench.errors import ConfigError
from hanrig.rig.journal import read_journal
from hanrig.rig.record import RunRecord, from_reading
from hanrig.rig.reports.html import write_html
from hanrig.rig.reports.json_record import write_json
from hanrig.rig.reports.junit import write_junit

#: file name -> writer
REPORTS: dict[str, Callable[[RunRecord, Path], Path]] = {
    "junit.xml": write_junit,
    "run.json": write_json,
    "report.html": write_html,
}
JOURNAL_NAME = "run.journal"


def write_reports(journal: Path, out_dir: Path, *, junit: Path | None = None) -> dict[str, Path]:
    """Every report of the run journaled in ``journal``, in ``out_dir``; returns what was written."""
    record = from_reading(read_journal(journal))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{out_dir}: cannot create the report directory: {exc.strerror}") from None
    written = {name: writer(record, out_dir / name) for name, writer in REPORTS.items()}
    if junit is not None and junit != written["junit.xml"]:
        written["junit"] = write_junit(record, junit)
    copy = out_dir / JOURNAL_NAME
    if journal.resolve() != copy.resolve():
        shutil.copyfile(journal, copy)
    written[JOURNAL_NAME] = copy
    return written
