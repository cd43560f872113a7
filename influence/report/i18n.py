"""The words of the report in the reader's language: English (``en``) and French (``fr``).

Labels are keyed by their English text (as gettext does): ``translate("Talkative",
"fr")`` gives ``"Loquaces"``; a text without a translation stays English. Sentences
with figures are keyed by their English template (``"{count} days"``) and filled with
``str.format`` after translation. Only what people read changes: column values in
``users.csv`` (``true_influencer``, ``hidden_superfan``) are canonical and never
translated; the report shows such identifiers (table names, drop reasons, metric
columns) as ``<code>``, and the readers' notes on the input (diagnostics naming files
and records) stay in English, marked ``lang="en"``.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterator

__all__ = [
    "LANGUAGES",
    "QUADRANT_NAMES",
    "SEGMENT_NAMES",
    "language",
    "quadrant_name",
    "reasons_text",
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

#: One member of a segment, as in "Ann (true influencer)".
SEGMENT_MEMBER_NAMES = {
    "en": {
        "true_influencer": "true influencer",
        "listened_to": "listened to",
        "talkative": "talkative",
        "member": "member",
        "inactive": "inactive",
    },
    "fr": {
        "true_influencer": "vrai influenceur",
        "listened_to": "écouté",
        "talkative": "loquace",
        "member": "membre",
        "inactive": "inactif",
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
    "{label} ({quadrant}): {value}, influence {score}": "{label} ({quadrant}) : {value}, "
    "influence {score}",
    "interaction counts messages only: nobody gave a kudos, like or accept": "l'interaction "
    "ne compte que les messages : personne n'a donné de kudos, de j'aime ni d'acceptation",
    "intimacy needs the sentiment of each message, which this reader does not provide (no "
    "sentiment or text column in the messages)": "l'intimité a besoin du sentiment de chaque "
    "message, que ce lecteur ne fournit pas (pas de colonne sentiment ni text dans les "
    "messages)",
    "intimacy is empty: no message had a sentiment (unsupported languages)": "l'intimité est "
    "vide : aucun message n'avait de sentiment (langues non prises en charge)",
    "intimacy needs the packages {packages}: {command}": "l'intimité a besoin des paquets "
    "{packages} : {command}",
    # page header and the quadrant chart
    "{platform}: {messages} messages, {interactions} interactions, {active} active of "
    "{users} members{span}.": "{platform} : {messages} messages, {interactions} "
    "interactions, {active} membres actifs sur {users}{span}.",
    ", {start} to {end}": ", du {start} au {end}",
    "Each dot is an active member; hover a dot for the name, or a table row below to find "
    "the member on the chart. Dashed lines are the thresholds (top {share} of active members "
    "on each axis, at least {messages} messages). True influencers (top right) are both "
    "listened to and talkative; names are the top of each segment.": "Chaque point est un "
    "membre actif ; survolez un point pour voir son nom, ou une ligne des tableaux "
    "ci-dessous pour retrouver le membre sur le graphique. Les lignes pointillées sont les "
    "seuils (les {share} premiers des membres actifs sur chaque axe, au moins {messages} "
    "messages). Les vrais influenceurs (en haut à droite) sont à la fois écoutés et "
    "loquaces ; les noms affichés sont les premiers de chaque segment.",
    "talkative score": "score de loquacité",
    "listened-to score": "score d'écoute",
    "listened-to score against talkative score, one dot per active member": "score d'écoute "
    "(ordonnée) et score de loquacité (abscisse), un point par membre actif",
    "{name} ({segment}): talkative {talkative}, listened to {listened}": "{name} ({segment}) : "
    "loquacité {talkative}, écoute {listened}",
    "{shown} of {active} active members drawn": "{shown} membres actifs dessinés sur {active}",
    "{y} against {x}": "{y} (ordonnée) ; {x} (abscisse)",
    # durations
    "{count} d": "{count} j",
    "1 week": "1 semaine",
    "{count} days": "{count} jours",
    # propagation curves
    "true influencers": "vrais influenceurs",
    "most influential members": "membres les plus influents",
    "community average": "moyenne de la communauté",
    "time after a contribution (log scale)": "temps après une contribution (échelle log)",
    "people reached per contribution": "personnes atteintes par contribution",
    "For the top {count} {who}: the average number of distinct other people who joined the "
    "reply cascade under one of their contributions, as time goes by (replies, replies to "
    "replies, ...). The dashed line is the average contribution of the community ({people} "
    "people after a day). A steep early rise is Wu's speed of propagation.": "Pour les "
    "{count} premiers {who} : le nombre moyen d'autres personnes distinctes qui ont rejoint "
    "la cascade de réponses sous une de leurs contributions, au fil du temps (réponses, "
    "réponses aux réponses, ...). La ligne pointillée est la contribution moyenne de la "
    "communauté ({people} personnes après un jour). Une montée rapide au début est la "
    "vitesse de propagation de Wu.",
    # participation inequality
    "actual": "réelle",
    "perfect equality": "égalité parfaite",
    "share of active members, least active first": "part des membres actifs, les moins "
    "actifs d'abord",
    "share of messages": "part des messages",
    "of messages by the top {share} ({count} member)": "des messages écrits par les {share} "
    "premiers ({count} membre)",
    "of messages by the top {share} ({count} members)": "des messages écrits par les {share} "
    "premiers ({count} membres)",
    "of messages by the top 1%": "des messages écrits par le 1 % le plus actif",
    "Gini coefficient (0 equal, 1 one voice)": "coefficient de Gini (0 égalité, 1 une seule voix)",
    "messages by the median active member": "messages par le membre actif médian",
    "The Lorenz curve of messages per active member: the further it sags below the diagonal, "
    "the more the content comes from a few people. Most communities follow a steep curve (the "
    "90-9-1 rule); a community that depends on a handful of voices is fragile.": "La courbe "
    "de Lorenz des messages par membre actif : plus elle s'écarte sous la diagonale, plus le "
    "contenu vient de quelques personnes. La plupart des communautés suivent une courbe "
    "raide (la règle 90-9-1) ; une communauté qui dépend d'une poignée de voix est fragile.",
    # community health
    "of contributions got a response": "des contributions ont reçu une réponse",
    "got one within {horizon}": "en ont reçu une en moins de {horizon}",
    "median time to the first response": "délai médian avant la première réponse",
    "people reached per contribution in {horizon}": "personnes atteintes par contribution en "
    "{horizon}",
    "of member pairs interact both ways": "des paires de membres échangent dans les deux sens",
    "Active members per month": "Membres actifs par mois",
    "active members": "membres actifs",
    # what was read, and how
    "source": "source",
    "table": "table",
    "read": "lus",
    "kept": "gardés",
    "dropped (why)": "écartés (pourquoi)",
    "none": "aucun",
    "window: {since} to {until}": "fenêtre : du {since} au {until}",
    "cascade horizon: {horizon}": "horizon des cascades : {horizon}",
    "segments: top {share} of active members on each axis, at least {messages} messages; "
    "thresholds {thresholds}": "segments : les {share} premiers des membres actifs sur chaque "
    "axe, au moins {messages} messages ; seuils {thresholds}",
    "weights (normalised) — {weights}": "poids (normalisés) — {weights}",
    "Notes on the input (in English):": "Remarques sur les données lues (en anglais) :",
    # the reasons of a label ("top 2% reputation")
    "active days": "jours actifs",
    "messages per active week": "messages par semaine active",
    "threads started": "fils lancés",
    "threads joined": "fils rejoints",
    "people addressed": "personnes interpellées",
    "reputation": "réputation",
    "people who addressed them": "personnes qui les ont interpellés",
    "feedback received": "retours reçus",
    "accepted answers": "réponses acceptées",
    "answering back": "réponses rendues",
    "propagation speed": "vitesse de propagation",
    "self-proclaimed expertise": "expertise revendiquée",
    "top {percent}% {metric}": "top {percent} % {metric}",
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


def segment_name(segment: str, lang: str | None = None, *, one: bool = False) -> str:
    """The name people read for a canonical segment (``one``: for one of its members).

    Examples
    --------
    >>> segment_name("listened_to", "fr"), segment_name("true_influencer", "en")
    ('Les écoutés', 'True influencers')
    >>> segment_name("listened_to", "fr", one=True), segment_name("talkative", "en", one=True)
    ('écouté', 'talkative')
    """
    names = (SEGMENT_MEMBER_NAMES if one else SEGMENT_NAMES)[_check(lang or _CURRENT.get())]
    return names.get(segment, segment)


_REASON = re.compile(r"top (\d+)% (.+)")


def reasons_text(reasons: str, lang: str | None = None) -> str:
    """The reasons of a label (``"top 2% reputation, top 5% messages"``) in ``lang``.

    Each ``top N% metric`` is translated; anything else is left as it is.

    Examples
    --------
    >>> reasons_text("top 2% reputation, top 15% people addressed", "fr")
    'top 2 % réputation, top 15 % personnes interpellées'
    """
    lang = _check(lang or _CURRENT.get())
    if lang == "en" or not isinstance(reasons, str) or not reasons:
        return reasons
    parts = []
    for part in reasons.split(", "):
        match = _REASON.fullmatch(part)
        parts.append(
            translate("top {percent}% {metric}", lang).format(
                percent=match.group(1), metric=translate(match.group(2), lang)
            )
            if match
            else part
        )
    return ", ".join(parts)


def quadrant_name(quadrant: str, lang: str | None = None) -> str:
    """The name people read for a canonical value quadrant.

    Examples
    --------
    >>> quadrant_name("hidden_superfan", "fr")
    'Superfans cachés'
    """
    names = QUADRANT_NAMES[_check(lang or _CURRENT.get())]
    return names.get(quadrant, quadrant)
