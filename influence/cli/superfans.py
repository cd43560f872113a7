"""``influence superfans``: the members to invite, thank and reward, for a CRM."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from influence.cli._depth import invitation_table, invite_options
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
@invite_options()
@output_options()
def superfans(path, top, segment, output_format, out, quiet, verbose, progress, **options):
    """Export the top members of a segment with what a CRM needs to act on them.

    One row per member, ranked by influence: rank, user_id, display_name,
    profile_url (when the platform has profile URLs), segment, the three scores,
    messages, reasons, first_seen and last_seen (UTC, ISO 8601). With
    --customers, also economic_value, value_quadrant and hidden_superfan (true
    for members of high social and low economic value).

    \b
    Examples:
      influence superfans datasets/stackexchange-cardano-2021 --top 20 --format csv
      influence superfans dump/ --segment listened_to --format json --out experts.json
      influence superfans dump/ --invite 10 --runs 1000 --seed 1 --out invite.csv
    """
    from influence.report.exports import superfans_table, write_superfans

    reporter = reporter_from(quiet, verbose, progress)
    _, analysis = run_pipeline(reporter, path, **options)
    invite = options.get("invite")
    if invite is not None:  # whom to invite first: CELF under the independent cascade
        table = invitation_table(reporter, analysis, invite, options["runs"], options["seed"])
        segment = f"invite {invite}"
    else:
        table = superfans_table(analysis, segment=segment, top=top)
    if "value_quadrant" in analysis.users:  # --customers: flag what a value-only CRM misses
        quadrant = analysis.users["value_quadrant"].reindex(table["user_id"].to_numpy())
        table["economic_value"] = (
            analysis.users["economic_value"].reindex(table["user_id"].to_numpy()).to_numpy(float)
        )
        table["value_quadrant"] = quadrant.to_numpy(object)
        table["hidden_superfan"] = (quadrant == "hidden_superfan").to_numpy(bool)
    if out is None:
        write_superfans(table, sys.stdout, format=output_format)
    else:
        write_superfans(table, out, format=output_format)
        reporter.echo(f"Wrote {len(table)} members ({segment}) to {out}")
    if table.empty:
        reporter.warn(f"nobody is in the segment {segment}; the list is empty")
    sys.stdout.flush()
