"""The words of the report in the reader's language: English (``en``) and French (``fr``).

Labels are keyed by their English text (as gettext does): ``translate("Talkative",
"fr")`` gives ``"Loquaces"``; a text without a translation stays English. Only what
people read changes: column values in ``users.csv`` (``true_influencer``,
``hidden_superfan``) are canonical and never translated.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

__all__ = [
    "LANGUAGES",
    "QUADRANT_NAMES",
    "SEGMENT_NAMES",
    "language",
    "quadrant_name",
    "segment_name",
    "translate",
    "use_language",
]

#: Languages of the report.
LANGUAGES = ("en", "fr")

#: Segment names shown to people, per language (the ``segment`` values stay canonical).
SEGMENT_NAMES = {
    "en": {
        "true_influencer": "True influencers",
        "listened_to": "Listened to",
        "talkative": "Talkative",
        "member": "Members",
        "inactive": "Inactive",
    },
    "fr": {
        "true_influencer": "Vrais influenceurs",
        "listened_to": "Les écoutés",
        "talkative": "Les loquaces",
        "member": "Membres",
        "inactive": "Inactifs",
    },
}

#: Value-matrix quadrant names shown to people (``value_quadrant`` stays canonical).
QUADRANT_NAMES = {
    "en": {
        "champion": "Champions",
        "hidden_superfan": "Hidden superfans",
        "silent_customer": "Silent customers",
        "casual": "Casual members",
        "no_customer_record": "No customer record",
    },
    "fr": {
        "champion": "Champions",
        "hidden_superfan": "Superfans cachés",
        "silent_customer": "Clients silencieux",
        "casual": "Occasionnels",
        "no_customer_record": "Sans fiche client",
    },
}

_FRENCH = {
    # page and navigation
    "Who moves": "Qui fait bouger",
    "this community": "cette communauté",
    "Chart": "Graphique",
    "Propagation": "Propagation",
    "Inequality": "Inégalité",
    "Health": "Santé",
    "What was read": "Ce qui a été lu",
    "Engagement": "Engagement",
    "Value": "Valeur",
    "messages": "messages",
    "interactions": "interactions",
    "active of": "actifs sur",
    "members": "membres",
    "to": "au",
    # segments
    "Both listened to and talkative: the people to invite, thank and give privileges to "
    "first.": "À la fois écoutés et loquaces : les personnes à inviter, remercier et "
    "privilégier en premier.",
    "The community answers, credits and follows them, though they write less: experts to "
    "draw in.": "La communauté leur répond, les crédite et les suit, même s'ils écrivent "
    "moins : des experts à faire venir.",
    "They take part a lot, across many threads and people, but get less echo: the engine "
    "of the conversation.": "Ils participent beaucoup, dans de nombreux fils et avec "
    "beaucoup de monde, mais ont moins d'écho : le moteur de la conversation.",
    "Nobody in this segment.": "Personne dans ce segment.",
    # tables
    "member": "membre",
    "influence": "influence",
    "talkative": "loquacité",
    "listened to": "écoute",
    "first seen": "première fois",
    "last seen": "dernière fois",
    "why": "pourquoi",
    "more in users.csv.": "de plus dans users.csv.",
    "and": "et",
    # sections
    "Listened to against talkative": "Écoutés contre loquaces",
    "How far and how fast contributions travel": "Jusqu'où et à quelle vitesse les "
    "contributions circulent",
    "Participation inequality": "Inégalité de participation",
    "Community health": "Santé de la communauté",
    "How this was computed": "Comment ceci a été calculé",
    # engagement and value
    "The four I's of engagement": "Les quatre I de l'engagement",
    "involvement": "implication",
    "interaction": "interaction",
    "intimacy": "intimité",
    "Social value against economic value": "Valeur sociale contre valeur économique",
    "economic value": "valeur économique",
    "social value (influence score)": "valeur sociale (score d'influence)",
    "members matched to a customer record": "membres rapprochés d'une fiche client",
    "members without a customer record": "membres sans fiche client",
    "customer rows matching no member": "lignes clients sans membre",
    "duplicate customer rows": "lignes clients en double",
    "Members of high social and low economic value: the ones a value-only CRM "
    "overlooks.": "Membres de forte valeur sociale et de faible valeur économique : ceux "
    "qu'un CRM fondé sur la seule valeur ignore.",
    "median of the active members": "médiane des membres actifs",
    "Intimacy is not available:": "L'intimité n'est pas disponible :",
    "Footer": "Les scores sont des rangs : 1,0 est le sommet de la communauté. Chaque "
    "métrique est expliquée dans le glossaire du README ; users.csv les donne toutes "
    "pour chaque membre.",
}

_CATALOGUES = {"en": {}, "fr": _FRENCH}
_CURRENT: contextvars.ContextVar[str] = contextvars.ContextVar(
    "influence_report_lang", default="en"
)


def _check(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {list(LANGUAGES)} (got {lang!r})")
    return lang


def language() -> str:
    """The language in force (set by :func:`use_language`; default ``"en"``)."""
    return _CURRENT.get()


@contextlib.contextmanager
def use_language(lang: str) -> Iterator[str]:
    """Render in ``lang`` inside the ``with`` block.

    Examples
    --------
    >>> with use_language("fr"):
    ...     translate("Community health")
    'Santé de la communauté'
    >>> translate("Community health")
    'Community health'
    """
    token = _CURRENT.set(_check(lang))
    try:
        yield lang
    finally:
        _CURRENT.reset(token)


def translate(text: str, lang: str | None = None) -> str:
    """``text`` (English) in ``lang`` (default: the language in force); English if unknown.

    Examples
    --------
    >>> translate("Participation inequality", "fr")
    'Inégalité de participation'
    >>> translate("Participation inequality", "en")
    'Participation inequality'
    """
    lang = _check(lang or _CURRENT.get())
    if lang == "en" and text == "Footer":
        return (
            "Scores are percentile-based: 1.0 is the top of the community. Every metric is "
            "explained in the README glossary; users.csv has them all for every member."
        )
    return _CATALOGUES[lang].get(text, text)


def segment_name(segment: str, lang: str | None = None) -> str:
    """The name people read for a canonical segment.

    Examples
    --------
    >>> segment_name("listened_to", "fr"), segment_name("true_influencer", "en")
    ('Les écoutés', 'True influencers')
    """
    names = SEGMENT_NAMES[_check(lang or _CURRENT.get())]
    return names.get(segment, segment)


def quadrant_name(quadrant: str, lang: str | None = None) -> str:
    """The name people read for a canonical value quadrant.

    Examples
    --------
    >>> quadrant_name("hidden_superfan", "fr")
    'Superfans cachés'
    """
    names = QUADRANT_NAMES[_check(lang or _CURRENT.get())]
    return names.get(quadrant, quadrant)
