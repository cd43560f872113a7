"""Self-proclamation: the additive profile score, by hand on the toy community."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import TOY_USERS

from influence.community import Community
from influence.metrics.self_proclamation import (
    EXPERTISE_KEYWORDS,
    SELF_PROCLAMATION_WEIGHTS,
    compute_self_proclamation,
)
from influence.schema import empty_interactions, empty_messages


def test_toy_self_proclamation(toy_community):
    # ann: about 55 chars -> 0.4 * 55/400 = 0.055; website 0.2; title 0.2;
    #      keywords developer, maintainer, PhD, Engineer (title) = 4 >= 3 -> 0.2
    # bob: "I like cats." 12 chars -> 0.012 (no keyword: "cats" is not one)
    # cat: empty about, blank title -> 0;  dan: no profile row -> 0
    # eve: title "Founder" 0.2 + website 0.2 + 1 keyword 0.2/3
    # fay, hal: "Hello!" 6 chars -> 0.006 (the tie)
    # gus: 479 chars (capped) 0.4 + website + title + 41 keywords (capped) -> 1.0
    expected = pd.Series(
        [0.655, 0.012, 0.0, 0.0, 0.4 + 0.2 / 3, 0.006, 1.0, 0.006],
        index=pd.Index(TOY_USERS, dtype="string", name="user_id"),
        name="self_proclamation",
    )
    pd.testing.assert_series_equal(compute_self_proclamation(toy_community), expected)


def test_weights_sum_to_one():
    assert sum(SELF_PROCLAMATION_WEIGHTS.values()) == pytest.approx(1.0)
    assert "years of experience" in EXPERTISE_KEYWORDS


def _community(users: pd.DataFrame) -> Community:
    users = users.assign(display_name=None, created_at=pd.NaT)
    return Community(messages=empty_messages(), interactions=empty_interactions(), users=users)


@pytest.mark.parametrize(
    ("about", "hits"),
    [
        ("Senior DEVELOPER, 10 years of experience", 2),
        ("developers and engineers", 2),  # plurals
        ("Ph.D. candidate, phd", 2),
        ("redeveloper, engineering, co-founder", 1),  # word boundaries: only co-founder
        ("<b>expert</b>", 1),  # tags removed first
    ],
)
def test_keywords_on_word_boundaries(about, hits):
    users = pd.DataFrame({"user_id": ["u"], "about": [about]})
    score = compute_self_proclamation(_community(users))["u"]
    length = len(pd.Series([about]).str.replace(r"<[^>]*>", " ", regex=True).str.strip()[0])
    assert score == pytest.approx(0.4 * length / 400 + 0.2 * hits / 3)


def test_profile_columns_are_optional():
    users = pd.DataFrame({"user_id": ["a", "b"]})
    score = compute_self_proclamation(_community(users))
    assert score.tolist() == [0.0, 0.0]
    with_site = pd.DataFrame({"user_id": ["a", "b"], "website": ["https://a", None]})
    assert compute_self_proclamation(_community(with_site)).tolist() == [0.2, 0.0]
