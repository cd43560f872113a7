"""Stack Exchange messages carry sentiment, scored while the dump is scanned.

A post's text is its title and its HTML body with the tags stripped, a
comment's its text; both are scored by the same machinery as every other
reader (:func:`influence.sentiment.score_sentiment`), block by block in the
one-process read and inside the workers of the byte-range read, which must
give the same columns.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import influence.sources.stackexchange as se

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
HEAD = '<?xml version="1.0" encoding="utf-8"?>\r\n'
POSTS = (
    HEAD + "<posts>\r\n"
    '  <row Id="1" PostTypeId="1" CreationDate="2021-01-01T10:00:00.000" Score="3" '
    'OwnerUserId="10" Title="Great library" Tags="&lt;lib&gt;" Body="&lt;p&gt;I love this '
    'library, it is &lt;b&gt;excellent&lt;/b&gt; and wonderful.&lt;/p&gt;&#xA;" />\r\n'
    '  <row Id="2" PostTypeId="2" ParentId="1" CreationDate="2021-01-01T11:00:00.000" '
    'Score="1" OwnerUserId="20" Body="&lt;p&gt;This is terrible, awful and broken. '
    'I hate it.&lt;/p&gt;" />\r\n'
    '  <row Id="3" PostTypeId="1" CreationDate="2021-01-02T10:00:00.000" Score="2" '
    'OwnerUserId="30" Title="Version g\u00e9niale" Tags="&lt;lib&gt;" Body="&lt;p&gt;J&apos;adore '
    'cette version, elle est excellente et magnifique.&lt;/p&gt;" />\r\n'
    '  <row Id="4" PostTypeId="2" ParentId="3" CreationDate="2021-01-02T11:00:00.000" '
    'Score="0" OwnerUserId="10" Body="&lt;p&gt;C&apos;est nul et horrible, je d&#xE9;teste '
    'cette version.&lt;/p&gt;" />\r\n'
    '  <row Id="5" PostTypeId="1" CreationDate="2021-01-03T10:00:00.000" Score="0" '
    'OwnerUserId="20" Title="Does the Widget support exports?" Tags="&lt;lib&gt;" '
    'Body="&lt;p&gt;I wonder whether the widget can export to CSV.&lt;/p&gt;" />\r\n'
    "</posts>\r\n"
)
COMMENTS = (
    HEAD + "<comments>\r\n"
    '  <row Id="1" PostId="2" Score="0" Text="Thanks, this is really helpful and great!" '
    'CreationDate="2021-01-01T12:00:00.000" UserId="10" />\r\n'
    '  <row Id="2" PostId="1" Score="0" Text="@ann This answer is wrong and bad." '
    'CreationDate="2021-01-01T13:00:00.000" UserId="20" />\r\n'
    '  <row Id="3" PostId="4" Score="0" Text="Merci, super r\u00e9ponse, tr\u00e8s utile !" '
    'CreationDate="2021-01-02T12:00:00.000" UserId="30" />\r\n'
    "</comments>\r\n"
)
USERS = (
    HEAD + "<users>\r\n"
    '  <row Id="10" DisplayName="ann" CreationDate="2020-01-01T00:00:00.000" Reputation="5" />\r\n'
    '  <row Id="20" DisplayName="bob" CreationDate="2020-01-01T00:00:00.000" Reputation="5" />\r\n'
    '  <row Id="30" DisplayName="cy" CreationDate="2020-01-01T00:00:00.000" Reputation="5" />\r\n'
    "</users>\r\n"
)


@pytest.fixture
def dump(tmp_path) -> Path:
    for name, text in (("Posts", POSTS), ("Comments", COMMENTS), ("Users", USERS)):
        (tmp_path / f"{name}.xml").write_bytes(text.encode("utf-8"))
    return tmp_path


def _scored(messages: pd.DataFrame) -> pd.DataFrame:
    return messages.set_index("message_id")[["sentiment", "language", "brand_mention"]]


def test_posts_and_comments_get_sentiment_signs_and_languages(dump):
    community = se.read_stackexchange(dump, brand="widget")
    scored = _scored(community.messages)
    # expected by hand from the texts: praise positive, complaints negative
    sign = np.sign(scored["sentiment"]).astype(int).to_dict()
    assert sign == {"1": 1, "2": -1, "3": 1, "4": -1, "5": 1, "c1": 1, "c2": -1, "c3": 1}
    assert scored["language"].to_dict() == {
        "1": "en",
        "2": "en",
        "3": "fr",
        "4": "fr",
        "5": "en",
        "c1": "en",
        "c2": "en",
        "c3": "fr",
    }
    # "Widget" in the title, "widget" in the body: whole words, any case
    mentions = scored["brand_mention"].to_dict()
    assert mentions == {name: name == "5" for name in sign}
    assert not any("intimacy" in note for note in community.read_stats.notes)
    # the texts themselves are not kept
    assert "text" not in community.messages.columns
    assert not any(c.startswith("text:") for c in community.messages.columns)


def test_post_text_is_title_and_body_without_tags(dump):
    from influence.sentiment import score_sentiment

    community = se.read_stackexchange(dump)
    expected = score_sentiment(
        pd.Series(["Great library\nI love this library, it is excellent and wonderful."])
    )
    got = community.messages.set_index("message_id").loc["1", "sentiment"]
    assert got == pytest.approx(expected["sentiment"].iloc[0], abs=1e-12)
    # without keywords brand_mention is missing
    assert community.messages["brand_mention"].isna().all()


def _parallel(monkeypatch, path: Path, **options):
    with monkeypatch.context() as patch:
        patch.setattr(se, "PARALLEL_MIN_BYTES", 0)
        patch.setattr(se, "RANGE_BYTES", 700)
        patch.setattr(se.os, "cpu_count", lambda: 2)
        patch.setattr(se.threading, "active_count", lambda: 1)
        return se.read_stackexchange(path, **options)


@pytest.mark.parametrize("where", ["fixture", "stackexchange-conlang-meta-2020"])
def test_parallel_one_process_and_expat_give_the_same_sentiment(dump, where, monkeypatch):
    path = dump if where == "fixture" else DATASETS / where
    one = se.read_stackexchange(path, brand=["conlang", "widget"])
    both = _parallel(monkeypatch, path, brand=["conlang", "widget"])
    pd.testing.assert_frame_equal(_scored(both.messages), _scored(one.messages))
    monkeypatch.setattr(se, "FAST", False)
    expat = se.read_stackexchange(path, brand=["conlang", "widget"])
    pd.testing.assert_frame_equal(_scored(expat.messages), _scored(one.messages))
    assert one.messages["sentiment"].notna().sum() > 0.9 * len(one.messages)


def test_scoring_happens_in_the_workers(dump, monkeypatch):
    # the workers return sentiment columns, never the texts
    returned = []
    join = se.scan_rows_parallel

    def spy(*args, **kwargs):
        columns = join(*args, **kwargs)
        returned.append(set(columns))
        return columns

    monkeypatch.setattr(se, "scan_rows_parallel", spy)
    _parallel(monkeypatch, dump)
    assert len(returned) == 3  # Posts, Comments, Users
    for names in returned[:2]:
        assert {"sentiment", "language", "brand_mention"} <= names
        assert not any(name.startswith("text:") for name in names)


def test_without_the_packages_a_note_says_so(dump, monkeypatch):
    import influence.sentiment

    monkeypatch.setattr(influence.sentiment, "missing_packages", lambda: ["py3langid"])
    community = se.read_stackexchange(dump)
    assert "sentiment" not in community.messages.columns
    assert any("py3langid" in note for note in community.read_stats.notes)
