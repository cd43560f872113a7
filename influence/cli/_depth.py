"""The model's depth on the command line: identities, topics, periods, health, invitations.

Options and thin glue only; the rules live in :mod:`influence.identities`,
:mod:`influence.topics`, :mod:`influence.trends`, :mod:`influence.health` and
:mod:`influence.invite`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from influence.cli._progress import Reporter
from influence.community import profile_urls

__all__ = [
    "analysis_options",
    "apply_identities",
    "depth_options",
    "excluded_records",
    "identity_options",
    "invitation_table",
    "invite_options",
    "write_depth",
]


def identity_options() -> list[Callable]:
    """``--aliases``, ``--exclude``, ``--exclude-bots``, ``--exclude-staff``."""
    return [
        click.option(
            "--aliases",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="CSV of user_id,person_id: merge the accounts of one person before scoring.",
        ),
        click.option(
            "--exclude",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="Accounts to leave out: a CSV with a user_id column (and reason), or one "
            "user id per line. Listed in excluded.csv.",
        ),
        click.option(
            "--exclude-bots",
            is_flag=True,
            help="Leave out detected bots (known names, platform flags, templated "
            "high-frequency posting). Listed in excluded.csv.",
        ),
        click.option(
            "--exclude-staff",
            is_flag=True,
            help="Leave out detected staff (moderator/admin flags and titles).",
        ),
    ]


def _check_every(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse a bad ``--every`` before anything is read or written."""
    if value is not None:
        import pandas as pd

        from influence.health import period_labels

        try:
            period_labels(pd.Series([pd.Timestamp("2024-01-01", tz="UTC")]), value)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="--every") from err
    return value


def depth_options() -> list[Callable]:
    """``--by``, ``--every`` and ``--health`` of ``analyze``."""
    return [
        click.option(
            "--by",
            type=click.Choice(["topic"]),
            default=None,
            help="Also score every topic (tag, subreddit, channel, category): topics.csv.",
        ),
        click.option(
            "--every",
            default=None,
            metavar="PERIOD",
            callback=_check_every,
            help="Also score every period (day, week, month, quarter, year): periods.csv, "
            "trends.csv and health.json.",
        ),
        click.option(
            "--health",
            "health_file",
            is_flag=True,
            help="Write health.json (monthly values unless --every is given).",
        ),
    ]


def analysis_options() -> Callable:
    """Decorator adding :func:`depth_options` to a command."""

    def decorate(function):
        for option in reversed(depth_options()):
            function = option(function)
        return function

    return decorate


def apply_identities(reporter: Reporter, community, options: dict):
    """Merge aliases and leave out accounts as the options ask; return both results."""
    from influence.identities import apply_identities as apply

    aliases, exclude = options.get("aliases"), options.get("exclude")
    bots, staff = bool(options.get("exclude_bots")), bool(options.get("exclude_staff"))
    if aliases is None and exclude is None and not bots and not staff:
        return community, None
    community, excluded = apply(
        community, aliases=aliases, exclude=exclude, exclude_bots=bots, exclude_staff=staff
    )
    if len(excluded):
        kinds = ", ".join(f"{k} {n}" for k, n in excluded["kind"].value_counts().items())
        reporter.warn(
            f"excluded {len(excluded)} accounts ({kinds}) and their "
            f"{int(excluded['messages'].sum())} messages; see excluded.csv"
        )
    return community, excluded


def excluded_records(excluded) -> list[dict]:
    """The excluded accounts as JSON-ready records (for summary.json parameters)."""
    import pandas as pd

    if excluded is None:
        return []
    return [
        {
            "user_id": str(row.user_id),
            "display_name": None if row.display_name is pd.NA else str(row.display_name),
            "kind": str(row.kind),
            "reason": str(row.reason),
            "messages": int(row.messages),
            "interactions": int(row.interactions),
        }
        for row in excluded.itertuples(index=False)
    ]


