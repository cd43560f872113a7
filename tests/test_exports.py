"""Exports: superfan lists, the graph (GEXF, GraphML, Parquet), checked on the toy community."""

import io
import json

import networkx as nx
import pandas as pd
import pyarrow.parquet as pq
import pytest

from influence.analysis import run_analysis
from influence.errors import InfluenceError
from influence.graph import build_adjacency
from influence.report.exports import (
    SUPERFAN_COLUMNS,
    graph_edges,
    superfans_table,
    to_export_graph,
    write_graph,
    write_superfans,
)


@pytest.fixture
def analysis(toy_community):
    return run_analysis(toy_community)


def test_graph_edges_of_the_toy_community(toy_community):
    edges = graph_edges(toy_community).set_index(["source", "target"])
    # 27 interactions over 19 ordered pairs (conftest: "Derived interactions kept")
    assert len(edges) == 19
    # weights: 27 interactions of weight 1, but eve's kudos to cat weighs 2
    assert edges["weight"].sum() == 28.0
    # pairs with several kinds, sorted and comma-joined
    assert edges.loc[("eve", "bob")].tolist() == [2.0, "reply,share"]  # r4 + s1
    assert edges.loc[("dan", "cat")].tolist() == [2.0, "quote,reply"]  # r2 twice
    assert edges.loc[("ann", "bob")].tolist() == [2.0, "accept,reply"]  # c1 + accept of a1
    assert edges.loc[("bob", "ann")].tolist() == [2.0, "reply"]  # a1 and c2
    assert edges.loc[("eve", "cat")].tolist() == [2.0, "kudos"]  # one kudos of weight 2
    assert edges.loc[("cat", "dan")].tolist() == [1.0, "mention"]
    assert list(edges.index) == sorted(edges.index)


def test_graph_edges_agree_with_the_adjacency(toy_community):
    edges = graph_edges(toy_community)
    frame = build_adjacency(toy_community).to_frame()
    pd.testing.assert_frame_equal(
        edges[["source", "target", "weight"]].reset_index(drop=True),
        frame.reset_index(drop=True),
        check_dtype=False,
    )


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_graph_files_round_trip(analysis, tmp_path, fmt):
    path = write_graph(analysis, tmp_path / f"g.{fmt}", format=fmt)
    graph = nx.read_gexf(path) if fmt == "gexf" else nx.read_graphml(path)
    # gus is inactive and isolated: left out; the seven others are nodes
    assert sorted(graph.nodes) == ["ann", "bob", "cat", "dan", "eve", "fay", "hal"]
    assert graph.number_of_edges() == 19
    assert graph.edges["eve", "bob"]["weight"] == 2.0
    assert graph.edges["eve", "bob"]["kinds"] == "reply,share"
    segment = analysis.users.loc["bob", "segment"]
    assert graph.nodes["bob"]["segment"] == segment
    assert graph.nodes["bob"]["messages"] == 5.0  # a1, c2, p1, r3, c8
    if fmt == "gexf":
        assert graph.nodes["bob"]["label"] == "Bob"


def test_graph_parquet_schema(analysis, tmp_path):
    path = write_graph(analysis, tmp_path / "edges.parquet", format="parquet")
    schema = pq.read_schema(path)
    assert [(f.name, str(f.type)) for f in schema] == [
        ("source", "string"),
        ("target", "string"),
        ("weight", "double"),
        ("kinds", "string"),
    ]
    assert len(pd.read_parquet(path)) == 19


def test_export_graph_node_attributes_skip_missing(analysis):
    graph = to_export_graph(analysis)
    assert "profile_url" not in graph.nodes["ann"]  # the toy platform has no profile URLs
    assert "display_name" not in graph.nodes["dan"]  # dan has no profile
    assert graph.nodes["dan"]["label"] == "dan"


def test_superfans_table(analysis):
    table = superfans_table(analysis, segment="active")
    assert tuple(table.columns) == SUPERFAN_COLUMNS
    # seven active members (gus is inactive), in the users table's order
    assert table["user_id"].tolist() == [
        u for u in analysis.users.index if analysis.users.loc[u, "segment"] != "inactive"
    ]
    assert table["rank"].tolist() == list(range(1, 8))
    bob = table.set_index("user_id").loc["bob"]
    # bob wrote a1 (01-01 09:30) first and c8 (01-09 11:30) last
    assert bob["first_seen"] == pd.Timestamp("2024-01-01 09:30", tz="UTC")
    assert bob["last_seen"] == pd.Timestamp("2024-01-09 11:30", tz="UTC")
    assert bob["display_name"] == "Bob"
    assert pd.isna(bob["profile_url"])
    assert len(superfans_table(analysis, segment="active", top=2)) == 2
    segments = set(analysis.users["segment"].astype(str))
    for segment in ("true_influencer", "listened_to", "talkative"):
        chosen = superfans_table(analysis, segment=segment)
        assert set(chosen["segment"]) <= {segment}
        assert len(chosen) == int((analysis.users["segment"] == segment).sum())
    assert "inactive" in segments


def test_superfans_bad_arguments(analysis):
    with pytest.raises(ValueError, match=r"segment must be one of .* \(got 'fans'\)"):
        superfans_table(analysis, segment="fans")
    with pytest.raises(ValueError, match=r"top must be >= 0 \(got -1\)"):
        superfans_table(analysis, top=-1)
    with pytest.raises(ValueError, match=r"format must be one of \['csv', 'json'\] \(got 'xml'\)"):
        write_superfans(superfans_table(analysis), io.StringIO(), format="xml")
    with pytest.raises(ValueError, match=r"format must be one of .* \(got 'dot'\)"):
        write_graph(analysis, "x.dot", format="dot")


def test_superfans_csv_and_json_agree(analysis, tmp_path):
    table = superfans_table(analysis, segment="active")
    write_superfans(table, tmp_path / "f.csv", format="csv")
    write_superfans(table, tmp_path / "f.json", format="json")
    csv = pd.read_csv(tmp_path / "f.csv", dtype={"user_id": str}, keep_default_na=False)
    records = json.loads((tmp_path / "f.json").read_text())
    assert list(csv.columns) == list(SUPERFAN_COLUMNS) == list(records[0])
    assert csv["user_id"].tolist() == [r["user_id"] for r in records]
    bob = next(r for r in records if r["user_id"] == "bob")
    assert bob["first_seen"] == "2024-01-01T09:30:00Z"
    assert bob["profile_url"] is None
    assert csv.set_index("user_id").loc["bob", "first_seen"] == "2024-01-01T09:30:00Z"


def test_unwritable_exports_are_influence_errors(analysis, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InfluenceError, match="superfans file must be writable"):
        write_superfans(superfans_table(analysis), blocker / "f.csv")
    with pytest.raises(InfluenceError, match="graph file must be writable"):
        write_graph(analysis, blocker / "g.gexf")
