"""Self-proclamation: the expertise users claim in their own profile."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from influence.community import Community

__all__ = [
    "EXPERTISE_KEYWORDS",
    "SELF_PROCLAMATION_WEIGHTS",
    "compute_self_proclamation",
]

#: Words and phrases that claim expertise, matched case-insensitively on word
#: boundaries (a plural ``s`` is allowed) in the ``about`` text and the ``title``.
EXPERTISE_KEYWORDS = (
    "expert",
    "developer",
    "engineer",
    "founder",
    "co-founder",
    "author",
    "phd",
    "ph.d",
    "professor",
    "lecturer",
    "maintainer",
    "contributor",
    "committer",
    "years of experience",
    "consultant",
    "architect",
    "researcher",
    "scientist",
    "specialist",
    "MVP",
    "CTO",
)

#: Weights of the four parts of the score; they sum to 1.
SELF_PROCLAMATION_WEIGHTS = {
    "about_length": 0.4,
    "website": 0.2,
    "title": 0.2,
    "keywords": 0.2,
}

#: ``about`` texts this long (characters, tags removed) or longer get the full part.
ABOUT_FULL_LENGTH = 400
#: This many keyword hits or more get the full part.
KEYWORDS_FULL_HITS = 3

_PATTERN = (
    r"(?<![\w-])(?:" + "|".join(re.escape(word) for word in EXPERTISE_KEYWORDS) + r")s?(?![\w-])"
)
_TAG = r"<[^>]*>"


def compute_self_proclamation(community: Community) -> pd.Series:
    """Expertise claimed in the profile, from 0 (nothing) to 1.

    Parameters
    ----------
    community : Community
        Its ``users`` table; the optional columns ``about``, ``title`` and
        ``website`` are used when present.

    Returns
    -------
    Series
        float64 in [0, 1], indexed by ``community.user_ids``, named
        ``"self_proclamation"``; 0 for users without a profile.

    Notes
    -----
    An additive score (:data:`SELF_PROCLAMATION_WEIGHTS`)::

        0.4 * min(1, len(about) / 400)        # a substantial "about me"
      + 0.2 * (website given)
      + 0.2 * (title given)
      + 0.2 * min(1, keyword hits / 3)        # EXPERTISE_KEYWORDS in about + title

    HTML tags are removed from ``about`` before measuring it; blank fields count
    as missing. This is what a member *says* about themselves: cheap to claim,
    so it has a low weight on the listened-to axis, but a useful hint when
    choosing whom to invite as an expert.

    Examples
    --------
    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> msgs = pd.DataFrame({"message_id": ["1"], "author_id": ["bob"], "thread_id": "1",
    ...     "parent_id": [None], "kind": "post",
    ...     "created_at": pd.to_datetime(["2024-01-01"], utc=True), "text_length": 1})
    >>> users = pd.DataFrame({"user_id": ["ann"], "display_name": ["Ann"],
    ...     "created_at": pd.to_datetime([None], utc=True),
    ...     "about": ["<p>Python developer, PhD, maintainer.</p>"], "title": ["Engineer"],
    ...     "website": [None]})
    >>> community = assemble(msgs, users=users, stats=ReadStats(), platform="t", name="t")
    >>> compute_self_proclamation(community).round(4)
    user_id
    ann    0.4340
    bob    0.0000
    Name: self_proclamation, dtype: float64
    """
    ids = community.user_ids
    profiles = community.users.drop_duplicates("user_id").set_index("user_id")
    profiles.index = profiles.index.astype("string")
    profiles = profiles.reindex(ids)

    def text(column: str) -> pd.Series:
        if column not in profiles.columns:
            return pd.Series("", index=ids, dtype="string")
        values = profiles[column].astype("string").fillna("")
        return values.str.replace(_TAG, " ", regex=True).str.strip()

    about, title, website = text("about"), text("title"), text("website")
    about_text = about.str.replace(r"\s+", " ", regex=True)
    hits = (about_text + " " + title).str.count(_PATTERN, flags=re.IGNORECASE)
    weights = SELF_PROCLAMATION_WEIGHTS
    score = (
        weights["about_length"]
        * np.minimum(1.0, about_text.str.len().to_numpy(np.float64) / ABOUT_FULL_LENGTH)
        + weights["website"] * (website.str.len() > 0).to_numpy(np.float64)
        + weights["title"] * (title.str.len() > 0).to_numpy(np.float64)
        + weights["keywords"] * np.minimum(1.0, hits.to_numpy(np.float64) / KEYWORDS_FULL_HITS)
    )
    return pd.Series(score, index=ids, dtype=np.float64, name="self_proclamation")
