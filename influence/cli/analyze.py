"""``influence analyze``: read a dump, score every member, write the results.

Also the options and the read -> score pipeline that every command working on a
dump shares (``superfans``, ``graph``): :func:`dump_options`,
:func:`output_options` and :func:`run_pipeline`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from pathlib import Path

import click

from influence.cli._common import parse_pairs
from influence.cli._depth import (
    analysis_options,
    apply_identities,
    excluded_records,
    identity_options,
    write_depth,
)
from influence.cli._progress import Reporter, input_size
from influence.sources import FORMATS

__all__ = ["analyze", "dump_options", "output_options", "reporter_from", "run_pipeline"]

_FORMATS = ["auto", *FORMATS]
_SEGMENT_FG = {"true_influencer": "red", "listened_to": "cyan", "talkative": "yellow"}


def _apply(options: list[Callable]) -> Callable:
    def decorate(function):
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def dump_options(format_flag: str = "--format") -> Callable:
    """The options that say how to read a dump and score it.

    ``format_flag`` names the dump format option: ``--format`` for ``analyze``,
    ``--input-format`` for commands whose ``--format`` is the output format.
    """
    return _apply(
        [
            click.argument("path", type=click.Path(path_type=Path)),
            click.option(
                format_flag,
                "input_format",
                type=click.Choice(_FORMATS),
                default="auto",
                show_default=True,
                help="Dump format; auto detects it.",
            ),
            click.option(
                "--since", help="Keep contributions at or after this date (ISO 8601, UTC)."
            ),
            click.option("--until", help="Keep contributions before this date (ISO 8601, UTC)."),
            click.option(
                "--engine",
                type=click.Choice(["pandas", "dask"]),
                default="pandas",
                show_default=True,
                help="Computation engine: in-process pandas, or a Dask cluster "
                '(pip install "influence[dask]").',
            ),
            click.option(
                "--scheduler",
                metavar="ADDRESS",
                help="With --engine dask: the scheduler of an existing cluster "
                "(e.g. tcp://10.0.0.5:8786); default a local cluster on this machine's cores.",
            ),
            click.option(
                "--map",
                "mapping",
                multiple=True,
                metavar="CANONICAL=COLUMN",
                help="With --format table: read canonical column CANONICAL from COLUMN "
                "(repeatable).",
            ),
            click.option(
                "--on-error",
                type=click.Choice(["raise", "skip"]),
                default="raise",
                show_default=True,
                help="raise: stop at the first bad record; skip: drop bad "
                "records and count them in summary.json.",
            ),
            click.option(
                "--top-share",
                type=click.FloatRange(0, 1, min_open=True, max_open=True),
                default=0.10,
                show_default=True,
                help="Share of active members at the top of an axis counted as high on it.",
            ),
            click.option(
                "--min-messages",
                type=click.IntRange(min=1),
                default=3,
                show_default=True,
                help="Messages a member needs in the window for a label other than member.",
            ),
            click.option(
                "--horizon",
                default="24h",
                show_default=True,
                help="How long after a contribution its cascade counts (pandas Timedelta).",
            ),
            click.option(
                "--weight",
                "weights",
                multiple=True,
                metavar="AXIS.METRIC=W",
                help="Override an axis weight, e.g. listened_to.reputation=3 (repeatable).",
            ),
            *identity_options(),
            click.option(
                "--brand",
                multiple=True,
                metavar="KEYWORD",
                help="Brand, product or topic keyword: messages mentioning it weigh more in "
                "intimacy (repeatable).",
            ),
            click.option(
                "--sentiment/--no-sentiment",
                default=True,
                show_default=True,
                help="Score each message's sentiment and language for intimacy; --no-sentiment "
                "skips it on huge dumps (faster reading, intimacy empty, a read note says so).",
            ),
            click.option(
                "--profile-url",
                metavar="TEMPLATE",
                default=None,
                callback=_check_profile_url,
                help="Link members to their profiles with this http(s) URL, {user_id} standing "
                "for the id (e.g. https://cardano.stackexchange.com/users/{user_id}); replaces "
                "the platform's own links.",
            ),
            click.option(
                "--customers",
                type=click.Path(path_type=Path, dir_okay=False),
                default=None,
                help="CSV, TSV or Parquet of economic value per member (user_id or alias, "
                "and a value column such as revenue): adds the value matrix.",
            ),
            click.option(
                "--customer-map",
                "customer_mapping",
                multiple=True,
                metavar="NAME=COLUMN",
                help="With --customers: read user_id, alias or value from COLUMN (repeatable).",
            ),
            click.option(
                "--pseudonymize",
                is_flag=True,
                help="Replace user ids and names in every output by keyed hashes (HMAC-SHA256); "
                "profile URLs are left out. Key: --pseudonym-key or INFLUENCE_PSEUDONYM_KEY.",
            ),
            click.option(
                "--pseudonym-key",
                metavar="KEY",
                default=None,
                help="With --pseudonymize: the secret key (never written anywhere; prefer the "
                "environment variable INFLUENCE_PSEUDONYM_KEY, which other users cannot see).",
            ),
        ]
    )


def _check_profile_url(_ctx, _param, value: str | None) -> str | None:
    from influence.community import check_profile_url

    try:
        return None if value is None else check_profile_url(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from err


def output_options() -> Callable:
    """``-q/--quiet``, ``-v/--verbose`` and ``--progress/--no-progress``."""
    return _apply(
        [
            click.option(
                "-q", "--quiet", is_flag=True, help="Print nothing but errors and warnings."
            ),
            click.option(
                "-v",
                "--verbose",
                is_flag=True,
                help="Also print timings, what was read and the thresholds used (on stderr).",
            ),
            click.option(
                "--progress/--no-progress",
                default=None,
                help="Show progress on stderr [default: only when stderr is a terminal].",
            ),
        ]
    )


def reporter_from(quiet: bool, verbose: bool, progress: bool | None) -> Reporter:
    """The :class:`Reporter` for the output options; quiet and verbose exclude each other."""
    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose cannot be used together")
    return Reporter(-1 if quiet else (1 if verbose else 0), progress)


@contextlib.contextmanager
def _engine_client(options: dict):
    """The Dask client of ``--engine dask`` (``--scheduler`` or a local cluster), else None."""
    if options.get("engine", "pandas") != "dask":
        if options.get("scheduler"):
            raise click.UsageError("--scheduler goes with --engine dask")
        yield None
        return
    try:
        from influence.engines.dask import cluster_client
    except ImportError as err:
        raise click.UsageError(str(err)) from err
    with cluster_client(options.get("scheduler")) as client:
        yield client


def _read_with(client, path, **options):
    from influence.engines._partitions import read_partitioned

    return read_partitioned(path, client=client, **options)


def run_pipeline(reporter: Reporter, path: Path, **options):
    """Read ``path`` and score it, reporting progress; return ``(community, analysis)``.

    ``options`` are the parameters of :func:`dump_options`.
    """
    import pandas as pd

    from influence.analysis import run_analysis
    from influence.privacy import hide_addresses, pseudonym_key, pseudonymize_analysis
    from influence.sources import read

    if options.get("pseudonym_key") is not None and not options.get("pseudonymize"):
        raise click.UsageError("--pseudonym-key goes with --pseudonymize")
    key = pseudonym_key(options.get("pseudonym_key")) if options.get("pseudonymize") else None
    maps = parse_pairs(options["mapping"], "--map")
    classify = _classify_options(
        options["top_share"], options["min_messages"], parse_pairs(options["weights"], "--weight")
    )
    try:
        horizon = pd.Timedelta(options["horizon"])
    except ValueError as err:
        raise click.BadParameter(
            f"must be a duration such as 24h (got {options['horizon']!r})", param_hint="--horizon"
        ) from err
    for name in ("since", "until"):
        value = options[name]
        if value is not None:
            try:
                pd.Timestamp(value)
            except ValueError as err:
                raise click.BadParameter(
                    f"must be a date (got {value!r})", param_hint=f"--{name}"
                ) from err

    brand = list(options.get("brand") or ()) or None
    with _engine_client(options) as client:
        size = input_size(path)
        with reporter.phase(f"reading {path}", reading=size) as phase:
            reader = read if client is None else functools.partial(_read_with, client)
            community = reader(
                path,
                format=options["input_format"],
                on_error=options["on_error"],
                mapping=maps or None,
                brand=brand,
                sentiment=options.get("sentiment", True),
            )
            phase["bytes"] = size
            phase["rows"] = sum(e["read"] for e in community.read_stats.to_dict()["entries"])
        community, excluded = apply_identities(reporter, community, options)
        with reporter.phase("scoring members", steps=True) as scoring:
            analysis = run_analysis(
                community,
                since=options["since"],
                until=options["until"],
                horizon=horizon,
                options=classify,
                brand=brand,  # run_analysis adds the four I's
                profile_url=options.get("profile_url"),
                **({} if client is None else {"engine": "dask", "client": client}),
            )
            scoring["summary"] = f"{len(analysis.users):,} members"
    if excluded is not None:
        analysis.parameters["aliases"] = (
            None if options.get("aliases") is None else str(options["aliases"])
        )
        analysis.parameters["excluded_accounts"] = excluded_records(excluded)
    analysis = _engagement_and_value(reporter, analysis, options)
    analysis = hide_addresses(analysis)  # no e-mail address reaches an output
    if key is not None:
        analysis = pseudonymize_analysis(analysis, key)
    analysis.timings["read"] = phase["seconds"]
    dropped = community.read_stats.dropped()
    if dropped:
        total = sum(dropped.values())
        detail = ", ".join(f"{reason} {n}" for reason, n in sorted(dropped.items()))
        reporter.warn(f"{total} rows dropped ({detail}); see summary.json")
    reporter.detail(
        f"read {path} as {community.platform}: "
        + Reporter.read_figures(phase["bytes"], phase["rows"], phase["seconds"])
    )
    for entry in community.read_stats.to_dict()["entries"]:
        why = ", ".join(f"{r} {n}" for r, n in entry["dropped"].items()) or "none dropped"
        reporter.detail(
            f"  {entry['source']} / {entry['table']}: read {entry['read']:,}, "
            f"kept {entry['kept']:,} ({why})"
        )
    thresholds = ", ".join(
        f"{k} >= {v:.3f}"
        for k, v in analysis.thresholds.items()
        if k in ("talkative_score", "listened_to_score")
    )
    reporter.detail(f"thresholds: {thresholds}; horizon {horizon}")
    reporter.detail("timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in analysis.timings.items()))
    return community, analysis


@click.command()
@dump_options("--format")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("influence-out"),
    show_default=True,
    help="Folder for users.csv, users.parquet, summary.json, report.html.",
)
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="How many true influencers to print.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "fr"]),
    default="en",
    show_default=True,
    help="Language of report.html (labels and segment names; column values stay canonical).",
)
@analysis_options()
@output_options()
def analyze(path, out, top, lang, quiet, verbose, progress, **options):
    """Read a dump, score every member, and write the results to --out.

    Writes users.csv and users.parquet (one row per member, every metric),
    summary.json (counts, read statistics, parameters, timings) and report.html
    (a self-contained page to open in a browser), then prints the segment counts
    and the top true influencers with their reasons.

    \b
    Examples:
      influence analyze datasets/stackexchange-cardano-2021 --out out
      influence analyze messages.csv --format table --map author_id=author \\
          --map created_at=created_utc
      influence analyze dump/ --since 2021-06-01 --top-share 0.05 -v
      influence analyze dump/ --by topic --every month --exclude-bots
      influence analyze dump/ --customers crm.csv --customer-map value=ltv --lang fr
    """
    from influence.report import write_outputs
    from influence.report.summary import top_users

    reporter = reporter_from(quiet, verbose, progress)
    community, analysis = run_pipeline(reporter, path, **options)
    source = {
        "path": str(path),
        "format": community.platform,
        "engine": options["engine"],
        "on_error": options["on_error"],
    }
    with reporter.phase("writing the outputs") as phase:
        paths = write_outputs(analysis, out, source=source, lang=lang)
        phase["summary"] = f"{len(paths)} files in {out}"
    paths = {**paths, **write_depth(reporter, analysis, out, options)}

    counts = analysis.segment_counts()
    reporter.echo(
        f"{community.name or path}: {len(analysis.community.messages)} messages, "
        f"{len(analysis.community.interactions)} interactions, "
        f"{len(analysis.users)} members"
    )
    reporter.echo(
        "Segments: "
        + ", ".join(
            f"{reporter.style(k, fg=_SEGMENT_FG[k]) if k in _SEGMENT_FG else k} {v}"
            for k, v in counts.items()
        )
    )
    leaders = top_users(analysis, "true_influencer", top)
    if len(leaders):
        reporter.echo("Top true influencers:")
        for rank, (uid, row) in enumerate(leaders.iterrows(), start=1):
            name = row["display_name"] if isinstance(row["display_name"], str) else uid
            reporter.echo(
                f"  {rank}. {reporter.style(str(name), bold=True)} ({uid}) influence "
                f"{row['influence_score']:.3f}: {row['reasons']}"
            )
    reporter.echo(f"Wrote {', '.join(paths)} to {out}")


def _engagement_and_value(reporter: Reporter, analysis, options: dict):
    """Notes on the four I's (added by run_analysis), and the customer table (--customers)."""
    from influence.value import add_customers, read_customers

    for note in analysis.parameters.get("engagement", {}).get("notes", []):
        reporter.detail(note)
    if options.get("customers") is not None:
        customers = read_customers(
            options["customers"],
            mapping=parse_pairs(options.get("customer_mapping") or (), "--customer-map") or None,
            on_error=options["on_error"],
        )
        analysis = add_customers(analysis, customers)
        report = analysis.parameters["customers"]
        if report["unmatched_customer_rows"]:
            reporter.warn(
                f"{report['unmatched_customer_rows']} customer rows match no member "
                f"(first {', '.join(report['unmatched_customer_keys'][:3])}); see summary.json"
            )
        reporter.detail(
            f"customers: {report['matched_members']} members matched, "
            f"{report['members_without_record']} without a customer record"
        )
    return analysis


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
