"""Validation against the ground truth: measures, no leakage, the command, the shipped figures."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from influence.cli import main
from influence.community import ReadStats
from influence.errors import SchemaError
from influence.sources import read
from influence.sources._common import assemble
from influence.validate import (
    GROUND_TRUTH_USER_COLUMNS,
    agreement,
    calibrate_weights,
    ground_truth,
    precision_at_k,
    strip_ground_truth,
    validate,
    vote_recipe,
)

ROOT = Path(__file__).resolve().parents[1]
CARDANO = ROOT / "datasets" / "stackexchange-cardano-2021"
META = ROOT / "datasets" / "stackexchange-conlang-meta-2020"


@pytest.fixture(scope="module")
def cardano():
    return read(CARDANO)


@pytest.fixture(scope="module")
def cardano_result(cardano):
    return validate(cardano)


# ---------------------------------------------------------------- measures by hand


def test_agreement_by_hand():
    # scores a>b>c>d (ranks 4,3,2,1); truth b>c>a>d (ranks a2 b4 c3 d1).
    # d = (2, -1, -1, 0), sum d^2 = 6: rho = 1 - 6*6 / (4*(16-1)) = 1 - 36/60 = 0.4.
    # Pairs: ab, ac discordant; ad, bc, bd, cd concordant: tau = (4-2)/6 = 1/3.
    # Top 2 by score {a, b}, by truth {b, c}: precision@2 = 1/2.
    idx = pd.Index(["a", "b", "c", "d"])
    out = agreement(pd.Series([4.0, 3, 2, 1], idx), pd.Series([1.0, 9, 8, 0], idx), k=(2, 4))
    assert out["spearman"] == pytest.approx(0.4)
    assert out["kendall"] == pytest.approx(1 / 3)
    assert out["precision_at_2"] == 0.5
    assert out["precision_at_4"] == 1.0


def test_precision_ties_break_by_user_id():
    # scores tie pairwise: top 2 by score = {a, b} (ids ascending), by truth {c, d}
    # (truth 5 and 5: c before d; b and a after); intersection empty.
    idx = pd.Index(["d", "c", "b", "a"])
    scores = pd.Series([0.0, 0.0, 1.0, 1.0], idx)
    truth = pd.Series([5.0, 5.0, 1.0, 1.0], idx)
    assert precision_at_k(scores, truth, 2) == 0.0
    # a missing score ranks lowest: top 1 is b
    assert (
        precision_at_k(pd.Series([np.nan, 1.0], ["a", "b"]), pd.Series([0.0, 1.0], ["a", "b"]), 1)
        == 1.0
    )
    assert np.isnan(precision_at_k(scores, truth, 5))


def test_constant_scores_have_no_correlation():
    idx = pd.Index(["a", "b", "c"])
    out = agreement(pd.Series(1.0, idx), pd.Series([1.0, 2, 3], idx), k=1)
    assert np.isnan(out["spearman"]) and np.isnan(out["kendall"])


def test_bad_arguments_are_refused(cardano):
    with pytest.raises(
        ValueError, match=r"against must be one of \('reputation', 'score'\) \(got 'votes'\)"
    ):
        strip_ground_truth(cardano, against="votes")
    with pytest.raises(ValueError, match=r"k must be positive integers \(got \(0,\)\)"):
        validate(cardano, k=(0,))


# ---------------------------------------------------------------- no leakage


def _assert_only_removed(before, after):
    # messages: same rows and columns, every column but score identical; score all missing
    assert list(after.messages.columns) == list(before.messages.columns)
    assert after.messages["score"].isna().all()
    pd.testing.assert_frame_equal(
        after.messages.drop(columns="score"), before.messages.drop(columns="score")
    )
    # interactions: exactly the non-vote rows, unchanged
    keep = before.interactions["kind"].astype(str) != "kudos"
    pd.testing.assert_frame_equal(after.interactions, before.interactions.loc[keep.to_numpy()])
    assert not (after.interactions["kind"].astype(str) == "kudos").any()
    # users: same rows, every column but the ground-truth ones identical
    removed = [c for c in GROUND_TRUTH_USER_COLUMNS if c in before.users.columns]
    pd.testing.assert_frame_equal(after.users, before.users.drop(columns=removed))
    assert not set(GROUND_TRUTH_USER_COLUMNS) & set(after.users.columns)


def test_strip_removes_only_ground_truth_fields_on_cardano(cardano):
    messages = cardano.messages.copy()
    stripped = strip_ground_truth(cardano)
    _assert_only_removed(cardano, stripped)
    # what the dump carries is really gone: 267 kudos rows, scores, 8 user columns
    assert (cardano.interactions["kind"].astype(str) == "kudos").sum() == 267
    assert len(cardano.interactions) - len(stripped.interactions) == 267
    assert cardano.messages["score"].notna().all()
    assert len(stripped.users.columns) == len(cardano.users.columns) - 8
    # the input is not modified
    pd.testing.assert_frame_equal(cardano.messages, messages)
    assert stripped.user_ids.equals(cardano.user_ids)


def test_strip_removes_only_ground_truth_fields_on_toy(toy_community):
    _assert_only_removed(toy_community, strip_ground_truth(toy_community, against="score"))


def test_scores_do_not_depend_on_the_ground_truth(cardano):
    # Scrambling every removed field before stripping changes nothing in the result.
    rng = np.random.default_rng(0)
    users = cardano.users.copy()
    users["site_reputation"] = rng.permutation(users["site_reputation"].to_numpy())
    users["views"] = 0.0
    messages = cardano.messages.copy()
    messages["score"] = rng.normal(size=len(messages))
    interactions = cardano.interactions.loc[cardano.interactions["kind"].astype(str) != "kudos"]
    from dataclasses import replace

    scrambled = replace(cardano, users=users, messages=messages, interactions=interactions)
    a = strip_ground_truth(cardano)
    b = strip_ground_truth(scrambled)
    pd.testing.assert_frame_equal(a.messages, b.messages)
    pd.testing.assert_frame_equal(a.interactions, b.interactions)
    pd.testing.assert_frame_equal(a.users, b.users)


# ---------------------------------------------------------------- ground truth


def test_ground_truth_score_sums_message_scores(toy_community):
    # toy scores (conftest): ann q1 5; bob a1 10 + p1 2 = 12; cat a2 3 + a4 0 = 3;
    # dan c3 1 + a3 4 = 5; eve q2 2; fay p2 1; hal p3 1; gus none = 0.
    truth = ground_truth(toy_community, against="score")
    assert truth.to_dict() == {
        "ann": 5.0, "bob": 12.0, "cat": 3.0, "dan": 5.0,
        "eve": 2.0, "fay": 1.0, "gus": 0.0, "hal": 1.0,
    }  # fmt: skip


def test_ground_truth_reputation_missing_is_a_schema_error(toy_community):
    with pytest.raises(SchemaError, match="users must have a site_reputation or reputation column"):
        ground_truth(toy_community)


def test_ground_truth_score_missing_is_a_schema_error():
    msgs = pd.DataFrame({"message_id": ["1"], "author_id": ["a"], "thread_id": "1",
        "parent_id": [None], "kind": "post", "text_length": 1,
        "created_at": pd.to_datetime(["2024-01-01"], utc=True)})  # fmt: skip
    community = assemble(msgs, stats=ReadStats(), platform="t", name="t")
    with pytest.raises(
        SchemaError, match=r"messages must have a score to validate against score \(got none\)"
    ):
        ground_truth(community, against="score")


def test_validate_against_score_on_toy(toy_community):
    result = validate(toy_community, against="score", k=(2, 3))
    # active users: ann, bob, cat, dan, eve, fay, hal (gus has no message)
    assert result.users == 7
    assert result.excluded == {"inactive": 1, "no_ground_truth": 0}
    assert list(result.table.columns) == [
        "group", "spearman", "kendall", "precision_at_2", "precision_at_3",
    ]  # fmt: skip
    assert "ceiling" not in set(result.table["group"])  # the truth is the votes themselves
    # post count (conftest table; r6, r9 and c4 count: authored messages count even when
    # their reply is dropped): ann 4 (q1 c1 c4 c6), bob 5 (a1 c2 p1 r3 c8), cat 4 (a2 r1 r6
    # a4), dan 5 (c3 r2 r9 a3 c7), eve 4, fay 2, hal 2. Top 2 by count: bob, dan (5, ids
    # ascending); by truth: bob 12, then ann and dan tie at 5 -> ann. Overlap {bob}: 1/2.
    assert result.row("post count")["precision_at_2"] == 0.5


# ---------------------------------------------------------------- the shipped data


def test_cardano_table_has_every_row(cardano_result):
    rows = set(cardano_result.table.index)
    assert {"listened_to_score", "talkative_score", "influence_score"} <= rows
    assert {
        "post count", "in-degree", "out-degree", "pagerank (plain)", "pagerank (networkx)",
        "z-score", "accepted answers", "listened_to_score (all credit to target)",
        "vote recipe (sees the votes)",
    } <= rows  # fmt: skip
    assert cardano_result.users == 762
    assert cardano_result.excluded == {"inactive": 3226, "no_ground_truth": 0}


def test_cardano_baselines_match_the_issue(cardano_result):
    # The issue: best simple baselines about 0.57 Spearman (post count) and
    # 0.64 precision@25 (accepted answers).
    table = cardano_result.table
    assert table.loc["post count", "spearman"] == pytest.approx(0.568, abs=0.005)
    assert table.loc["accepted answers", "precision_at_25"] == pytest.approx(0.64)
    # our PageRank is networkx's
    assert table.loc["pagerank (plain)", "spearman"] == pytest.approx(
        table.loc["pagerank (networkx)", "spearman"], abs=1e-3
    )


def test_cardano_listened_to_regression_floor(cardano_result):
    # Figures recorded in docs/validation.md; a drop below them fails here.
    # (0.564 and 0.68 since the log-scale aggregation; 0.546 and 0.56 with percentile ranks)
    row = cardano_result.row("listened_to_score")
    assert row["spearman"] >= 0.56
    assert row["precision_at_25"] >= 0.68


@pytest.mark.xfail(
    strict=True,
    reason="issue 6 targets not reached by the current model; see docs/validation.md",
)
def test_cardano_listened_to_meets_the_issue_targets(cardano_result):
    row = cardano_result.row("listened_to_score")
    assert row["spearman"] >= 0.65
    assert row["precision_at_25"] >= 0.75


def test_vote_recipe_by_hand():
    # ann asks q (score 2) and accepts bob's answer a (score 3); cat answers b (score -1)
    # and comments c (score 5: comments earn nothing). ann 10*2 + 2 = 22; bob 10*3 + 15
    # = 45; cat 10*(-1) = -10; dan has no post.
    msgs = pd.DataFrame({"message_id": ["q", "a", "b", "c"],
        "author_id": ["ann", "bob", "cat", "cat"], "thread_id": "q",
        "parent_id": [None, "q", "q", "a"], "kind": ["question", "answer", "answer", "comment"],
        "score": [2.0, 3.0, -1.0, 5.0], "text_length": 1,
        "created_at": pd.to_datetime(["2024-01-01"] * 4, utc=True)})  # fmt: skip
    links = pd.DataFrame({"kind": ["accept"], "source": ["ann"], "target_message_id": ["a"],
        "created_at": pd.to_datetime(["2024-01-02"], utc=True), "message_id": ["a"]})  # fmt: skip
    users = pd.DataFrame({"user_id": ["dan"], "display_name": ["Dan"],
        "created_at": pd.to_datetime([None], utc=True)})  # fmt: skip
    community = assemble(msgs, links=links, users=users, stats=ReadStats(), platform="t", name="t")
    assert vote_recipe(community).to_dict() == {"ann": 22.0, "bob": 45.0, "cat": -10.0, "dan": 0.0}


def test_vote_recipe_ceiling_on_the_shipped_data(cardano_result):
    # A score that knew every vote (but not the +100 association bonus that about 240 of
    # the 762 active users carry, nor edits) reaches 0.765 / 0.96 on cardano: the ceiling
    # the 0.65 target sits under. On meta it is 0.274, below listened_to_score (0.324):
    # meta reputation is the parent site's, not earned by the activity in the dump.
    row = cardano_result.row("vote recipe (sees the votes)")
    assert row["group"] == "ceiling"
    assert row["spearman"] == pytest.approx(0.765, abs=0.001)
    assert row["precision_at_25"] == pytest.approx(0.96)
    meta = validate(META)
    assert meta.row("vote recipe (sees the votes)")["spearman"] == pytest.approx(0.274, abs=0.001)
    assert meta.table.index[-1] == "vote recipe (sees the votes)"


def test_calibration_grid_is_ranked(cardano):
    table = calibrate_weights([cardano], metrics=("reputation", "in_reach"), grid=(0.0, 1.0))
    # (1, 0), (0, 1), (1, 1): three vectors, best objective first
    assert len(table) == 3
    assert table["objective"].is_monotonic_decreasing
    assert table["objective"].iloc[0] == pytest.approx(
        (table["spearman"].iloc[0] + table["precision_at_25"].iloc[0]) / 2
    )
    # the (0, 1) vector is in_reach alone: its Spearman is the validation's
    alone = table[(table["reputation"] == 0) & (table["in_reach"] == 1)].iloc[0]
    assert alone["spearman"] == pytest.approx(0.530, abs=0.005)


# ---------------------------------------------------------------- command line


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_cli_prints_the_table_and_writes_json(tmp_path):
    out = tmp_path / "v.json"
    result = run("validate", META, "--json", out)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "stackexchange-conlang-meta-2020: 65 active users compared against reputation "
        "(207 inactive and 0 without a reputation left out)"
    )
    assert lines[1].startswith("Removed before scoring: messages: score; interactions: kind=kudos")
    assert lines[2].split() == ["score", "group", "spearman", "kendall", "p@10", "p@25", "p@50"]
    post = next(line for line in lines if line.startswith("post count "))
    assert post.split()[2:] == ["baseline", "0.411", "0.323", "0.60", "0.60", "0.80"]
    assert lines[-1] == f"Wrote {out}"
    data = json.loads(out.read_text())
    assert data["users"] == 65 and data["against"] == "reputation" and data["k"] == [10, 25, 50]
    rows = {row["score"]: row for row in data["rows"]}
    assert rows["post count"]["group"] == "baseline"
    assert rows["post count"]["spearman"] == pytest.approx(0.411, abs=5e-4)
    assert set(rows["listened_to_score"]) == {
        "score", "group", "spearman", "kendall",
        "precision_at_10", "precision_at_25", "precision_at_50",
    }  # fmt: skip


def test_cli_k_option(tmp_path):
    result = run("validate", META, "-k", "5", "--against", "score")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[2].split()[-1] == "p@5"


def test_cli_errors_are_one_line(tmp_path):
    table = tmp_path / "m.csv"
    table.write_text("message_id,author_id,created_at\n1,a,2024-01-01\n")
    result = run("validate", table)
    assert result.exit_code == 1
    assert result.output.startswith("Error: users must have a site_reputation or reputation column")
    assert "Traceback" not in result.output
    result = run("validate", META, "--against", "votes")
    assert result.exit_code == 2 and "Invalid value for '--against'" in result.output
