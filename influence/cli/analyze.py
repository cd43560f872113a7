"""``influence analyze``: read a dump, score every member, write the results."""

from __future__ import annotations

import time
from pathlib import Path

import click

from influence.cli._common import parse_pairs
from influence.sources import FORMATS

__all__ = ["analyze"]

_FORMATS = ["auto", *FORMATS]


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "format_",
    type=click.Choice(_FORMATS),
    default="auto",
    show_default=True,
    help="Dump format; auto detects it.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("influence-out"),
    show_default=True,
    help="Folder for users.csv, users.parquet, summary.json, report.html.",
)
@click.option("--since", help="Keep contributions at or after this date (ISO 8601, UTC).")
@click.option("--until", help="Keep contributions before this date (ISO 8601, UTC).")
@click.option(
    "--engine",
    type=click.Choice(["pandas"]),
    default="pandas",
    show_default=True,
    help="Computation engine.",
)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="CANONICAL=COLUMN",
    help="With --format table: read canonical column CANONICAL from COLUMN (repeatable).",
)
@click.option(
    "--on-error",
    type=click.Choice(["raise", "skip"]),
    default="raise",
    show_default=True,
    help="raise: stop at the first bad record; skip: drop bad "
    "records and count them in summary.json.",
)
@click.option(
    "--top-share",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.10,
    show_default=True,
    help="Share of active members at the top of an axis counted as high on it.",
)
@click.option(
    "--min-messages",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Messages a member needs in the window for a label other than member.",
)
@click.option(
    "--horizon",
    default="24h",
    show_default=True,
    help="How long after a contribution its cascade counts (pandas Timedelta).",
)
@click.option(
    "--weight",
    "weights",
    multiple=True,
    metavar="AXIS.METRIC=W",
    help="Override an axis weight, e.g. listened_to.reputation=3 (repeatable).",
)
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="How many true influencers to print.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors and warnings.")
def analyze(
    path,
    format_,
    out,
    since,
    until,
    engine,
    mapping,
    on_error,
    top_share,
    min_messages,
    horizon,
    weights,
    top,
    quiet,
):
    """Read a dump, score every member, and write the results to --out.

    \b
    Examples:
      influence analyze datasets/stackexchange-cardano-2021 --out out
      influence analyze messages.csv --format table --map author_id=author \\
          --map created_at=created_utc
    """
    import pandas as pd

    from influence.analysis import run_analysis
    from influence.report import write_outputs
    from influence.report.summary import top_users
    from influence.sources import read

    maps = parse_pairs(mapping, "--map")
    options = _classify_options(top_share, min_messages, parse_pairs(weights, "--weight"))
    try:
        horizon = pd.Timedelta(horizon)
    except ValueError as err:
        raise click.BadParameter(
            f"must be a duration such as 24h (got {horizon!r})", param_hint="--horizon"
        ) from err
    for name, value in (("--since", since), ("--until", until)):
        if value is not None:
            try:
                pd.Timestamp(value)
            except ValueError as err:
                raise click.BadParameter(
                    f"must be a date (got {value!r})", param_hint=name
                ) from err

    start = time.perf_counter()
    community = read(path, format=format_, on_error=on_error, mapping=maps or None)
    read_seconds = time.perf_counter() - start
    analysis = run_analysis(community, since=since, until=until, horizon=horizon, options=options)
    analysis.timings["read"] = read_seconds
    source = {
        "path": str(path),
        "format": community.platform,
        "engine": engine,
        "on_error": on_error,
    }
    paths = write_outputs(analysis, out, source=source)

    dropped = community.read_stats.dropped()
    if dropped:
        total = sum(dropped.values())
        detail = ", ".join(f"{reason} {n}" for reason, n in sorted(dropped.items()))
        click.echo(f"Warning: {total} rows dropped ({detail}); see summary.json", err=True)
    if quiet:
        return
    counts = analysis.segment_counts()
    click.echo(
        f"{community.name or path}: {len(analysis.community.messages)} messages, "
        f"{len(analysis.community.interactions)} interactions, "
        f"{len(analysis.users)} members"
    )
    click.echo("Segments: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    leaders = top_users(analysis, "true_influencer", top)
    if len(leaders):
        click.echo("Top true influencers:")
        for rank, (uid, row) in enumerate(leaders.iterrows(), start=1):
            name = row["display_name"] if isinstance(row["display_name"], str) else uid
            click.echo(
                f"  {rank}. {name} ({uid}) influence {row['influence_score']:.3f}: {row['reasons']}"
            )
    click.echo(f"Wrote {', '.join(paths)} to {out}")


def _classify_options(top_share, min_messages, weights):
    from influence.classify import ClassifyOptions

    base = ClassifyOptions()
    axes = {
        "talkative": dict(base.talkative_weights),
        "listened_to": dict(base.listened_to_weights),
    }
    for key, value in weights.items():
        axis, _, metric = key.partition(".")
        if axis not in axes or not metric:
            raise click.BadParameter(
                f"must be talkative.METRIC=W or listened_to.METRIC=W (got {key!r})",
                param_hint="--weight",
            )
        try:
            axes[axis][metric] = float(value)
        except ValueError as err:
            raise click.BadParameter(
                f"weight must be a number (got {value!r})", param_hint="--weight"
            ) from err
    try:
        return ClassifyOptions(
            top_share=top_share,
            min_messages=min_messages,
            talkative_weights=axes["talkative"],
            listened_to_weights=axes["listened_to"],
        )
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--weight") from err
