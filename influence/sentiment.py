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
import itertools
import re
import unicodedata
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
_TOKEN_RE = re.compile(_TOKEN)
_NOT = re.compile(r"n't\b")
#: Texts whose bytes are walked together by the language detector (bounds memory).
_DETECTION_BATCH = 2048


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
def _word_table() -> pd.DataFrame:
    """Per word, for each lexicon language: valence, negator, booster, *but* (floats)."""
    columns = {}
    for code in LEXICON_LANGUAGES:
        lexicon = load_lexicon(code)
        words = lexicon.index.union(pd.Index(sorted(_NEGATORS[code] | set(_BOOSTERS[code]))))
        words = words.union([_BUT[code]])
        columns[(code, "valence")] = lexicon.reindex(words).fillna(0.0)
        columns[(code, "negator")] = pd.Series(words.isin(list(_NEGATORS[code])), words, float)
        columns[(code, "booster")] = pd.Series(_BOOSTERS[code], dtype=float).reindex(words)
        columns[(code, "but")] = pd.Series(words == _BUT[code], words, float)
    return pd.DataFrame(columns).fillna(0.0)


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


@functools.cache
def _automaton() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple]:
    """py3langid's model as arrays: byte automaton, feature of each state, weights."""
    identifier = _identifier()
    if identifier._alias_pairs:  # pragma: no cover - none among DETECTED_LANGUAGES
        raise InfluenceError("language detection must have one column per language (got aliases)")
    nextmove = np.asarray(identifier.tk_nextmove, dtype=np.int32)
    rowbase = np.asarray(identifier._rowbase, dtype=np.int32)
    output = np.asarray(identifier.tk_output, dtype=np.int32)
    weights = np.asarray(identifier.nb_ptc, dtype=np.float32)
    prior = np.asarray(identifier.nb_pc, dtype=np.float32)
    return nextmove, rowbase, output, weights, prior, tuple(identifier.nb_classes)


