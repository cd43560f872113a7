"""Readers: one module per platform, all returning a :class:`~influence.community.Community`.

Each module offers a pure ``parse_*`` (records in) and a thin ``read_*``
(path in), plus a ``sniff(path)`` used by auto-detection. :func:`read` picks
the reader from ``format`` or, with ``format=None``/``"auto"``, by asking each
registered reader's ``sniff`` in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from influence.community import Community
from influence.errors import SourceError, UnknownFormatError
from influence.sources import (
    discord,
    discourse,
    mastodon,
    mbox,
    reddit,
    slack,
    stackexchange,
    table,
    twitter,
)
from influence.sources._archive import archive_kind, extract, read_archive

__all__ = ["FORMATS", "detect_format", "read"]


@dataclass(frozen=True)
class _Format:
    name: str
    reader: Callable[..., Community]
    sniff: Callable[[Path], bool]
    description: str


#: Every reader, in the order auto-detection asks them: specific formats first,
#: the generic ``table`` last. One line per format.
_REGISTRY: dict[str, _Format] = {
    f.name: f
    for f in (
        _Format(
            "stackexchange",
            stackexchange.read_stackexchange,
            stackexchange.sniff,
            "Stack Exchange data dump folder (Posts.xml, Comments.xml, Users.xml, ...)",
        ),
        _Format("reddit", reddit.read_reddit, reddit.sniff, "Reddit RC_/RS_ dumps, API JSON"),
        _Format("twitter", twitter.read_twitter, twitter.sniff, "X/Twitter v2, v1.1, tweets.js"),
        _Format("mastodon", mastodon.read_mastodon, mastodon.sniff, "Mastodon outbox.json"),
        _Format("discourse", discourse.read_discourse, discourse.sniff, "Discourse API JSON, CSV"),
        _Format("slack", slack.read_slack, slack.sniff, "Slack export folder (users.json, ...)"),
        _Format("discord", discord.read_discord, discord.sniff, "DiscordChatExporter JSON"),
        _Format("mbox", mbox.read_mbox, mbox.sniff, "mailing-list mbox archives (also .gz)"),
        _Format(
            "table",
            table.read_table,
            table.sniff,
            "message table or interaction edge list (CSV, TSV, Parquet, NDJSON)",
        ),
    )
}

#: The format names accepted by :func:`read`, with a one-line description.
FORMATS: Mapping[str, str] = {name: f.description for name, f in _REGISTRY.items()}


def detect_format(path: str | Path) -> str:
    """Return the name of the format of ``path``.

    An archive (``.zip``, ``.7z``, ``.tar``, ``.tar.gz``, ...) is extracted
    safely into a temporary folder and its contents detected.

    Raises
    ------
    SourceError
        When ``path`` does not exist, or is an archive that cannot be extracted safely.
    UnknownFormatError
        When no reader recognises it; the message lists the formats.
    """
    path = Path(path)
    if not path.exists():
        raise SourceError("path must exist (got no such file or folder)", path=str(path))
    if archive_kind(path) is not None:
        with extract(path) as inner:
            return inner.run(detect_format, inner.path)
    for fmt in _REGISTRY.values():
        if fmt.sniff(path):
            return fmt.name
    raise UnknownFormatError(
        f"format must be one of {sorted(_REGISTRY)} (got none recognised); "
        "force one with --format NAME",
        path=str(path),
    )


def read(
    path: str | Path,
    format: str | None = None,
    *,
    on_error: str = "raise",
    mapping: Mapping[str, str] | None = None,
    brand: Iterable[str] | None = None,
    sentiment: bool = True,
) -> Community:
    """Read a community dump into a :class:`~influence.community.Community`.

    Parameters
    ----------
    path : str or Path
        A dump folder or file, or an archive of one (``.zip``, ``.7z``,
        ``.tar``, ``.tar.gz``, ``.tgz``, ``.tar.bz2``, ``.tar.xz``,
        ``.tar.zst``): it is extracted safely into a temporary folder (removed
        afterwards), errors name the member (``site.7z:Posts.xml:12: ...``) and
        the Community is named after the archive's stem.
    format : str, optional
        One of :data:`FORMATS`; ``None`` or ``"auto"`` detects it.
    on_error : {"raise", "skip"}
        ``"raise"`` (default) stops at the first bad record with a
        :class:`~influence.errors.SourceError` naming file and line;
        ``"skip"`` drops bad records and counts them in ``read_stats``.
    mapping : dict, optional
        For ``format="table"``: canonical column name -> column in the file.
    brand : iterable of str, optional
        Brand, product or topic keywords: every reader scores the text of each
        message into ``sentiment``, ``language`` and ``brand_mention`` columns
        of ``messages`` (the text itself is not kept), the latter telling whether
        a keyword occurs (whole words, case ignored; missing without keywords).
        Without the ``engagement`` extra the three columns are absent and
        ``read_stats.notes`` says so.
    sentiment : bool, default True
        ``False`` skips that scoring (the slowest part of reading text): the
        three columns are absent, ``read_stats.notes`` says so, and intimacy is
        empty in the analysis. For huge dumps when the four I's are not needed.

    Returns
    -------
    Community

    Raises
    ------
    UnknownFormatError
        When ``format`` is not known or cannot be detected.
    SourceError
        When the dump is malformed (with ``on_error="raise"``).

    Examples
    --------
    >>> import influence
    >>> community = influence.read("datasets/stackexchange-conlang-meta-2020")
    >>> community.platform, len(community.messages) > 0
    ('stackexchange', True)
    """
    name = "auto" if format is None else format
    if name in ("auto", *_REGISTRY) and archive_kind(path) is not None:
        # extract safely, then read the contents with the same options (see _archive)
        options = {"on_error": on_error, "mapping": mapping, "brand": brand, "sentiment": sentiment}
        return read_archive(path, lambda inner: read(inner, format, **options))
    if name == "auto":
        name = detect_format(path)
    if name not in _REGISTRY:
        raise UnknownFormatError(
            f"format must be one of {['auto', *sorted(_REGISTRY)]} (got {format!r})",
            path=str(path),
        )
    if not Path(path).exists():
        raise SourceError("path must exist (got no such file or folder)", path=str(path))
    options: dict = {"on_error": on_error}
    if mapping:
        if name != "table":
            raise UnknownFormatError(
                f"--map must go with format 'table' (got format {name!r})", path=str(path)
            )
        options["mapping"] = dict(mapping)
    if brand is not None:
        options["brand"] = [brand] if isinstance(brand, str) else list(brand)
    if not sentiment:
        options["sentiment"] = False
    return _REGISTRY[name].reader(path, **options)
