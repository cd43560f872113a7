"""Sentiment and language of message texts (influence.sentiment).

The fixtures in tests/data/sentiment/ are sentences written for these tests, each
with the sign a reader would give it (+1 positive, -1 negative).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from influence.errors import InfluenceError
from influence.sentiment import (
    brand_mentions,
    detect_language,
    load_lexicon,
    missing_packages,
    score_sentiment,
)

DATA = Path(__file__).parent / "data" / "sentiment"


def _fixture(language: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{language}.tsv", sep="\t")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_fixture_signs_and_languages(language):
    table = _fixture(language)
    scored = score_sentiment(table["text"])
    assert scored["language"].tolist() == [language] * len(table)
    assert np.sign(scored["sentiment"]).astype(int).tolist() == table["expected"].tolist()


def test_english_signs_agree_with_vader_itself():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    table = _fixture("en")
    ours = score_sentiment(table["text"], language="en")["sentiment"]
    theirs = [SentimentIntensityAnalyzer().polarity_scores(t)["compound"] for t in table["text"]]
    assert np.sign(ours).tolist() == np.sign(theirs).tolist()


def test_compound_by_hand():
    # "good" 1.9 in VADER: 1.9 / sqrt(1.9**2 + 15) = 1.9 / 4.3139 = 0.4404
    # "very good": booster adds 0.293 -> 2.193 / sqrt(2.193**2 + 15) = 0.4927
    # "not good": negation -> -0.74 * 1.9 = -1.406 -> -0.3412
    # "good but bad": 0.5 * 1.9 + 1.5 * -2.5 = -2.8 -> -2.8 / sqrt(7.84 + 15) = -0.5859
    # "bon" in Pattern 0.70 * 4 = 2.8; "pas bon" -> -2.072 -> -0.4717
    texts = pd.Series(["good", "very good", "not good", "good but bad", "pas bon"])
    scored = score_sentiment(texts.iloc[:4], language="en")["sentiment"]
    assert scored.round(4).tolist() == [0.4404, 0.4927, -0.3412, -0.5859]
    french = score_sentiment(texts.iloc[4:], language="fr")["sentiment"]
    assert round(float(french.iloc[0]), 4) == -0.4717


def test_french_ne_pas_is_one_negation():
    # "n'est pas bon": "n" and "pas" both precede "bon", which is negated once
    once = score_sentiment(pd.Series(["ce n'est pas bon"]), language="fr")["sentiment"]
    assert once.iloc[0] < 0


def test_neutral_empty_and_unsupported():
    texts = pd.Series(["the table has four legs", "", None, "Hola, ¿cómo estás? Muy bien gracias"])
    scored = score_sentiment(texts)
    assert scored["sentiment"].iloc[0] == 0.0  # no lexicon word: neutral
    assert math.isnan(scored["sentiment"].iloc[1]) and math.isnan(scored["sentiment"].iloc[2])
    assert scored["language"].iloc[3] == "es" and math.isnan(scored["sentiment"].iloc[3])
    assert scored["language"].isna().tolist() == [False, True, True, False]


def test_index_kept_and_input_not_modified():
    texts = pd.Series(["great", "awful"], index=["m9", "m3"])
    before = texts.copy()
    scored = score_sentiment(texts, language="en")
    assert scored.index.tolist() == ["m9", "m3"]
    pd.testing.assert_series_equal(texts, before)
    assert scored.dtypes.astype(str).tolist() == ["float64", "string", "boolean"]


def test_brand_mentions_whole_words_any_case():
    texts = pd.Series(["My BRICKS set", "bricksmith tools", "Le Château", None])
    found = brand_mentions(texts, ["bricks", "château"])
    assert found.tolist() == [True, False, True, pd.NA]
    assert brand_mentions(texts, None).isna().all()
    assert brand_mentions(texts, ["  "]).isna().all()


def test_detect_language():
    texts = pd.Series(["I really like the new forum", "Je trouve ce forum très pratique", "+1"])
    assert detect_language(texts).tolist() == ["en", "fr", pd.NA]


def test_lexicons_ship_in_packages():
    assert missing_packages() == []
    assert load_lexicon("en")["great"] == pytest.approx(3.1)
    assert load_lexicon("fr")["horrible"] < 0 and load_lexicon("fr")["adore"] > 0


def test_unknown_language_is_an_error():
    with pytest.raises(ValueError, match=r"language must be one of \['en', 'fr'\] \(got 'es'\)"):
        score_sentiment(pd.Series(["hola"]), language="es")
    with pytest.raises(ValueError, match="language must be one of"):
        load_lexicon("de")


def test_missing_package_is_explained(monkeypatch):
    import influence.sentiment as sentiment

    real = sentiment.importlib.util.find_spec
    monkeypatch.setattr(
        sentiment.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "vaderSentiment" else real(name, *a),
    )
    assert missing_packages() == ["vaderSentiment"]
    sentiment.load_lexicon.cache_clear()
    try:
        with pytest.raises(InfluenceError, match=r"pip install \"influence\[engagement\]\""):
            sentiment.load_lexicon("en")
    finally:
        monkeypatch.undo()
        sentiment.load_lexicon.cache_clear()
