"""``influence superfans``: the members to invite, thank and reward, for a CRM."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from influence.cli.analyze import dump_options, output_options, reporter_from, run_pipeline

__all__ = ["superfans"]

_SEGMENTS = ("true_influencer", "listened_to", "talkative", "member", "labelled", "active")


@click.command()
@dump_options("--input-format")
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=None,
    help="Keep the first N members of the list [default: all of the segment].",
)
@click.option(
    "--segment",
    type=click.Choice(_SEGMENTS),
    default="true_influencer",
    show_default=True,
    help="Which members: one segment, 'labelled' (the three labelled segments) or "
    "'active' (every active member).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="Output format: CSV with a header row, or a JSON array of objects.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="File to write [default: standard output].",
)
@output_options()
def superfans(path, top, segment, output_format, out, quiet, verbose, progress, **options):
    """Export the top members of a segment with what a CRM needs to act on them.

    One row per member, ranked by influence: rank, user_id, display_name,
    profile_url (when the platform has profile URLs), segment, the three scores,
    messages, reasons, first_seen and last_seen (UTC, ISO 8601).

    \b
    Examples:
      influence superfans datasets/stackexchange-cardano-2021 --top 20 --format csv
      influence superfans dump/ --segment listened_to --format json --out experts.json
    """
    from influence.report.exports import superfans_table, write_superfans

    reporter = reporter_from(quiet, verbose, progress)
    _, analysis = run_pipeline(reporter, path, **options)
    table = superfans_table(analysis, segment=segment, top=top)
    if out is None:
        write_superfans(table, click.get_text_stream("stdout"), format=output_format)
    else:
        write_superfans(table, out, format=output_format)
        reporter.echo(f"Wrote {len(table)} members ({segment}) to {out}")
    if table.empty:
        reporter.warn(f"nobody is in the segment {segment}; the list is empty")
    sys.stdout.flush()
