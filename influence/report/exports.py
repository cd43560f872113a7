"""Exports for the tools downstream: superfan lists, the graph, the users table.

* :func:`superfans_table` / :func:`write_superfans`: who to invite, thank and give
  privileges to, as CSV or JSON for a CRM;
* :func:`graph_edges` / :func:`write_graph`: the interaction graph for Gephi,
  Cytoscape or any tool reading GEXF, GraphML or a Parquet edge list;
* :func:`users_for_parquet` and :data:`USERS_DTYPES`: ``users.parquet`` with
  stable column types.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from influence.analysis import Analysis
from influence.community import Community
from influence.errors import InfluenceError

if TYPE_CHECKING:  # networkx is imported when a graph is asked for
    import networkx as nx

__all__ = [
    "GRAPH_FORMATS",
    "SEGMENTS",
    "SUPERFAN_COLUMNS",
    "SUPERFAN_FORMATS",
    "USERS_DTYPES",
    "graph_edges",
    "superfans_table",
    "to_export_graph",
    "users_for_parquet",
    "write_graph",
    "write_parquet",
    "write_superfans",
]

#: Segments a superfan list can be drawn from; ``"labelled"`` is the three
#: labelled segments together, ``"active"`` every active member.
SEGMENTS = ("true_influencer", "listened_to", "talkative", "member", "labelled", "active")

#: Columns of :func:`superfans_table`, in order.
SUPERFAN_COLUMNS = (
    "rank",
    "user_id",
    "display_name",
    "profile_url",
    "segment",
    "influence_score",
    "talkative_score",
    "listened_to_score",
    "messages",
    "reasons",
    "first_seen",
    "last_seen",
)

SUPERFAN_FORMATS = ("csv", "json")
GRAPH_FORMATS = ("gexf", "graphml", "parquet")

#: Types of the columns of ``users.parquet`` (pandas dtypes; in Parquet: string
#: -> Arrow ``string`` (UTF-8), float64 -> ``double``). Text columns are strings (missing
#: = null), every metric and score is float64 (NaN = not applicable, for example
#: the scores of inactive members). Columns added by later versions follow the
#: same rule: text -> string, numbers -> float64.
USERS_DTYPES: Mapping[str, str] = {
    "user_id": "string",
    "display_name": "string",
    "segment": "string",
    "profile_url": "string",
    "reasons": "string",
}

_LABELLED = ("true_influencer", "listened_to", "talkative")


def users_for_parquet(users: pd.DataFrame, *, copy: bool = True) -> pd.DataFrame:
    """The users table with the stable column types of :data:`USERS_DTYPES`.

    Parameters
    ----------
    users : DataFrame
        The users table, indexed by ``user_id``; not modified.
    copy : bool, default True
        False: the float64 columns are shared with ``users``, not copied (for a
        table written and dropped at once, as :func:`influence.report.write_outputs`
        does: 0.07 GiB less for 200,000 members; do not modify the result).

    Returns
    -------
    DataFrame
        ``user_id`` as the first column; text columns as ``string``, every other
        column as ``float64``.

    Examples
    --------
    >>> users = pd.DataFrame({"segment": pd.Categorical(["member"]), "messages": [3]},
    ...                      index=pd.Index(["7"], name="user_id"))
    >>> users_for_parquet(users).dtypes.astype(str).to_dict()
    {'user_id': 'string', 'segment': 'string', 'messages': 'float64'}
    """
    table = users.reset_index()
    out = {}
    for column in table.columns:
        values = table[column]
        dtype = values.dtype
        if column in USERS_DTYPES or not (
            pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
        ):
            if isinstance(dtype, pd.StringDtype) or (
                isinstance(dtype, pd.CategoricalDtype)
                and isinstance(dtype.categories.dtype, pd.StringDtype)
            ):
                out[column] = values.astype("string")  # in Arrow: no Python str per value
            else:
                out[column] = values.astype(object).where(values.notna(), None).astype("string")
        elif dtype == np.float64:
            out[column] = values  # copied once, by the DataFrame below (unless copy=False)
        else:
            out[column] = pd.to_numeric(values).astype(np.float64)
    return pd.DataFrame(out, copy=copy)


def _arrow_schema(frame: pd.DataFrame):
    """UTF-8 ``string`` for text columns, ``double`` for float64, ``int64`` for ints."""
    import pyarrow as pa

    fields = []
    for column in frame.columns:
        dtype = frame[column].dtype
        if pd.api.types.is_float_dtype(dtype):
            kind = pa.float64()
        elif pd.api.types.is_integer_dtype(dtype):
            kind = pa.int64()
        else:
            kind = pa.string()
        fields.append(pa.field(str(column), kind))
    return pa.schema(fields)


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` (no index) with the stable Arrow types of :func:`_arrow_schema`.

    Text is always Arrow ``string`` (never ``large_string``), whatever the pandas
    version or string storage.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, schema=_arrow_schema(frame), preserve_index=False)
    pq.write_table(table, path)


def _seen(community: Community, user_ids: Iterable[str]) -> pd.DataFrame:
    """Time of the first and of the last message of each of ``user_ids`` who wrote one.

    Indexed by user id (str), columns ``first_seen`` and ``last_seen``; only the
    messages of ``user_ids`` are grouped (a report shows a few dozen members).
    """
    messages = community.messages
    author = messages["author_id"]
    mine = author.isin(pd.Index([str(u) for u in user_ids]).unique()).to_numpy(bool)
    grouped = messages.loc[mine, "created_at"].groupby(author[mine].astype(str).to_numpy())
    return pd.DataFrame({"first_seen": grouped.min(), "last_seen": grouped.max()})


def superfans_table(
    analysis: Analysis, *, segment: str = "true_influencer", top: int | None = None
) -> pd.DataFrame:
    """The members of a segment, ranked, with what a CRM needs to act on them.

    Parameters
    ----------
    analysis : Analysis
    segment : str, default "true_influencer"
        One of :data:`SEGMENTS`.
    top : int, optional
        Keep the first ``top`` rows (default all).

    Returns
    -------
    DataFrame
        Columns :data:`SUPERFAN_COLUMNS`: ``rank`` (1 = most influential of the
        list), ``user_id``, ``display_name``, ``profile_url`` (missing when the
        platform has no profile URLs), ``segment``, the three scores,
        ``messages``, ``reasons``, ``first_seen`` and ``last_seen`` (UTC times of
        the member's first and last contribution in the window). Ranked by
        ``influence_score`` then ``user_id``, as the users table.

    Raises
    ------
    ValueError
        When ``segment`` is unknown or ``top`` is negative.

    Examples
    --------
    >>> import influence
    >>> community = influence.read("datasets/stackexchange-conlang-meta-2020")
    >>> analysis = influence.run_analysis(community)
    >>> fans = superfans_table(analysis, top=3)
    >>> list(fans["rank"]), set(fans["segment"])
    ([1, 2, 3], {'true_influencer'})
    >>> bool((fans["first_seen"] <= fans["last_seen"]).all())
    True
    """
    if segment not in SEGMENTS:
        raise ValueError(f"segment must be one of {list(SEGMENTS)} (got {segment!r})")
    if top is not None and top < 0:
        raise ValueError(f"top must be >= 0 (got {top!r})")
    users = analysis.users
    labels = users["segment"].astype(str)
    if segment == "labelled":
        mask = labels.isin(_LABELLED)
    elif segment == "active":
        mask = labels != "inactive"
    else:
        mask = labels == segment
    chosen = users.loc[mask.to_numpy()]
    if top is not None:
        chosen = chosen.head(top)
    seen = _seen(analysis.community, chosen.index).reindex(chosen.index.astype(str))
    if "profile_url" in chosen:
        profile = chosen["profile_url"]
    else:
        profile = pd.Series(pd.NA, index=chosen.index)
    table = pd.DataFrame(
        {
            "rank": np.arange(1, len(chosen) + 1, dtype=np.int64),
            "user_id": pd.array(chosen.index.astype(str), dtype="string"),
            "display_name": pd.array(chosen["display_name"].to_numpy(), dtype="string"),
            "profile_url": pd.array(profile.to_numpy(), dtype="string"),
            "segment": pd.array(chosen["segment"].astype(str).to_numpy(), dtype="string"),
            "influence_score": chosen["influence_score"].to_numpy(np.float64),
            "talkative_score": chosen["talkative_score"].to_numpy(np.float64),
            "listened_to_score": chosen["listened_to_score"].to_numpy(np.float64),
            "messages": chosen["messages"].to_numpy(np.float64),
            "reasons": pd.array(chosen["reasons"].astype(object).to_numpy(), dtype="string"),
            "first_seen": seen["first_seen"].to_numpy(),
            "last_seen": seen["last_seen"].to_numpy(),
        }
    )
    for column in ("first_seen", "last_seen"):
        table[column] = pd.to_datetime(table[column], utc=True)
    return table


def _plain(value):
    """A JSON-ready Python value: None for missing, ISO 8601 for times."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    return value


def _spreadsheet_safe(values: pd.Series) -> pd.Series:
    """Prefix with ``'`` the text cells a spreadsheet would run as a formula.

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    (OWASP's CSV injection list) gets a leading quote, unless it is a plain number
    such as ``-1`` (a Stack Exchange user id).
    """
    text = values.astype("string")
    risky = text.str.match(r"[=+\-@\t\r]", na=False) & ~text.str.fullmatch(
        r"[+-]?\d+(?:\.\d+)?", na=False
    )
    return text.mask(risky, "'" + text)


def write_superfans(
    table: pd.DataFrame,
    destination: str | Path | IO[str],
    *,
    format: Literal["csv", "json"] = "csv",
) -> None:
    """Write a :func:`superfans_table` as CSV or JSON.

    Parameters
    ----------
    table : DataFrame
        From :func:`superfans_table`.
    destination : path or text stream
        A file path, or an open text stream such as ``sys.stdout``.
    format : {"csv", "json"}
        CSV: a header row, times in ISO 8601 UTC to the second
        (``2021-05-01T12:00:00Z``), empty
        cells for missing values; text cells a spreadsheet would run as a formula
        (starting with ``= + - @``, tab or carriage return, other than plain
        numbers) start with ``'``. JSON: an array of objects, one per member, with
        the same keys, ``null`` for missing values.

    Raises
    ------
    ValueError
        When ``format`` is unknown.
    InfluenceError
        When the file cannot be written.

    Examples
    --------
    >>> import io
    >>> table = pd.DataFrame({"rank": [1], "user_id": ["7"], "display_name": ["Ann"],
    ...     "first_seen": pd.to_datetime(["2024-01-01 09:00"], utc=True)})
    >>> out = io.StringIO()
    >>> write_superfans(table, out, format="json")
    >>> print(out.getvalue())
    [
      {
        "rank": 1,
        "user_id": "7",
        "display_name": "Ann",
        "first_seen": "2024-01-01T09:00:00Z"
      }
    ]
    """
    if format not in SUPERFAN_FORMATS:
        raise ValueError(f"format must be one of {list(SUPERFAN_FORMATS)} (got {format!r})")
    if format == "json":
        records = [
            {column: _plain(value) for column, value in zip(table.columns, row, strict=True)}
            for row in table.itertuples(index=False, name=None)
        ]
        text = json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    else:
        frame = table.copy()
        for column in frame.columns:
            if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
                frame[column] = frame[column].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
            elif frame[column].dtype == object or isinstance(frame[column].dtype, pd.StringDtype):
                frame[column] = _spreadsheet_safe(frame[column])
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, lineterminator="\n")
        text = buffer.getvalue()
    if hasattr(destination, "write"):
        destination.write(text)
        return
    try:
        Path(destination).write_text(text, encoding="utf-8")
    except OSError as err:
        raise InfluenceError(
            f"superfans file must be writable (got {err.strerror or err} for {destination})"
        ) from err


