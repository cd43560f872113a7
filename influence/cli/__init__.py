"""The command line: parse arguments, call the library, render. Nothing else.

Each command lives in its own module of this package; library errors become
one line, ``Error: ...``, and exit status 1, in one place
(:class:`influence.cli._common.Group`).
"""

from __future__ import annotations

import click

from influence.cli._common import Group
from influence.cli.analyze import analyze
from influence.cli.graph import graph
from influence.cli.superfans import superfans
from influence.cli.validate import validate

__all__ = ["main"]


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="influence")
def main() -> None:
    """Find the people who really move an online community.

    \b
    Example:
      influence analyze datasets/stackexchange-cardano-2021 --out influence-out
    """


main.add_command(analyze)
main.add_command(superfans)
main.add_command(graph)
main.add_command(validate)
