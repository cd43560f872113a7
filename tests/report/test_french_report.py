"""--lang fr: no English left in what people read of report.html, but names and numbers.

The same analysis of the Cardano Stack Exchange sample (with a customer table, so that
the value matrix is drawn, and the four I's) is rendered in English and in French. The
visible text of each page is collected: text nodes, tooltips (SVG ``<title>``) and
``aria-label``s; not ``<code>`` (identifiers such as ``deleted_author``, as in
summary.json) nor elements marked ``lang="en"`` (the readers' notes on the input,
diagnostics written in English). Data is then taken out of each text: the members'
names and ids, the input file names, numbers and dates. What is left of an English
text is report wording: no English sentence may be found in the French page, and no
word of the English wording may be left in the French one unless French spells it
the same way (a short list below).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import influence
from influence.engagement import add_engagement
from influence.report import build_summary, render_report
from influence.value import add_customers

ROOT = Path(__file__).resolve().parents[2]
CARDANO = ROOT / "datasets" / "stackexchange-cardano-2021"

#: Words of the English wording that French writes the same way.
SAME_IN_FRENCH = {
    "active",
    "cascade",
    "champions",  # quadrant name
    "coefficient",
    "contribution",
    "contributions",
    "conversation",
    "engagement",
    "expertise",
    "experts",
    "fragile",
    "horizon",
    "influence",
    "interaction",
    "interactions",
    "message",
    "messages",
    "part",
    "participation",
    "propagation",
    "score",
    "scores",
    "segment",
    "segments",
    "source",
    "superfans",
    "table",
    "crm",
    "log",  # "échelle log"
    "lorenz",
    "readme",
    "top",  # "top 2 % réputation"
    "min",  # minutes
    "gini",
    "pandas",
    "python",
    "csv",  # users.csv
    "users",  # users.csv
    "sentiment",  # a column name in a note
    "text",  # a column name in a note
    "kudos",
    "wu",  # Michael Wu
    "stackexchange",  # the platform
}
WORD = re.compile(r"[^\W\d_]{3,}")


class _VisibleText(HTMLParser):
    """Text people read: text nodes, tooltips and aria-labels; not code nor lang='en'."""

    HIDDEN = ("script", "style", "code")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    def _hidden(self) -> bool:
        return any(hidden for _tag, hidden in self._stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        # lang="en" inside the page (the root says the page's own language)
        hidden = tag in self.HIDDEN or (tag != "html" and attributes.get("lang") == "en")
        if tag not in ("meta", "br", "rect", "line", "circle", "polyline", "path", "input"):
            self._stack.append((tag, hidden))
        if not self._hidden() and attributes.get("aria-label"):
            self.texts.append(attributes["aria-label"])

    def handle_startendtag(self, tag, attrs):
        attributes = dict(attrs)
        if not self._hidden() and attributes.get("aria-label"):
            self.texts.append(attributes["aria-label"])

    def handle_endtag(self, tag):
        for position in range(len(self._stack) - 1, -1, -1):
            if self._stack[position][0] == tag:
                del self._stack[position:]
                break

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(page: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(page)
    parser.close()
    return parser.texts


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    community = influence.read(CARDANO)
    analysis = add_engagement(influence.run_analysis(community))
    # a customer table for the value matrix: 40 members with a value, one unknown key
    ids = list(analysis.users.index[:40].astype(str))
    values = [float(n * 37 % 1000) for n in range(len(ids))]
    path = tmp_path_factory.mktemp("crm") / "customers.csv"
    pd.DataFrame({"user_id": [*ids, "nobody"], "value": [*values, 5.0]}).to_csv(path, index=False)
    analysis = add_customers(analysis, influence.value.read_customers(path))
    summary = build_summary(analysis)
    data = {str(uid) for uid in analysis.users.index}
    data |= {name for name in analysis.users["display_name"].dropna().astype(str)}
    data |= {entry["source"] for entry in summary["read_stats"]["entries"]}
    data.add(community.name)
    data = {" ".join(d.split()) for d in data}  # spaced as the page's text is read
    data = sorted((d for d in data if WORD.search(d)), key=len, reverse=True)
    return (
        render_report(analysis, summary, lang="en"),
        render_report(analysis, summary, lang="fr"),
        data,
    )


def _wording(text: str, data: list[str]) -> list[str]:
    """The words of ``text`` once names, ids and file names are taken out (lower case).

    A chart label cut short (``"Marek Mahut - StakeNu…"``) counts as the name it starts.
    """
    if text.endswith("…") and any(item.startswith(text[:-1]) for item in data):
        return []
    words = WORD.findall(text)
    for item in data:
        if not words:
            return []
        if item in text:
            text = re.sub(rf"(?<!\w){re.escape(item)}(?!\w)", " ", text)
            words = WORD.findall(text)
    return [w.lower() for w in words]


def test_every_section_is_rendered(pages):
    english, french, _data = pages
    for anchor in ("quadrant", "propagation", "lorenz", "activity", "value-matrix"):
        assert f'id="{anchor}"' in english and f'id="{anchor}"' in french, anchor
    assert "id='engagement'" in french and "id='health'" in french


def test_no_english_sentence_is_left_in_the_french_report(pages):
    english, french, data = pages
    french_texts = set(visible_texts(french))
    wording = {
        text for text in visible_texts(english) if set(_wording(text, data)) - SAME_IN_FRENCH
    }
    assert len(wording) > 50  # the check has something to check
    assert sorted(wording & french_texts) == []


def test_no_english_word_is_left_in_the_french_report(pages):
    english, french, data = pages
    english_words = set()
    for text in visible_texts(english):
        english_words.update(_wording(text, data))
    assert len(english_words - SAME_IN_FRENCH) > 100
    french_words: dict[str, str] = {}
    for text in visible_texts(french):
        for word in _wording(text, data):
            french_words.setdefault(word, text)
    left = {
        word: text
        for word, text in french_words.items()
        if word in english_words and word not in SAME_IN_FRENCH
    }
    # French words that English wording happens to use too are real French here
    assert left == {}


@pytest.mark.parametrize(
    "phrase",
    [
        "Each dot is an active member",
        "talkative score",
        "listened-to score",
        "true influencers",
        "community average",
        "time after a contribution",
        "people reached per contribution",
        "perfect equality",
        "of messages by the top",
        "Gini coefficient",
        "of contributions got a response",
        "median time to the first response",
        "Active members per month",
        "cascade horizon",
        "weights (normalised)",
        "dropped (why)",
        "active of",
        "): talkative ",
        "people who addressed them",
    ],
)
def test_known_english_phrases_are_translated(pages, phrase):
    english, french, _data = pages
    assert phrase in english
    assert phrase not in french


@pytest.mark.parametrize(
    ("note", "french"),
    [
        (
            "interaction counts messages only: nobody gave a kudos, like or accept",
            "l'interaction ne compte que les messages : personne n'a donné de kudos, de "
            "j'aime ni d'acceptation",
        ),
        (
            "intimacy needs the sentiment of each message, which this reader does not provide "
            "(no sentiment or text column in the messages)",
            "l'intimité a besoin du sentiment de chaque message, que ce lecteur ne fournit pas "
            "(pas de colonne sentiment ni text dans les messages)",
        ),
        (
            "intimacy is empty: no message had a sentiment (unsupported languages)",
            "l'intimité est vide : aucun message n'avait de sentiment (langues non prises en "
            "charge)",
        ),
        (
            'intimacy needs the packages simplemma: pip install "influence[engagement]"',
            'l\'intimité a besoin des paquets simplemma : pip install "influence[engagement]"',
        ),
    ],
)
def test_engagement_notes_are_translated(note, french):
    from influence.report.i18n import use_language
    from influence.report.value_matrix import engagement_section

    users = pd.DataFrame(
        {
            "segment": ["member"],
            "display_name": ["Ann"],
            **{c: [0.5] for c in ("involvement", "interaction", "intimacy", "influence")},
        },
        index=pd.Index(["a"], name="user_id"),
    )
    parameters = {"engagement": {"notes": [note]}}
    with use_language("fr"):
        assert f"<li>{html.escape(french)}</li>" in engagement_section(users, parameters)
    assert f"<li>{html.escape(note)}</li>" in engagement_section(users, parameters)
