"""Message sentiment and language, from lexicons shipped inside packages.

:func:`score_sentiment` turns a column of message texts into three columns:
``sentiment`` (-1 very negative .. +1 very positive, NaN when the language has no
lexicon), ``language`` (ISO 639-1 code, ``"und"`` when undetermined) and
``brand_mention`` (whether a ``brand`` keyword occurs). Readers call it on the
text they parse, so that the canonical messages table never has to keep the text
itself; the engagement layer (:mod:`influence.engagement`) turns the column into
each member's *intimacy*.

Nothing is downloaded at run time: the English lexicon is VADER's
``vader_lexicon.txt`` shipped in the ``vaderSentiment`` package (MIT), the
French one Pattern's ``fr-sentiment.xml`` shipped in ``textblob-fr`` (lexicon in
the public domain, PDDL), completed by a few French verbs and interjections written
for ``influence`` (:data:`FRENCH_SUPPLEMENT`); languages are identified by
``py3langid``, whose model ships in the package. All three come with the
``engagement`` extra: ``pip install "influence[engagement]"``.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from influence.errors import InfluenceError

__all__ = [
    "DETECTED_LANGUAGES",
    "FRENCH_SUPPLEMENT",
    "LEXICON_LANGUAGES",
    "brand_mentions",
    "detect_language",
    "load_lexicon",
    "missing_packages",
    "score_sentiment",
]

#: Languages with a sentiment lexicon.
LEXICON_LANGUAGES = ("en", "fr")
#: Languages :func:`detect_language` chooses among (the most common in the
#: communities we read); anything else, or too little text, is ``"und"``.
DETECTED_LANGUAGES = ("en", "fr", "es", "de", "it", "pt", "nl")
#: A detection below this probability (normalised over :data:`DETECTED_LANGUAGES`)
#: leaves the language undetermined.
MIN_LANGUAGE_PROBABILITY = 0.4
#: Characters of a message used to identify its language (bounds the cost).
DETECTION_CHARACTERS = 1000

#: French words Pattern's lexicon lacks (it holds adjectives only): common verbs,
#: nouns and interjections of community talk, on VADER's -4..+4 scale. Written for
#: influence from the words' ordinary meaning.
FRENCH_SUPPLEMENT = {
    "adore": 3.0,
    "adorer": 3.0,
    "adorons": 3.0,
    "adorez": 3.0,
    "adorent": 3.0,
    "aime": 2.4,
    "aimer": 2.4,
    "aimons": 2.4,
    "aimez": 2.4,
    "aiment": 2.4,
    "bravo": 2.8,
    "merci": 1.8,
    "génial": 3.0,
    "chapeau": 2.0,
    "félicitations": 2.8,
    "recommande": 2.0,
    "plaisir": 2.2,
    "déteste": -3.0,
    "détester": -3.0,
    "détestons": -3.0,
    "détestez": -3.0,
    "détestent": -3.0,
    "hais": -3.2,
    "haïr": -3.2,
    "déception": -2.4,
    "problème": -1.2,
    "problèmes": -1.2,
    "bug": -1.4,
    "bugs": -1.4,
    "panne": -1.8,
    "arnaque": -3.0,
    "regrette": -1.8,
    "dommage": -1.6,
    "honte": -2.6,
    "galère": -2.0,
}

_PACKAGES = {"vaderSentiment": "vaderSentiment", "textblob_fr": "textblob-fr"}
_LANGID = ("py3langid", "py3langid")

# VADER's constants (Hutto and Gilbert 2014): negation scalar, booster increment,
# the normalisation constant of the compound score, and the "but" weights.
_NEGATION = -0.74
_BOOST = 0.293
_ALPHA = 15.0
_BEFORE_BUT, _AFTER_BUT = 0.5, 1.5

_NEGATORS = {
    "en": {"not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "without",
           "cannot", "hardly", "barely", "nowhere"},
    "fr": {"ne", "n", "pas", "jamais", "rien", "aucun", "aucune", "sans", "ni", "guère"},
}  # fmt: skip
_BOOSTERS = {
    "en": {"very": 1, "really": 1, "extremely": 1, "so": 1, "absolutely": 1, "totally": 1,
           "incredibly": 1, "super": 1, "truly": 1, "slightly": -1, "somewhat": -1,
           "kinda": -1, "barely": -1},
    "fr": {"très": 1, "vraiment": 1, "tellement": 1, "trop": 1, "extrêmement": 1,
           "absolument": 1, "totalement": 1, "super": 1, "hyper": 1, "peu": -1,
           "plutôt": -1},
}  # fmt: skip
_BUT = {"en": "but", "fr": "mais"}

_URL = re.compile(r"https?://\S+|www\.\S+")
_TOKEN = r"[^\W\d_]+"


def missing_packages() -> list[str]:
    """The packages of the ``engagement`` extra that are not installed.

    Examples
    --------
    >>> missing_packages()
    []
    """
    wanted = [*_PACKAGES.items(), _LANGID]
    return [name for module, name in wanted if importlib.util.find_spec(module) is None]


def _package_file(module: str, name: str) -> Path:
    spec = importlib.util.find_spec(module)  # locates without importing
    if spec is None or not spec.submodule_search_locations:
        raise InfluenceError(
            f"sentiment must have the package {_PACKAGES[module]} installed (got none); "
            'install the extra: pip install "influence[engagement]"'
        )
    return Path(next(iter(spec.submodule_search_locations))) / name


@functools.cache
def load_lexicon(language: str) -> pd.Series:
    """The sentiment lexicon of ``language``: word -> valence on VADER's -4..+4 scale.

    Parameters
    ----------
    language : {"en", "fr"}

    Returns
    -------
    Series
        Float64 valences indexed by lower-case word, sorted by word.

    Raises
    ------
    ValueError
        When ``language`` has no lexicon.
    InfluenceError
        When the package shipping the lexicon is not installed.

    Notes
    -----
    English: VADER's mean human rating per token (7,500 words, emoticons and
    slang). French: Pattern's adjective polarity (-1..+1) times 4, the mean over a
    word's senses, completed by :data:`FRENCH_SUPPLEMENT`.

    Examples
    --------
    >>> float(load_lexicon("en")["good"]), float(load_lexicon("fr")["mauvais"])
    (1.9, -2.84)
    """
    if language == "en":
        path = _package_file("vaderSentiment", "vader_lexicon.txt")
        table = pd.read_csv(
            path, sep="\t", header=None, usecols=[0, 1], names=["word", "valence"],
            quoting=3, keep_default_na=False, encoding="utf-8",
        )  # fmt: skip
        series = table.groupby("word")["valence"].mean()
    elif language == "fr":
        path = _package_file("textblob_fr", "fr-sentiment.xml")
        words = ElementTree.parse(path).getroot().iter("word")
        table = pd.DataFrame(
            [(w.get("form", "").lower(), float(w.get("polarity", "0"))) for w in words],
            columns=["word", "valence"],
        )
        series = table.groupby("word")["valence"].mean() * 4.0
        series = series[series != 0]
        series = pd.concat([series.drop(FRENCH_SUPPLEMENT, errors="ignore"),
                            pd.Series(FRENCH_SUPPLEMENT, dtype="float64")])  # fmt: skip
    else:
        raise ValueError(f"language must be one of {list(LEXICON_LANGUAGES)} (got {language!r})")
    series = series.astype("float64").sort_index()
    series.index.name = "word"
    series.name = "valence"
    return series


@functools.cache
def _identifier():
    if importlib.util.find_spec("py3langid") is None:
        raise InfluenceError(
            "language detection must have the package py3langid installed (got none); "
            'install the extra: pip install "influence[engagement]", or pass language="en"'
        )
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(DETECTED_LANGUAGES))
    return identifier


def _clean(texts: pd.Series) -> pd.Series:
    return (
        texts.astype("string")
        .fillna("")
        .str.replace(_URL, " ", regex=True)
        .str.replace("’", "'", regex=False)
        .str.lower()
    )


def detect_language(texts: pd.Series) -> pd.Series:
    """The language of each text: ISO 639-1 code, ``"und"`` when undetermined.

    Parameters
    ----------
    texts : Series of str
        Message texts; missing and empty texts give a missing language.

    Returns
    -------
    Series
        ``string`` dtype, same index as ``texts``.

    Notes
    -----
    ``py3langid`` (a naive Bayes classifier on byte n-grams, Lui and Baldwin 2012)
    restricted to :data:`DETECTED_LANGUAGES`; a best probability under
    :data:`MIN_LANGUAGE_PROBABILITY` gives ``"und"``. URLs are ignored and only the
    first :data:`DETECTION_CHARACTERS` characters are read. Each distinct text is
    classified once (a loop in Python over distinct texts, about 30 µs each).
    Deterministic: the model has no randomness.

    Examples
    --------
    >>> detect_language(pd.Series(["I love this release", "J'adore cette version", ""]))
    0     en
    1     fr
    2   <NA>
    dtype: string
    """
    clean = _clean(texts).str.slice(0, DETECTION_CHARACTERS)
    has_letters = clean.str.contains(_TOKEN, regex=True).fillna(False).to_numpy(bool)
    out = pd.Series(pd.NA, index=texts.index, dtype="string")
    if not has_letters.any():
        return out
    identifier = _identifier()
    unique, inverse = np.unique(
        clean.to_numpy(object)[has_letters].astype(str), return_inverse=True
    )
    codes = []
    for text in unique:  # one classification per distinct text
        code, probability = identifier.classify(text)
        codes.append(code if probability >= MIN_LANGUAGE_PROBABILITY else "und")
    values = out.to_numpy(object)
    values[has_letters] = np.asarray(codes, dtype=object)[inverse]
    return pd.Series(values, index=texts.index, dtype="string")


def _brand_pattern(brand: Iterable[str]) -> re.Pattern | None:
    words = sorted({str(w).strip() for w in brand if str(w).strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)", re.IGNORECASE)


def brand_mentions(texts: pd.Series, brand: Iterable[str] | None) -> pd.Series:
    """Whether each text mentions one of the ``brand`` keywords (whole words, any case).

    Needs none of the optional packages. Missing texts, or no keyword, give missing.

    Examples
    --------
    >>> brand_mentions(pd.Series(["I love my Widget-Pro", "widgets", None]), ["widget"])
    0     True
    1    False
    2     <NA>
    dtype: boolean
    """
    pattern = None if brand is None else _brand_pattern(brand)
    if pattern is None:
        return pd.Series(pd.NA, index=texts.index, dtype="boolean")
    return texts.astype("string").str.contains(pattern, regex=True).astype("boolean")


def score_sentiment(
    texts: pd.Series,
    *,
    brand: Iterable[str] | None = None,
    language: str | None = None,
) -> pd.DataFrame:
    """Sentiment, language and brand mention of each message text.

    Parameters
    ----------
    texts : Series of str
        One text per message (missing allowed); not modified.
    brand : iterable of str, optional
        Keywords (brand, product or topic names) matched as whole words, case
        ignored. Without keywords ``brand_mention`` is missing.
    language : str, optional
        Skip detection and read every text in this language (for example a
        French-only community): faster, and right for very short messages.

    Returns
    -------
    DataFrame
        Same index as ``texts``; ``sentiment`` (float64, -1..+1; 0 when no word of
        the lexicon occurs; NaN when the text is empty or its language has no
        lexicon), ``language`` (string), ``brand_mention`` (nullable boolean).

    Raises
    ------
    InfluenceError
        When a package of the ``engagement`` extra is missing.
    ValueError
        When ``language`` has no lexicon.

    Notes
    -----
    A vectorised VADER (Hutto and Gilbert 2014) for every lexicon language: texts
    are lower-cased, URLs dropped, ``n't`` read as ``not``, and split into words;
    each word takes its lexicon valence; a booster just before it (*very*, *très*)
    adds 0.293 to its strength (a dampener takes it away); a negator among the three
    words before it (*not*, *ne*, *pas*, *jamais*, ...) multiplies it by -0.74
    (once, so French *ne ... pas* is one negation); when the text has *but* /
    *mais*, words before it count half and words after it 1.5 times. The sum
    ``s`` becomes the compound score ``s / sqrt(s**2 + 15)``.

    Limits: bag of words with three rules; no irony, sarcasm, idioms (*pas mal*
    reads as negative) or emphasis by capitals and exclamation marks; emoji and
    emoticons are ignored; French coverage is mostly adjectives; domain words (a
    *bug* in software, *killer* feature) keep their everyday sign. Read it as a
    tendency over many messages, never as the verdict on one.

    Examples
    --------
    >>> texts = pd.Series(["I love this, great work!", "Ce n'est pas bon du tout.",
    ...                    "The new Widget is terrible", None])
    >>> scored = score_sentiment(texts, brand=["widget"])
    >>> scored["sentiment"].round(3).tolist()
    [0.852, -0.575, -0.477, nan]
    >>> scored["language"].tolist(), scored["brand_mention"].tolist()
    (['en', 'fr', 'en', <NA>], [False, False, True, <NA>])
    """
    if language is not None and language not in LEXICON_LANGUAGES:
        raise ValueError(f"language must be one of {list(LEXICON_LANGUAGES)} (got {language!r})")
    count = len(texts)
    clean = _clean(texts).str.replace(r"n't\b", " not", regex=True)
    if language is None:
        languages = detect_language(texts)
    else:
        languages = pd.Series(language, index=texts.index, dtype="string")
        languages = languages.mask(~clean.str.contains(_TOKEN, regex=True).fillna(False))
    lang = languages.fillna("").to_numpy(object).astype(str)

    tokens = clean.set_axis(np.arange(count)).str.findall(_TOKEN).explode().dropna()
    message = tokens.index.to_numpy(np.int64)
    words = tokens.to_numpy(object).astype(str)
    word_lang = lang[message]
    valence = np.zeros(len(words))
    negator = np.zeros(len(words), dtype=bool)
    booster = np.zeros(len(words))
    is_but = np.zeros(len(words), dtype=bool)
    for code in LEXICON_LANGUAGES:
        here = word_lang == code
        if not here.any():
            continue
        lexicon = load_lexicon(code)
        valence[here] = pd.Series(words[here]).map(lexicon).fillna(0.0).to_numpy(float)
        negator[here] = np.isin(words[here], list(_NEGATORS[code]))
        booster[here] = pd.Series(words[here]).map(_BOOSTERS[code]).fillna(0).to_numpy(float)
        is_but[here] = words[here] == _BUT[code]

    sign = np.sign(valence)
    previous_boost = np.zeros(len(words))
    negated = np.zeros(len(words), dtype=bool)
    for lag in (1, 2, 3):
        same = np.zeros(len(words), dtype=bool)
        same[lag:] = message[lag:] == message[:-lag]
        if lag == 1:
            previous_boost[1:] = np.where(same[1:], booster[:-1], 0.0)
        negated[lag:] |= same[lag:] & negator[:-lag]
    valence = valence + sign * _BOOST * previous_boost
    valence = np.where(negated, valence * _NEGATION, valence)
    buts_before = pd.Series(is_but).groupby(message).cumsum().to_numpy() - is_but
    has_but = np.bincount(message, weights=is_but, minlength=count)[message] > 0
    valence = valence * np.where(has_but, np.where(buts_before > 0, _AFTER_BUT, _BEFORE_BUT), 1.0)
    total = np.bincount(message, weights=valence, minlength=count)
    compound = total / np.sqrt(total * total + _ALPHA)
    scorable = np.isin(lang, LEXICON_LANGUAGES)
    sentiment = np.where(scorable, compound, np.nan)

    mention = brand_mentions(texts, brand).to_numpy(object)
    return pd.DataFrame(
        {"sentiment": sentiment, "language": languages.to_numpy(object), "brand_mention": mention},
        index=texts.index,
    ).astype({"sentiment": "float64", "language": "string", "brand_mention": "boolean"})
