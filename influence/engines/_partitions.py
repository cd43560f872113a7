"""Reading a dump with the cluster: each worker scans its own part of the files.

Stack Exchange XML is cut into byte ranges that end at a row boundary (dump
rows are one per line) by :func:`influence.sources.stackexchange._line_ranges`,
and each range is scanned on a worker by
:func:`influence.sources.stackexchange._scan_range` (expat, the same scanner as
in-process); a compressed file is one partition. The workers must see the same
paths as the client (a shared file system). The scanned columns (post bodies
and comment texts are kept as lengths only, so they are small) are then parsed
on the client by the pure :func:`~influence.sources.stackexchange.parse_stackexchange`
and assembled by :func:`~influence.sources._common.assemble`, so read
statistics, drops and errors are exactly those of the in-process reader.

Other formats are read by :func:`influence.read` in-process, then partitioned
for the metrics.
"""

from __future__ import annotations

from pathlib import Path

from influence.community import Community, ReadStats
from influence.errors import SourceError
from influence.sources import detect_format, read
from influence.sources import stackexchange as se
from influence.sources._common import assemble, check_on_error, open_binary

__all__ = ["read_partitioned", "scan_partitioned"]


def _scan_whole(path: str, table: str) -> dict[str, list]:
    """One file in one piece (compressed files; ranges that did not parse)."""
    with open_binary(path) as stream:
        return se.scan_rows(
            stream,
            se.FIELDS[table],
            source=Path(path).name,
            lengths=se._LENGTHS.get(table, ()),
            keep_if=se._KEEP_IF.get(table),
        )


def scan_partitioned(path: str | Path, table: str, *, client, piece: int | None = None):
    """The columns of one Stack Exchange dump file, scanned by byte range on the workers.

    Parameters
    ----------
    path : str or Path
        ``Posts.xml``, ``Comments.xml``, ... (compressed files are one partition).
    table : str
        Its table name (``"Posts"``, ``"Comments"``, ...).
    client : distributed.Client
    piece : int, optional
        Bytes per range (default :data:`influence.sources.stackexchange.RANGE_BYTES`).

    Returns
    -------
    dict of str to list
        As :func:`influence.sources.stackexchange.scan_rows` returns for the whole
        file, line numbers included.

    Raises
    ------
    SourceError
        As :func:`~influence.sources.stackexchange.scan_rows`, with the line in
        the whole file.
    """
    path = Path(path)
    head = None
    if path.suffix.lower() == ".xml":
        with open(path, "rb") as stream:
            head = se._HEAD.match(stream.read(1 << 16))
    if head is None:
        return client.submit(_scan_whole, str(path), table, pure=False).result()
    ranges = se._line_ranges(path, path.stat().st_size, piece or se.RANGE_BYTES, head.end())
    futures = [
        client.submit(
            se._scan_range,
            str(path),
            begin,
            end,
            head.group(1),
            n == len(ranges) - 1,
            list(se.FIELDS[table]),
            list(se._LENGTHS.get(table, ())),
            dict(se._KEEP_IF.get(table) or {}),
            pure=False,
        )
        for n, (begin, end) in enumerate(ranges)
    ]
    parts = client.gather(futures)
    if any(part is None for part in parts):  # something odd: the whole file, with its error
        return client.submit(_scan_whole, str(path), table, pure=False).result()
    columns: dict[str, list] = {name: [] for name in parts[0][0]}
    lines_before = 0
    for part, newlines in parts:
        for name, values in part.items():
            if name == se.LINE:
                values = [line + lines_before for line in values]
            columns[name].extend(values)
        lines_before += newlines
    return columns


def read_partitioned(
    path: str | Path,
    *,
    client,
    format: str | None = None,
    on_error: str = "raise",
    mapping=None,
    piece: int | None = None,
) -> Community:
    """Read a dump with the cluster's workers; the same Community as :func:`influence.read`.

    Parameters
    ----------
    path : str or Path
    client : distributed.Client
    format : str, optional
        As for :func:`influence.read` (default: detected).
    on_error, mapping
        As for :func:`influence.read`.
    piece : int, optional
        Bytes per range of a Stack Exchange XML file.

    Returns
    -------
    Community
    """
    on_error = check_on_error(on_error)
    name = detect_format(path) if format in (None, "auto") else format
    if name != "stackexchange":
        return read(path, format=name, on_error=on_error, mapping=mapping)
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    if not folder.is_dir():
        raise SourceError("path must be a dump folder or its Posts.xml (got none)", path=str(path))
    files = se._locate(folder)
    if not path.is_dir():
        files["Posts"] = path
    if "Posts" not in files:
        return read(path, format=name, on_error=on_error)  # the reader's own error
    tables = {
        table: scan_partitioned(files[table], table, client=client, piece=piece)
        for table in se.FIELDS
        if table in files
    }
    stats = ReadStats()
    messages, links, users = se.parse_stackexchange(
        tables,
        sources={table: file.name for table, file in files.items()},
        on_error=on_error,
        stats=stats,
    )
    for table in se._UNUSED:
        if table in files:
            stats.note(f"{files[table].name}: not used")
    return assemble(
        messages,
        links=links,
        users=users,
        stats=stats,
        platform=se.PLATFORM,
        name=folder.resolve().name,
        users_authoritative=False,
    )