def graph_edges(community: Community) -> pd.DataFrame:
    """The interaction graph as an edge list with the kinds of each edge.

    Parameters
    ----------
    community : Community

    Returns
    -------
    DataFrame
        One row per ordered pair of users that interacted: ``source``, ``target``
        (string), ``weight`` (float64: summed interaction weights, as in
        :func:`influence.graph.build_adjacency`) and ``kinds`` (string: the
        interaction kinds between them, sorted and comma-separated, e.g.
        ``"mention,reply"``). Sorted by ``source`` then ``target``.

    Examples
    --------
    >>> from influence.sources.table import parse_table
    >>> msgs = pd.DataFrame({"message_id": ["1", "2", "3"], "author_id": ["ann", "bob", "bob"],
    ...     "parent_id": [None, "1", "1"], "mentions": [None, None, "ann"],
    ...     "created_at": ["2024-01-01 00:00", "2024-01-01 00:30", "2024-01-01 00:40"]})
    >>> graph_edges(parse_table(msgs))
      source target  weight          kinds
    0    bob    ann     3.0  mention,reply
    """
    interactions = community.interactions
    source = interactions["source"].astype(str).to_numpy()
    target = interactions["target"].astype(str).to_numpy()
    kind = interactions["kind"].astype(str).to_numpy()
    weight = pd.to_numeric(interactions["weight"], errors="coerce").fillna(1.0)
    frame = pd.DataFrame(
        {"source": source, "target": target, "kind": kind, "weight": weight.to_numpy()}
    )
    edges = frame.groupby(["source", "target"], sort=True)["weight"].sum().reset_index()
    present = (
        frame[["source", "target", "kind"]]
        .drop_duplicates()
        .assign(present=True)
        .pivot_table(index=["source", "target"], columns="kind", values="present", aggfunc="any")
        .reindex(pd.MultiIndex.from_frame(edges[["source", "target"]]))
        .fillna(False)
        .astype(bool)
    )
    kinds = np.full(len(edges), "", dtype=object)
    for name in sorted(present.columns):  # one pass per kind (a handful), vectorised over edges
        has = present[name].to_numpy()
        kinds = np.where(has, np.where(kinds == "", name, kinds + "," + name), kinds)
    return pd.DataFrame(
        {
            "source": pd.array(edges["source"].to_numpy(), dtype="string"),
            "target": pd.array(edges["target"].to_numpy(), dtype="string"),
            "weight": edges["weight"].to_numpy(np.float64),
            "kinds": pd.array(kinds, dtype="string"),
        }
    )


