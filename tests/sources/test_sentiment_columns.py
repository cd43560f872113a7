"""Readers score message texts into sentiment columns; analyze() turns them into intimacy.

Fixtures are written here by hand. Expected values are worked out by hand from
VADER's compound score ``s / sqrt(s**2 + 15)``, ``s`` the sum of the lexicon
valences of the words (:func:`influence.sentiment.score_sentiment`):

* "I love this Widget, it is great": love 3.2 + great 3.1 (VADER's lexicon) = 6.3
  -> 6.3 / sqrt(6.3**2 + 15) = 0.8519, positive, English;
* "Je déteste ce widget, il est nul": déteste -3.0 (FRENCH_SUPPLEMENT) + nul -0.8
  (Pattern's -0.2 times 4) = -3.8 -> -3.8 / sqrt(3.8**2 + 15) = -0.7003, negative, French.
"""

from __future__ import annotations

import json
import math
import zipfile

import pandas as pd
import pytest
from click.testing import CliRunner

import influence
from influence.cli import main
from influence.sources._common import SENTIMENT_COLUMNS

ENGLISH = "I love this Widget, it is great"
FRENCH = "Je déteste ce widget, il est nul"
ENGLISH_SCORE = 6.3 / math.sqrt(6.3**2 + 15)
FRENCH_SCORE = -3.8 / math.sqrt(3.8**2 + 15)
MIN_ONE = influence.ClassifyOptions(min_messages=1)


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "posts.csv"
    frame = pd.DataFrame(
        {
            "message_id": ["1", "2", "3"],
            "author_id": ["ann", "bob", "cat"],
            "created_at": ["2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z", "2024-01-01T12:00:00Z"],
            "parent_id": ["", "1", "1"],
            "text": [ENGLISH, FRENCH, ""],
        }
    )
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def discord(tmp_path):
    """A DiscordChatExporter file: ann posts in English, bob replies in French."""
    person = {"discriminator": "0000", "nickname": None, "isBot": False}
    messages = [
        {"id": "10", "type": "Default", "timestamp": "2024-03-01T10:00:00+00:00",
         "content": ENGLISH, "author": {"id": "1", "name": "ann", **person},
         "reactions": [], "mentions": []},
        {"id": "11", "type": "Reply", "timestamp": "2024-03-01T11:00:00+00:00",
         "content": FRENCH, "author": {"id": "2", "name": "bob", **person},
         "reactions": [], "mentions": [], "reference": {"messageId": "10"}},
    ]  # fmt: skip
    export = {"guild": {"id": "9", "name": "G"}, "channel": {"id": "8", "name": "general"},
              "messages": messages}  # fmt: skip
    path = tmp_path / "general.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    return path


def _check_messages(messages: pd.DataFrame, first: str, second: str) -> None:
    assert "text" not in messages.columns  # the canonical table never keeps the texts
    by_id = messages.set_index("message_id")
    assert by_id.loc[first, "sentiment"] == pytest.approx(ENGLISH_SCORE, abs=1e-4)
    assert by_id.loc[second, "sentiment"] == pytest.approx(FRENCH_SCORE, abs=1e-4)
    assert (by_id.loc[first, "language"], by_id.loc[second, "language"]) == ("en", "fr")
    # "Widget" and "widget" are the keyword, whole word, any case
    assert bool(by_id.loc[first, "brand_mention"]) and bool(by_id.loc[second, "brand_mention"])


def test_table_messages_carry_sentiment(table):
    community = influence.read(table, brand=["widget"])
    _check_messages(community.messages, "1", "2")
    # an empty text has no language and no sentiment
    third = community.messages.set_index("message_id").loc["3"]
    assert pd.isna(third["sentiment"]) and pd.isna(third["language"])


def test_discord_messages_carry_sentiment(discord):
    community = influence.read(discord, brand=["widget"])
    _check_messages(community.messages, "10", "11")


@pytest.mark.parametrize("fixture", ["table", "discord"])
def test_intimacy_from_reader_sentiment(fixture, request):
    path = request.getfixturevalue(fixture)
    users = influence.analyze(path, options=MIN_ONE, brand=["widget"])
    ann = users.loc[users["display_name"].fillna(users.index.to_series()).eq("ann")].iloc[0]
    bob = users.loc[users["display_name"].fillna(users.index.to_series()).eq("bob")].iloc[0]
    # one message each: intimacy is that message's sentiment (the brand weight cancels)
    assert ann["intimacy"] == pytest.approx(ENGLISH_SCORE, abs=1e-4)
    assert bob["intimacy"] == pytest.approx(FRENCH_SCORE, abs=1e-4)
    assert ann["brand_messages"] == 1 and bob["brand_messages"] == 1


def test_brand_as_one_string_is_one_keyword(table):
    # "widget" as a string is one keyword, not the letters w, i, d, ...
    messages = influence.read(table, brand="widget").messages
    assert messages["brand_mention"].tolist()[:2] == [True, True]


def test_without_brand_the_mention_is_missing(table):
    messages = influence.read(table).messages
    assert messages["brand_mention"].isna().all()
    assert messages["sentiment"].notna().sum() == 2


def test_archive_passes_brand_through(table, tmp_path):
    zipped = tmp_path / "export.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(table, "posts.csv")
    _check_messages(influence.read(zipped, brand=["widget"]).messages, "1", "2")


def test_missing_packages_leave_the_columns_out_with_a_note(table, monkeypatch):
    import influence.sentiment

    monkeypatch.setattr(influence.sentiment, "missing_packages", lambda: ["py3langid"])
    community = influence.read(table, brand=["widget"])
    assert not set(SENTIMENT_COLUMNS) & set(community.messages.columns)
    assert "text" not in community.messages.columns
    assert any("py3langid" in note for note in community.read_stats.notes)
    users = influence.analyze(community, options=MIN_ONE)
    assert users["intimacy"].isna().all()  # said in parameters["engagement"]["notes"]


def test_a_given_sentiment_column_is_kept(tmp_path):
    path = tmp_path / "scored.csv"
    pd.DataFrame(
        {"message_id": ["1"], "author_id": ["ann"], "created_at": ["2024-01-01"],
         "text": [ENGLISH], "sentiment": [-0.5]}
    ).to_csv(path, index=False)  # fmt: skip
    messages = influence.read(path).messages
    # kept as read (the table reader keeps extra columns as the file's strings)
    assert pd.to_numeric(messages["sentiment"]).tolist() == [-0.5]
    assert "language" not in messages.columns and "text" not in messages.columns


def test_cli_adds_the_four_is_once_with_brand(table, tmp_path):
    out = tmp_path / "out"
    args = ["analyze", table, "--out", out, "--min-messages", "1", "--brand", "widget", "-q"]
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    users = pd.read_csv(out / "users.csv", index_col="user_id")
    assert users.loc["ann", "intimacy"] == pytest.approx(ENGLISH_SCORE, abs=1e-3)
    assert users.loc["bob", "intimacy"] == pytest.approx(FRENCH_SCORE, abs=1e-3)
    assert list(users.columns).count("intimacy") == 1
    summary = json.loads((out / "summary.json").read_text())
    assert "widget" in json.dumps(summary)
