"""``influence graph``: the interaction graph for Gephi and other network tools."""

from __future__ import annotations

from pathlib import Path

import click

from influence.cli.analyze import dump_options, output_options, reporter_from, run_pipeline

__all__ = ["graph"]


@click.command()
@dump_options("--input-format")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["gexf", "graphml", "parquet"]),
    default="gexf",
    show_default=True,
    help="gexf (Gephi), graphml, or parquet (an edge list: source, target, weight, kinds).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="File to write [default: influence-graph.<format> in the current folder].",
)
@output_options()
def graph(path, output_format, out, quiet, verbose, progress, **options):
    """Export the weighted interaction graph of a dump.

    Nodes are the members who wrote or interacted, with display_name, segment,
    the three scores, messages and profile_url; an edge source -> target sums the
    weights of every interaction from source to target, and kinds lists their
    kinds (for example "mention,reply").

    \b
    Examples:
      influence graph datasets/stackexchange-cardano-2021 --format gexf --out cardano.gexf
      influence graph dump/ --format parquet --out edges.parquet
    """
    from influence.report.exports import write_graph

    reporter = reporter_from(quiet, verbose, progress)
    _, analysis = run_pipeline(reporter, path, **options)
    out = out or Path(f"influence-graph.{output_format}")
    with reporter.phase(f"writing {out}"):
        write_graph(analysis, out, format=output_format)
    reporter.echo(f"Wrote the interaction graph ({output_format}) to {out}")
