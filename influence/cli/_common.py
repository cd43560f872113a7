"""What every command shares: one-line errors, warnings, KEY=VALUE options."""

from __future__ import annotations

import warnings

import click

from influence.errors import InfluenceDataWarning, InfluenceError

__all__ = ["Group", "parse_pairs"]


class Group(click.Group):
    """Turns every :class:`InfluenceError` into ``Error: <message>`` and exit 1.

    This is the one place where library errors meet the terminal.
    """

    def invoke(self, ctx: click.Context):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = super().invoke(ctx)
            _echo_warnings(caught)
            return result
        except InfluenceError as err:
            click.echo(f"Error: {err}", err=True)
            ctx.exit(1)


def _echo_warnings(caught) -> None:
    seen = set()
    for item in caught:
        text = str(item.message)
        if issubclass(item.category, InfluenceDataWarning) and text not in seen:
            seen.add(text)
            click.echo(f"Warning: {text}", err=True)


def parse_pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    """Parse repeated ``KEY=VALUE`` options into a dict; a malformed one is a usage error."""
    pairs = {}
    for value in values:
        key, sep, target = value.partition("=")
        if not sep or not key.strip() or not target.strip():
            raise click.BadParameter(f"must be KEY=VALUE (got {value!r})", param_hint=option)
        pairs[key.strip()] = target.strip()
    return pairs
