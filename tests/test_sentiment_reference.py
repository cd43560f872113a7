"""The vectorised sentiment and batched language detection against plain references.

:func:`influence.sentiment.score_sentiment` scores all texts at once (numpy over
every word) and detects their languages in one batch (py3langid's automaton run on
all texts together). The references here are the plain versions, one text at a
time: the VADER rules as a loop over words, and py3langid's own ``classify``.
Both must give exactly the same values on the texts of the shipped datasets.
"""

from __future__ import annotations

import functools
import html
import math
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pandas as pd
import pytest

from influence import sentiment
from influence.sentiment import (
    DETECTION_CHARACTERS,
    LEXICON_LANGUAGES,
    MIN_LANGUAGE_PROBABILITY,
    detect_language,
    load_lexicon,
    score_sentiment,
)

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ["stackexchange-cardano-2021", "stackexchange-conlang-meta-2020"]
URL = re.compile(r"https?://\S+|www\.\S+")
TOKEN = re.compile(r"[^\W\d_]+")

#: Sentences in the detected languages and others, short and long, to exercise
#: every branch of the detector (und, a language without lexicon, no letters).
MIXED = [
    "I really like the new forum",
    "Je trouve ce forum très pratique, merci à tous",
    "Hola, ¿cómo estás? Muy bien gracias",
    "Das ist wirklich ein sehr gutes Produkt",
    "Questo prodotto è davvero ottimo",
    "Este produto é muito bom, obrigado",
    "Dit is echt een heel goed product",
    "GREAT STUFF",
    "日本語のテキストだけ",
    "+1",
    "ok",
    "x" * 3000,
    "Ce n’est pas bon du tout mais génial http://example.com/a",
    "",
    None,
]


def _dataset_texts() -> list[str]:
    texts = []
    for name in DATASETS:
        folder = ROOT / "datasets" / name
        for row in ElementTree.parse(folder / "Posts.xml").getroot():
            body = html.unescape(re.sub(r"<[^>]*>", " ", row.get("Body", "")))
            texts.append(f"{row.get('Title', '')}\n{body}".strip())
        texts += [
            row.get("Text", "") for row in ElementTree.parse(folder / "Comments.xml").getroot()
        ]
    return texts


@pytest.fixture(scope="module")
def texts() -> pd.Series:
    return pd.Series(_dataset_texts() + MIXED, dtype="string")


def _clean(text) -> str:
    return (
        URL.sub(" ", "" if text is None or text is pd.NA else str(text)).replace("’", "'").lower()
    )


def _reference_language(text) -> object:
    prefix = _clean(text)[:DETECTION_CHARACTERS]
    if not TOKEN.search(prefix):
        return pd.NA
    code, probability = sentiment._identifier().classify(prefix)
    return code if probability >= MIN_LANGUAGE_PROBABILITY else "und"


@functools.cache
def _lexicon(language: str) -> dict[str, float]:
    return load_lexicon(language).to_dict()


def _reference_score(text, language) -> float:
    """VADER's rules as :func:`score_sentiment` documents them, word after word."""
    if language is pd.NA or language not in LEXICON_LANGUAGES:
        return math.nan
    lexicon = _lexicon(language)
    negators, boosters = sentiment._NEGATORS[language], sentiment._BOOSTERS[language]
    words = TOKEN.findall(re.sub(r"n't\b", " not", _clean(text)))
    has_but = sentiment._BUT[language] in words
    total, buts = 0.0, 0
    for n, word in enumerate(words):
        valence = lexicon.get(word, 0.0)
        before = words[max(n - 3, 0) : n]
        boost = boosters.get(words[n - 1], 0) if n else 0
        valence = valence + math.copysign(1.0, valence) * 0.293 * boost if valence else valence
        if any(w in negators for w in before):
            valence = valence * -0.74
        is_but = word == sentiment._BUT[language]
        if has_but:
            valence = valence * (1.5 if buts else 0.5)
        buts += is_but
        total += valence
    return total / math.sqrt(total * total + 15.0)


def test_batched_detection_is_py3langid_classify(texts):
    expected = [_reference_language(text) for text in texts]
    assert detect_language(texts).tolist() == expected
    assert detect_language(pd.Series(MIXED)).tolist()[:7] == [
        "en",
        "fr",
        "es",
        "de",
        "it",
        "pt",
        "nl",
    ]


def test_detection_longest_first_across_batches(texts, monkeypatch):
    # batches smaller than the texts: each batch is walked on its own
    monkeypatch.setattr(sentiment, "_DETECTION_BATCH", 7)
    assert detect_language(texts).tolist() == [_reference_language(text) for text in texts]


@pytest.mark.parametrize("language", [None, "en", "fr"])
def test_vectorised_scores_equal_the_word_loop(texts, language):
    scored = score_sentiment(texts, language=language)
    languages = scored["language"].tolist()
    expected = [_reference_score(t, lang) for t, lang in zip(texts, languages, strict=True)]
    got = scored["sentiment"].tolist()
    assert len(got) == len(expected) > 4000
    assert all(
        (math.isnan(a) and math.isnan(b)) or a == b for a, b in zip(got, expected, strict=True)
    )
    assert sum(not math.isnan(b) and b != 0 for b in expected) > 1000  # real scores compared