def _encode(text: str) -> bytes:
    """The bytes py3langid classifies (its ``LanguageIdentifier._encode`` for a str)."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")


def _classify(texts: list[str]) -> list[str]:
    """py3langid's ``classify`` of many texts at once, thresholded: one code per text.

    The byte automaton advances every text one byte per step (a gather over all
    texts, longest first so that the active texts are a prefix), the features
    met are counted per text in a sparse matrix, and one sparse-dense product
    gives the naive Bayes scores of all texts; the normalisation is py3langid's
    (scores over the square root of the byte length, softmax).
    """
    import scipy.sparse

    nextmove, rowbase, output, weights, prior, classes = _automaton()
    encoded = [_encode(text) for text in texts]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    order = np.argsort(-lengths, kind="stable")
    codes = np.empty(len(texts), dtype=object)
    for begin in range(0, len(texts), _DETECTION_BATCH):
        batch = order[begin : begin + _DETECTION_BATCH]
        width = int(lengths[batch[0]]) if len(batch) else 0
        grid = np.zeros((len(batch), max(width, 1)), dtype=np.uint8)
        for row, index in enumerate(batch):
            grid[row, : lengths[index]] = np.frombuffer(encoded[index], dtype=np.uint8)
        # active[t]: how many texts (a prefix, longest first) have a byte at step t
        active = len(batch) - np.searchsorted(lengths[batch][::-1], np.arange(width), side="right")
        state = np.zeros(len(batch), dtype=np.int32)
        rows, features = [], []
        for step in range(width):
            alive = int(active[step])
            state = nextmove[rowbase[state[:alive]] + grid[:alive, step]]
            found = output[state]
            hit = np.flatnonzero(found >= 0)
            rows.append(hit)
            features.append(found[hit])
        rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        features = np.concatenate(features) if features else np.zeros(0, np.int64)
        counts = scipy.sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, features)),
            shape=(len(batch), len(weights)),
        )
        counts.sum_duplicates()
        has_features = np.diff(counts.indptr) > 0
        np.log1p(counts.data, out=counts.data)
        scores = np.asarray(counts @ weights, dtype=np.float32) + prior
        scores[~has_features] = 0.0  # no feature: uniform, so undetermined
        scores *= (1.0 / np.sqrt(np.maximum(lengths[batch], 1))).astype(np.float32)[:, None]
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        scores /= scores.sum(axis=1, keepdims=True)
        best = scores.argmax(axis=1)
        probability = scores[np.arange(len(batch)), best]
        names = np.asarray(classes, dtype=object)[best]
        codes[batch] = np.where(probability >= MIN_LANGUAGE_PROBABILITY, names, "und")
    return codes.tolist()


def _clean(texts: pd.Series) -> list[str]:
    """Lower-cased texts without URLs, typographic apostrophes made straight ("" when missing)."""
    values = [str(text) for text in texts.astype(object).where(texts.notna(), "").tolist()]
    # a URL starts with "http" or "www.": texts without either skip the regex
    values = [_URL.sub(" ", t) if "http" in t or "www." in t else t for t in values]
    return [text.replace("’", "'").lower() for text in values]


def _detect(clean: list[str]) -> np.ndarray:
    """:func:`detect_language` of cleaned texts: object array of codes, None when no letter."""
    out = np.full(len(clean), None, dtype=object)
    prefixes = {}
    for n, text in enumerate(clean):
        prefix = text[:DETECTION_CHARACTERS]
        if _TOKEN_RE.search(prefix):
            prefixes.setdefault(prefix, []).append(n)
    if not prefixes:
        return out
    for code, rows in zip(_classify(list(prefixes)), prefixes.values(), strict=True):
        out[rows] = code
    return out


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
    classified once, all of them together: py3langid's byte automaton is run on
    every text at once with numpy and its naive Bayes scores come from one sparse
    matrix product (the same codes as its ``classify`` one text at a time, about
    4 times faster). Deterministic: the model has no randomness.

    Examples
    --------
    >>> detect_language(pd.Series(["I love this release", "J'adore cette version", ""]))
    0     en
    1     fr
    2   <NA>
    dtype: string
    """
    return pd.Series(_detect(_clean(texts)), index=texts.index, dtype="string")


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
    clean = _clean(texts)
    if language is None:
        languages = _detect(clean)
    else:
        languages = np.array([language if _TOKEN_RE.search(t) else None for t in clean], object)
    known = {code: n for n, code in enumerate(LEXICON_LANGUAGES)}
    lang = np.fromiter((known.get(code, -1) for code in languages), np.int64, count=count)

    found = [_TOKEN_RE.findall(_NOT.sub(" not", t) if "n't" in t else t) for t in clean]
    lengths = np.fromiter(map(len, found), dtype=np.int64, count=count)
    message = np.repeat(np.arange(count), lengths)
    ids, vocabulary = pd.factorize(np.fromiter(itertools.chain.from_iterable(found), object))
    # one row per lexicon language (the last, of zeros, for the others), one column per word
    table = _word_table().reindex(vocabulary.astype(object))
    words = table.to_numpy(np.float64, na_value=0.0)
    properties = words.reshape(len(vocabulary), len(LEXICON_LANGUAGES), 4)
    properties = np.concatenate([properties, np.zeros((len(vocabulary), 1, 4))], axis=1)
    word = properties[ids, lang[message]]
    valence, negator, booster, is_but = word[:, 0], word[:, 1] > 0, word[:, 2], word[:, 3] > 0

    sign = np.sign(valence)
    previous_boost = np.zeros(len(ids))
    negated = np.zeros(len(ids), dtype=bool)
    for lag in (1, 2, 3):
        same = np.zeros(len(ids), dtype=bool)
        same[lag:] = message[lag:] == message[:-lag]
        if lag == 1:
            previous_boost[1:] = np.where(same[1:], booster[:-1], 0.0)
        negated[lag:] |= same[lag:] & negator[:-lag]
    valence = valence + sign * _BOOST * previous_boost
    valence = np.where(negated, valence * _NEGATION, valence)
    buts = np.bincount(message, weights=is_but, minlength=count)
    buts_before = np.cumsum(is_but) - is_but - np.repeat(np.cumsum(buts) - buts, lengths)
    has_but = buts[message] > 0
    valence = valence * np.where(has_but, np.where(buts_before > 0, _AFTER_BUT, _BEFORE_BUT), 1.0)
    total = np.bincount(message, weights=valence, minlength=count)
    compound = total / np.sqrt(total * total + _ALPHA)
    sentiment = np.where(lang >= 0, compound, np.nan)
    languages = pd.array(languages, dtype="string")

    mention = brand_mentions(texts, brand).to_numpy(object)
    return pd.DataFrame(
        {"sentiment": sentiment, "language": languages, "brand_mention": mention},
        index=texts.index,
    ).astype({"sentiment": "float64", "language": "string", "brand_mention": "boolean"})
