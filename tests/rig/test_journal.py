"""The journal keeps every whole entry, survives a torn tail, and refuses what it cannot read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hanrig.bench.errors import ConfigError
from hanrig.rig.journal import FORMAT_VERSION, Journal, read_journal


def test_entries_read_back_in_order_after_a_format_header(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    with Journal(path) as journal:
        journal.append("scenario_started", scenario="ppmid-happy-path")
        journal.append("transition", device="ppmid-1", state="Notified")

    reading = read_journal(path)

    assert [(e.seq, e.kind) for e in reading.entries] == [
        (0, "journal"), (1, "scenario_started"), (2, "transition")]
    assert reading.entries[0].fields == {"format": FORMAT_VERSION}
    assert reading.entries[2].fields == {"device": "ppmid-1", "state": "Notified"}
    assert not reading.torn_tail


def test_entries_written_before_sigkill_are_all_there(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    child = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from hanrig.rig.journal import Journal\n"
        "j = Journal(Path(sys.argv[1]))\n"
        "for i in range(50): j.append('transition', n=i)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = subprocess.run([sys.executable, "-c", child, str(path)], timeout=60)

    assert result.returncode == -9
    assert [e.fields["n"] for e in read_journal(path).entries[1:]] == list(range(50))


def test_torn_last_line_is_ignored_by_readers(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    with Journal(path) as journal:
        journal.append("transition", state="Transferring")
    with path.open("ab") as file:
        file.write(b'{"seq":2,"time":1.0,"kind":"transi')

    reading = read_journal(path)

    assert reading.torn_tail
    assert [e.kind for e in reading.entries] == ["journal", "transition"]


def test_reopening_cuts_the_torn_tail_and_continues_the_sequence(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    with Journal(path) as journal:
        journal.append("transition", state="Transferring")
    with path.open("ab") as file:
        file.write(b'{"seq":2,"ti')

    with Journal(path) as journal:
        journal.append("transition", state="Transferred")

    reading = read_journal(path)
    assert not reading.torn_tail
    assert [(e.seq, e.fields.get("state")) for e in reading.entries] == [
        (0, None), (1, "Transferring"), (2, "Transferred")]


def test_a_damaged_line_in_the_middle_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    path.write_text('{"seq":0,"time":1,"kind":"journal","format":1}\nnot json\n{"seq":2,"time":1,"kind":"x"}\n')

    with pytest.raises(ConfigError, match=r"run.journal:2: not a journal entry"):
        read_journal(path)


def test_a_journal_from_a_newer_hanrig_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    path.write_text(f'{{"seq":0,"time":1,"kind":"journal","format":{FORMAT_VERSION + 1}}}\n')

    with pytest.raises(ConfigError, match="newer than this hanrig"):
        read_journal(path)


def test_a_missing_journal_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read journal"):
        read_journal(tmp_path / "absent.journal")