_NODE_ATTRIBUTES = (
    "display_name",
    "segment",
    "influence_score",
    "talkative_score",
    "listened_to_score",
    "messages",
    "profile_url",
)


def to_export_graph(analysis: Analysis) -> nx.DiGraph:
    """The interaction graph with each member's name, segment and scores on the nodes.

    Nodes are the members who wrote in the window or took part in an interaction
    (inactive members without any edge are left out); each has a ``label`` (the
    display name, else the id) for Gephi. Edges carry ``weight`` and ``kinds`` as
    in :func:`graph_edges`. Missing attributes are left off the node.
    """
    edges = graph_edges(analysis.community)
    users = analysis.users
    involved = pd.Index(
        pd.concat([edges["source"], edges["target"]]).astype(str).unique(), dtype=object
    )
    active = users.index[users["segment"].astype(str) != "inactive"].astype(str)
    nodes = users.loc[users.index.astype(str).isin(involved.union(active))]
    import networkx as nx

    graph = nx.DiGraph()
    columns = [c for c in _NODE_ATTRIBUTES if c in nodes]
    frame = nodes[columns].copy()
    frame["segment"] = frame["segment"].astype(str)
    for uid, row in zip(frame.index.astype(str), frame.to_dict("records"), strict=True):
        attributes = {}
        for key, value in row.items():
            value = _plain(value)
            if value is not None:
                attributes[key] = value if isinstance(value, str) else float(value)
        attributes["label"] = attributes.get("display_name", uid)
        graph.add_node(uid, **attributes)
    graph.add_edges_from(
        (s, t, {"weight": float(w), "kinds": str(k)})
        for s, t, w, k in zip(
            edges["source"].astype(str),
            edges["target"].astype(str),
            edges["weight"],
            edges["kinds"].astype(str),
            strict=True,
        )
    )
    return graph


