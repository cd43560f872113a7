"""The pipeline a user would hand-write in a notebook, to compare ``influence`` with.

``python benchmarks/reference.py DUMP_FOLDER --out DIR`` reads ``Posts.xml``,
``Comments.xml`` and ``Users.xml`` with :func:`xml.etree.ElementTree.iterparse`
(clearing each element, the documented way to stream a large file), builds
pandas tables, resolves replies with merges (answer -> question owner, comment
-> post owner), builds a weighted :class:`networkx.DiGraph`, and computes
``nx.pagerank``, per-user ``nx.reciprocity``, in/out degrees and the median
time to first reply received per user; then writes ``users.csv``.

It prints one JSON line: seconds per phase and the peak resident memory
(``ru_maxrss``) of the process. It is deliberately plain, idiomatic code, not a
strawman: it keeps only the attributes it needs, and lets pandas and networkx
do the work.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pandas as pd


def read_rows(path: Path, fields: tuple[str, ...]) -> pd.DataFrame:
    """Every ``<row>`` of a dump file as a DataFrame of the given attributes."""
    records = []
    for _event, elem in ET.iterparse(path, events=("end",)):
        if elem.tag == "row":
            records.append({name: elem.get(name) for name in fields})
        elem.clear()
    return pd.DataFrame.from_records(records, columns=list(fields))


def run(folder: Path, out: Path) -> dict[str, float]:
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    posts = read_rows(
        folder / "Posts.xml", ("Id", "PostTypeId", "ParentId", "CreationDate", "OwnerUserId")
    )
    comments = read_rows(folder / "Comments.xml", ("Id", "PostId", "CreationDate", "UserId"))
    users = read_rows(folder / "Users.xml", ("Id", "DisplayName"))
    lap("read")

    posts["CreationDate"] = pd.to_datetime(posts["CreationDate"], utc=True)
    comments["CreationDate"] = pd.to_datetime(comments["CreationDate"], utc=True)
    owners = posts[["Id", "OwnerUserId", "CreationDate"]].rename(
        columns={"Id": "parent", "OwnerUserId": "target", "CreationDate": "parent_at"}
    )
    answers = posts.loc[posts["PostTypeId"] == "2", ["OwnerUserId", "ParentId", "CreationDate"]]
    answers = answers.rename(columns={"OwnerUserId": "source", "ParentId": "parent"})
    remarks = comments[["UserId", "PostId", "CreationDate"]].rename(
        columns={"UserId": "source", "PostId": "parent"}
    )
    replies = pd.concat([answers, remarks], ignore_index=True).merge(owners, on="parent")
    replies = replies.dropna(subset=["source", "target"])
    replies = replies.loc[replies["source"] != replies["target"]]
    edges = replies.groupby(["source", "target"]).size().rename("weight").reset_index()
    lap("build tables")

    graph = nx.DiGraph()
    graph.add_nodes_from(users["Id"])
    graph.add_weighted_edges_from(edges.itertuples(index=False, name=None))
    lap("graph")

    pagerank = nx.pagerank(graph, weight="weight")
    lap("pagerank")
    reciprocity = nx.reciprocity(graph, graph.nodes)
    lap("reciprocity")
    in_degree = dict(graph.in_degree())
    out_degree = dict(graph.out_degree())
    lap("degrees")
    first = replies.groupby(["parent", "target"])["CreationDate"].min().reset_index()
    first = first.merge(owners[["parent", "parent_at"]], on="parent")
    first["minutes"] = (first["CreationDate"] - first["parent_at"]).dt.total_seconds() / 60
    first_reply = first.groupby("target")["minutes"].median()
    lap("time to first reply")

    table = pd.DataFrame(
        {
            "pagerank": pd.Series(pagerank),
            "reciprocity": pd.Series(reciprocity),
            "in_degree": pd.Series(in_degree),
            "out_degree": pd.Series(out_degree),
        }
    )
    table["first_reply_minutes"] = first_reply
    table["display_name"] = users.set_index("Id")["DisplayName"]
    out.mkdir(parents=True, exist_ok=True)
    table.sort_values("pagerank", ascending=False).to_csv(out / "users.csv")
    lap("write")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--out", type=Path, default=Path("/tmp/influence-reference-out"))
    args = parser.parse_args()
    start = time.perf_counter()
    timings = run(args.folder, args.out)
    total = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"phases": timings, "seconds": round(total, 3), "peak_bytes": peak}))


if __name__ == "__main__":
    main()
