"""``hanrig report``: rebuild a run's or a campaign's reports from its journal, also after a crash.

It sits with the command line, above the rig and the campaigns, because it serves both.
"""

from __future__ import annotations

from pathlib import Path

import click

from hanrig.campaign.reports import is_campaign_journal, write_campaign_reports
from hanrig.console import emit_json, json_option
from hanrig.rig.reports import write_reports


@click.command("report")
@click.option("--journal", "journal", type=click.Path(path_type=Path), required=True,
              help="The run's journal (run.journal) or the campaign's (campaign.journal).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Directory for the reports.")
@click.option("--junit", type=click.Path(path_type=Path), help="Also write the JUnit XML here.")
@json_option
def report(journal: Path, out_dir: Path, junit: Path | None, as_json: bool) -> None:
    """Write the JUnit XML, JSON record and HTML report of the run or campaign journaled in --journal."""
    if is_campaign_journal(journal):
        written = write_campaign_reports(journal, out_dir, junit=junit)
    else:
        written = write_reports(journal, out_dir, junit=junit)
    if as_json:
        emit_json({name: str(path) for name, path in written.items()})
    else:
        for path in written.values():
            click.echo(str(path))
