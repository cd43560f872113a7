"""The command line: outputs, exit codes and one-line errors, on real and broken dumps."""

import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from influence.analysis import USERS_COLUMNS
from influence.cli import main
from influence.sources import FORMATS

ROOT = Path(__file__).resolve().parents[1]
CARDANO = ROOT / "datasets" / "stackexchange-cardano-2021"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def cardano_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("cardano")
    result = run("analyze", CARDANO, "--out", out)
    assert result.exit_code == 0, result.output
    return out, result


def test_analyze_writes_every_output(cardano_out):
    out, _ = cardano_out
    assert sorted(p.name for p in out.iterdir()) == [
        "report.html",
        "summary.json",
        "users.csv",
        "users.parquet",
    ]
    users = pd.read_csv(out / "users.csv", dtype={"user_id": str})
    assert list(users.columns[: len(USERS_COLUMNS)]) == list(USERS_COLUMNS)
    parquet = pd.read_parquet(out / "users.parquet")
    assert list(parquet.columns) == list(users.columns)
    assert len(parquet) == len(users) == 3988
    assert users["user_id"].is_unique


def test_all_four_active_segments_are_present_with_reasons(cardano_out):
    out, _ = cardano_out
    users = pd.read_csv(out / "users.csv", dtype={"user_id": str}, keep_default_na=False)
    counts = users["segment"].value_counts()
    for segment in ("true_influencer", "listened_to", "talkative", "member", "inactive"):
        assert counts.get(segment, 0) > 0, segment
    labelled = users[users["segment"].isin(["true_influencer", "listened_to", "talkative"])]
    assert (labelled["reasons"].str.len() > 0).all()
    assert labelled["reasons"].str.match(r"^top \d+% ").all()
    # ranking: influence_score descending (NaN last), then user_id
    scores = pd.to_numeric(users["influence_score"].replace("", None))
    assert scores.dropna().is_monotonic_decreasing


def test_summary_counts_add_up(cardano_out):
    out, _ = cardano_out
    summary = json.loads((out / "summary.json").read_text())
    segments = summary["segments"]
    assert sum(segments.values()) == summary["counts"]["users"] == 3988
    for entry in summary["read_stats"]["entries"]:
        assert entry["read"] == entry["kept"] + sum(entry["dropped"].values())
    assert (
        summary["read_stats"]["dropped_by_reason"]["not_conversation"] == 93
    )  # 92 posts, 1 comment
    assert summary["parameters"]["top_share"] == 0.1
    assert set(summary["timings_seconds"]) >= {"read", "metrics", "classify", "write"}
    assert summary["versions"]["pandas"] == pd.__version__


def test_printed_summary_names_true_influencers(cardano_out):
    _, result = cardano_out
    assert re.search(
        r"Segments: true_influencer \d+, listened_to \d+, talkative \d+, "
        r"member \d+, inactive \d+",
        result.stdout,
    )
    assert "Top true influencers:\n  1. " in result.stdout
    assert "Wrote users.csv, users.parquet, summary.json, report.html" in result.stdout