def write_graph(
    analysis: Analysis,
    path: str | Path,
    *,
    format: Literal["gexf", "graphml", "parquet"] = "gexf",
) -> Path:
    """Write the interaction graph for Gephi and other tools.

    Parameters
    ----------
    analysis : Analysis
    path : str or Path
        The file to write.
    format : {"gexf", "graphml", "parquet"}
        ``gexf`` and ``graphml``: the graph of :func:`to_export_graph` (nodes with
        ``display_name``, ``segment``, the scores, ``messages``, ``profile_url``;
        edges with ``weight`` and ``kinds``). ``parquet``: the edge list of
        :func:`graph_edges` (columns ``source``, ``target`` strings, ``weight``
        double, ``kinds`` string).

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        When ``format`` is unknown.
    InfluenceError
        When the file cannot be written.
    """
    if format not in GRAPH_FORMATS:
        raise ValueError(f"format must be one of {list(GRAPH_FORMATS)} (got {format!r})")
    path = Path(path)
    try:
        if format == "parquet":
            write_parquet(graph_edges(analysis.community), path)
        else:
            import networkx as nx

            write = nx.write_gexf if format == "gexf" else nx.write_graphml
            write(to_export_graph(analysis), path)
    except OSError as err:
        raise InfluenceError(
            f"graph file must be writable (got {err.strerror or err} for {path})"
        ) from err
    return path
