"""``influence validate``: measure the rankings against the community's own ground truth."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from influence.cli._common import parse_pairs
from influence.sources import FORMATS

__all__ = ["render_table", "validate"]

_FORMATS = ["auto", *FORMATS]


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--against",
    type=click.Choice(["reputation", "score"]),
    default="reputation",
    show_default=True,
    help="Ground truth: the users' published reputation, or the summed scores of their messages.",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(_FORMATS),
    default="auto",
    show_default=True,
    help="Dump format; auto detects it.",
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
    help="raise: stop at the first bad record; skip: drop bad records.",
)
@click.option(
    "-k",
    "--k",
    "sizes",
    type=click.IntRange(min=1),
    multiple=True,
    help="Top size for precision@k (repeatable; default 10, 25 and 50).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the result as JSON to this file.",
)
def validate(path, against, format_, mapping, on_error, sizes, json_path):
    """Score a dump without its ground truth and compare with the ground truth.

    Every signal the ground truth is derived from (message scores, votes,
    reputation, badge and view counts) is removed before scoring; the table
    gives Spearman, Kendall and precision@k of each axis, each listened-to
    metric and simple baselines, over the active users.

    \b
    Examples:
      influence validate datasets/stackexchange-cardano-2021
      influence validate dump/ --against score --json validation.json
    """
    from influence.validate import validate as run_validation

    maps = parse_pairs(mapping, "--map")
    result = run_validation(
        path,
        against=against,
        k=sizes or (10, 25, 50),
        format=format_,
        on_error=on_error,
        mapping=maps or None,
    )
    removed = "; ".join(f"{table}: {', '.join(cols)}" for table, cols in result.removed.items())
    click.echo(
        f"{result.name or path}: {result.users} active users compared against {against} "
        f"({result.excluded['inactive']} inactive and "
        f"{result.excluded['no_ground_truth']} without a {against} left out)"
    )
    click.echo(f"Removed before scoring: {removed}")
    click.echo(render_table(result.to_dict()))
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
        click.echo(f"Wrote {json_path}")


def render_table(data: dict) -> str:
    """The rows of ``ValidationResult.to_dict()`` as a fixed-width text table.

    Examples
    --------
    >>> print(render_table({"k": [10], "rows": [{"score": "post count", "group": "baseline",
    ...     "spearman": 0.5, "kendall": None, "precision_at_10": 0.7}]}))
    score       group     spearman  kendall  p@10
    post count  baseline     0.500        -  0.70
    """
    sizes = data["k"]
    header = ["score", "group", "spearman", "kendall", *[f"p@{k}" for k in sizes]]
    lines = []
    for row in data["rows"]:
        cells = [row["score"], row["group"]]
        cells += [_number(row["spearman"], 3), _number(row["kendall"], 3)]
        cells += [_number(row[f"precision_at_{k}"], 2) for k in sizes]
        lines.append(cells)
    widths = [max(len(str(c)) for c in column) for column in zip(header, *lines, strict=True)]

    def fmt(cells):
        left = [str(c).ljust(w) for c, w in zip(cells[:2], widths[:2], strict=True)]
        right = [str(c).rjust(w) for c, w in zip(cells[2:], widths[2:], strict=True)]
        return "  ".join(left + right).rstrip()

    return "\n".join([fmt(header), *(fmt(cells) for cells in lines)])


def _number(value, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"