def test_without_votes_scores_reputation_and_badges(tmp_path):
    stripped = tmp_path / "cardano"
    stripped.mkdir()
    for name in ("Posts.xml", "Comments.xml", "Users.xml", "PostLinks.xml", "Tags.xml"):
        text = (CARDANO / name).read_text(encoding="utf-8-sig")
        text = re.sub(r' (Score|Reputation)="[^"]*"', "", text)
        (stripped / name).write_text(text, encoding="utf-8")
    result = run("analyze", stripped, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert "feedback" not in summary["weights"]["listened_to"]
    notes = " ".join(summary["read_stats"]["notes"])
    assert "Votes.xml" in notes and "Badges.xml" in notes
    for segment in ("true_influencer", "listened_to", "talkative", "member"):
        assert summary["segments"][segment] > 0


def test_truncated_posts_is_one_line_error(tmp_path):
    broken = tmp_path / "site"
    shutil.copytree(CARDANO, broken)
    data = (broken / "Posts.xml").read_bytes()
    (broken / "Posts.xml").write_bytes(data[: len(data) // 2])
    result = run("analyze", broken, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert re.fullmatch(
        r"Error: Posts\.xml:\d+: XML must be well-formed \(got .*\)\n", result.stderr
    )
    assert "Traceback" not in result.output


def test_unknown_format_is_one_line_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    result = run("analyze", tmp_path, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path}: format must be one of {sorted(FORMATS)} "
        "(got none recognised); force one with --format NAME\n"
    )


def test_table_missing_column_is_one_line_error(tmp_path):
    table = tmp_path / "messages.csv"
    table.write_text("id,author,created\n1,ann,2024-01-01\n")
    result = run(
        "analyze", table, "--format", "table", "--map", "message_id=id", "--out", tmp_path / "out"
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {table}: table must have the columns")
    assert "missing ['author_id', 'created_at']" in result.stderr
    assert result.stderr.count("\n") == 1


def test_table_with_mapping_and_epoch_times(tmp_path):
    table = tmp_path / "messages.csv"
    rows = ["id,author,created_utc,parent"]
    # ann asks, bob and cat answer ann, ann answers both, dan replies to bob
    rows += [
        "1,ann,1700000000,",
        "2,bob,1700000060,1",
        "3,cat,1700000120,1",
        "4,ann,1700000180,2",
        "5,ann,1700000240,3",
        "6,dan,1700000300,2",
    ]
    table.write_text("\n".join(rows) + "\n")
    result = run(
        "analyze",
        table,
        "--format",
        "table",
        "--map",
        "message_id=id",
        "--map",
        "author_id=author",
        "--map",
        "created_at=created_utc",
        "--map",
        "parent_id=parent",
        "--min-messages",
        "1",
        "--out",
        tmp_path / "o",
    )
    assert result.exit_code == 0, result.output
    users = pd.read_csv(tmp_path / "o" / "users.csv", index_col="user_id")
    assert users.loc["ann", "messages"] == 3
    assert users.loc["ann", "out_reach"] == 2
    # bob's partners: ann (both ways) and dan (dan -> bob only)
    assert users.loc["bob", "reciprocity"] == 0.5
    assert users.loc["bob", "answered_back"] == 0.5


def test_bad_options_are_one_line_errors(tmp_path):
    result = run("analyze", CARDANO, "--weight", "loud.messages=2", "--out", tmp_path)
    assert result.exit_code == 2
    assert "must be talkative.METRIC=W or listened_to.METRIC=W (got 'loud.messages')" in (
        result.stderr
    )
    result = run("analyze", CARDANO, "--since", "yesterday-ish", "--out", tmp_path)
    assert result.exit_code == 2 and "must be a date (got 'yesterday-ish')" in result.stderr


def test_empty_window_is_an_error(tmp_path):
    result = run("analyze", CARDANO, "--since", "2030-01-01", "--out", tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: community must have at least one message in the window (got 0 of "
    )


def test_every_command_has_help_with_an_example_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    assert {"analyze", "superfans", "graph"} <= set(main.commands)
    for name, command in main.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0
        assert command.help and command.help.strip(), f"{name} lacks help"
        assert "Example" in result.stdout, name
        # an example is a real command line of this command
        assert re.search(rf"^\s+influence {name} \S", result.stdout, re.MULTILINE), name
        assert f"influence {name}" in readme, f"{name} is missing from the README"
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"{name} {param.opts} lacks help"


def test_the_help_test_catches_a_command_without_help_or_example():
    # the check above must be able to fail: a bare command has no help and no example
    import click

    @click.command()
    @click.option("--x")
    def bare(x):
        pass

    assert not bare.help
    result = CliRunner().invoke(bare, ["--help"])
    assert "Example" not in result.stdout
    assert not bare.params[0].help


def test_superfans_csv_on_stdout_matches_the_users_table(cardano_out):
    out, _ = cardano_out
    result = run("superfans", CARDANO, "--top", "3", "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "rank,user_id,display_name,profile_url,segment,influence_score,talkative_score,"
        "listened_to_score,messages,reasons,first_seen,last_seen"
    )
    assert len(lines) == 4
    fans = pd.read_csv(io.StringIO(result.stdout), dtype={"user_id": str})
    users = pd.read_csv(out / "users.csv", dtype={"user_id": str})
    leaders = users.loc[users["segment"] == "true_influencer", "user_id"].head(3)
    assert fans["user_id"].tolist() == leaders.tolist()
    assert fans["rank"].tolist() == [1, 2, 3]
    assert fans["first_seen"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    # the data goes to stdout alone: warnings are on stderr
    assert "Warning" not in result.stdout and "rows dropped" in result.stderr


def test_superfans_json_to_a_file(tmp_path):
    target = tmp_path / "experts.json"
    result = run(
        "superfans", CARDANO, "--segment", "listened_to", "--format", "json", "--out", target
    )
    assert result.exit_code == 0, result.output
    records = json.loads(target.read_text())
    assert records and {r["segment"] for r in records} == {"listened_to"}
    assert result.stdout == f"Wrote {len(records)} members (listened_to) to {target}\n"


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "parquet"])
def test_graph_command_writes_each_format(tmp_path, fmt):
    target = tmp_path / f"graph.{fmt}"
    result = run("graph", CARDANO, "--format", fmt, "--out", target, "-q")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    if fmt == "parquet":
        edges = pd.read_parquet(target)
        assert list(edges.columns) == ["source", "target", "weight", "kinds"]
        # cardano: 3,534 interactions kept (summary), every one in some edge's weight
        assert edges["weight"].sum() >= len(edges) > 0
    else:
        import networkx as nx

        graph = nx.read_gexf(target) if fmt == "gexf" else nx.read_graphml(target)
        assert graph.number_of_edges() > 0
        assert {d["segment"] for _, d in graph.nodes(data=True)} >= {"true_influencer"}


def test_graph_bad_input_is_one_line_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    result = run("graph", tmp_path, "--out", tmp_path / "g.gexf")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


def test_quiet_prints_only_warnings(tmp_path):
    result = run("analyze", CARDANO, "--out", tmp_path, "-q")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.startswith("Warning: 819 rows dropped")
    assert result.stderr.count("\n") == 1


def test_verbose_adds_details_on_stderr(tmp_path):
    result = run("analyze", CARDANO, "--out", tmp_path, "-v")
    assert result.exit_code == 0
    assert "Posts.xml / messages: read 2,630, kept 2,538 (not_conversation 92)" in result.stderr
    assert re.search(
        r"thresholds: talkative_score >= 0\.\d{3}, listened_to_score >= ", result.stderr
    )
    assert "timings: " in result.stderr
    assert "Top true influencers:" in result.stdout  # results stay on stdout


def test_quiet_and_verbose_exclude_each_other(tmp_path):
    result = run("analyze", CARDANO, "--out", tmp_path, "-q", "-v")
    assert result.exit_code == 2
    assert "--quiet and --verbose cannot be used together" in result.stderr


def test_progress_only_when_asked_or_on_a_terminal(tmp_path):
    # CliRunner's streams are not terminals: no progress by default
    result = run("analyze", CARDANO, "--out", tmp_path)
    assert "✓" not in result.stderr
    result = run("analyze", CARDANO, "--out", tmp_path, "--progress")
    assert result.exit_code == 0
    assert re.search(
        r"^✓ reading .*stackexchange-cardano-2021: [\d.]+ MB, [\d,]+ rows "
        r"\([\d.]+ [kMG]?B/s, [\d,]+ rows/s\) in [\d.]+ s$",
        result.stderr,
        re.MULTILINE,
    )
    assert re.search(r"^✓ scoring members: 3,988 members in ", result.stderr, re.MULTILINE)
    assert re.search(r"^✓ writing the outputs: 4 files in ", result.stderr, re.MULTILINE)
    assert "✓" not in result.stdout


def test_no_colour_off_a_terminal(tmp_path):
    result = run("analyze", CARDANO, "--out", tmp_path, "--progress")
    assert "\x1b[" not in result.stdout and "\x1b[" not in result.stderr


def test_colour_only_on_a_terminal_and_without_no_color(monkeypatch):
    from influence.cli._progress import use_colour

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(Tty()) is True
    assert use_colour(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_colour(Tty()) is False


def test_bad_every_is_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "out"
    result = run("analyze", CARDANO, "--every", "fortnightly", "--out", out)
    assert result.exit_code == 2
    assert "Invalid value for --every: every must be day, week, month, quarter, year" in (
        result.stderr
    )
    assert not out.exists()