def write_depth(reporter: Reporter, analysis, out: Path, options: dict) -> dict[str, Path]:
    """Score topics and periods, compute health as asked, and write the files."""
    import pandas as pd

    from influence.classify import ClassifyOptions
    from influence.health import compute_health
    from influence.report.write import write_model_outputs
    from influence.topics import score_topics
    from influence.trends import compute_trends, score_periods

    by, every = options.get("by"), options.get("every")
    records = analysis.parameters.get("excluded_accounts")
    excluded = None
    if records is not None:
        columns = ["user_id", "display_name", "kind", "reason", "messages", "interactions"]
        excluded = pd.DataFrame(records, columns=columns)
    if by is None and every is None and not options.get("health_file") and excluded is None:
        return {}
    parameters = analysis.parameters
    classify = ClassifyOptions(
        top_share=parameters["top_share"],
        min_messages=parameters["min_messages"],
        talkative_weights=parameters["talkative_weights"],
        listened_to_weights=parameters["listened_to_weights"],
    )
    horizon = pd.Timedelta(parameters["horizon"])
    community = analysis.community
    tables: dict = {"excluded": excluded}
    if by == "topic":
        with reporter.phase("scoring every topic") as phase:
            tables["topics"] = score_topics(community, horizon=horizon, options=classify)
            phase["summary"] = f"{tables['topics']['topic'].nunique():,} topics"
    if every is not None:
        with reporter.phase(f"scoring every {every}") as phase:
            periods = score_periods(community, every=every, horizon=horizon, options=classify)
            tables["periods"] = periods
            tables["trends"] = compute_trends(periods)
            phase["summary"] = f"{len(periods.attrs['periods']):,} periods"
    if every is not None or options.get("health_file"):
        with reporter.phase("community health"):
            tables["health"] = compute_health(community, every=every or "month", horizon=horizon)
    return write_model_outputs(out, **tables)


def invite_options() -> Callable:
    """``--invite K``, ``--runs`` and ``--seed`` of ``superfans``."""
    options = [
        click.option(
            "--invite",
            type=click.IntRange(min=1),
            default=None,
            metavar="K",
            help="Instead of a segment, the K members whose activity would reach the most "
            "people (independent cascade, CELF), compared with the top K by influence and "
            "by degree.",
        ),
        click.option(
            "--runs",
            type=click.IntRange(min=2),
            default=200,
            show_default=True,
            help="With --invite: Monte Carlo runs.",
        ),
        click.option(
            "--seed",
            type=int,
            default=0,
            show_default=True,
            help="With --invite: random seed (same seed, same result).",
        ),
    ]

    def decorate(function):
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def invitation_table(reporter: Reporter, analysis, k: int, runs: int, seed: int):
    """Choose whom to invite; print the comparison on stderr; return the table to write."""
    from influence.invite import plan_invitations

    with reporter.phase(f"choosing {k} members to invite ({runs} runs)") as phase:
        plan = plan_invitations(analysis, k, runs=runs, seed=seed)
        phase["summary"] = f"{plan.parameters['evaluations']:,} spread evaluations"
    table = plan.invitees.copy()
    if analysis.community.profile_url:
        urls = profile_urls(analysis.community.profile_url, table["user_id"])
        table.insert(3, "profile_url", urls)
    for column in ("expected_reach", "marginal_reach"):
        table[column] = table[column].round(4)
    lines = [f"Expected reach of {k} invitations ({runs} runs, seed {seed}, 95% CI):"]
    labels = {
        "celf": "chosen (CELF)",
        "influence_score": "top by influence",
        "degree": "top by degree",
    }
    for name, row in plan.comparison.iterrows():
        lines.append(
            f"  {labels[name]:<17} {row['expected_reach']:8.1f} "
            f"[{row['ci_low']:.1f}, {row['ci_high']:.1f}]"
            + ("" if name == "celf" else f"  ({row['shared_with_celf']} in common)")
        )
    if reporter.verbosity >= 0:  # on stderr: standard output may be the table itself
        click.echo("\n".join(lines), err=True)
    return table
