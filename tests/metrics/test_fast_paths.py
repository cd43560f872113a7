"""The integer-code fast paths against the plain string-based computations they replace.

Each reference below is the implementation that ran before the fast path (string
ids, ``np.unique(..., axis=1)``, pandas groupbys on ids); the fast paths must give
exactly the same numbers on the toy community and on seeded random communities.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from influence.community import Community, ReadStats
from influence.graph import community_codes
from influence.metrics._common import distinct_pairs
from influence.metrics.participation import compute_participation
from influence.metrics.propagation import (
    compute_cascades,
    compute_propagation,
    compute_reach_by_horizon,
)
from influence.metrics.reputation import compute_explicit_feedback
from influence.metrics.structure import compute_z_score
from influence.report.curves import community_health, monthly_activity, propagation_curves
from influence.sources._common import assemble


def random_thread_community(seed: int, n: int = 400) -> Community:
    """Seeded threads: questions, answers, comments, deleted authors, unknown parents."""
    rng = np.random.default_rng(seed)
    authors = np.array([f"u{i:02d}" for i in range(25)] + [None] * 3, dtype=object)
    ids = np.array([f"m{i:04d}" for i in range(n)], dtype=object)
    parent = np.full(n, None, dtype=object)
    thread = ids.copy()
    kind = np.full(n, "question", dtype=object)
    for i in range(1, n):
        if rng.random() < 0.8:
            j = int(rng.integers(0, i))
            parent[i], thread[i] = ids[j], thread[j]
            kind[i] = "answer" if parent[j] is None else "comment"
        elif rng.random() < 0.3:
            parent[i] = thread[i] = "ghost"
            kind[i] = "reply"
    start = pd.Timestamp("2023-11-20", tz="UTC")
    minutes = np.sort(rng.integers(0, 60 * 24 * 120, size=n))
    messages = pd.DataFrame(
        {
            "message_id": ids,
            "author_id": rng.choice(authors, size=n),
            "thread_id": thread,
            "parent_id": parent,
            "kind": kind,
            "created_at": start + pd.to_timedelta(minutes, unit="min"),
            "score": np.where(rng.random(n) < 0.5, rng.integers(-2, 9, size=n), np.nan),
            "text_length": 10,
        }
    )
    return assemble(messages, stats=ReadStats(), platform="t", name=f"random-{seed}")


@pytest.fixture(params=["toy", 1, 2, 3])
def community(request, toy_community) -> Community:
    return toy_community if request.param == "toy" else random_thread_community(request.param)


def _epoch_ns(values: pd.Series) -> np.ndarray:
    return values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]").view("i8")


def _unique_rows(owner, value) -> np.ndarray:
    if not len(owner):
        return np.asarray(owner, dtype=np.int64)
    return np.unique(np.stack([owner.astype(np.int64), value.astype(np.int64)]), axis=1)[0]


def participation_reference(community: Community) -> pd.DataFrame:
    users = community.user_ids
    n = len(users)
    messages = community.messages
    author = users.get_indexer(messages["author_id"].to_numpy())
    mine = author >= 0
    author = author[mine]
    authored = messages.loc[mine]
    day = _epoch_ns(authored["created_at"]) // (86_400 * 10**9)
    week = (day + 3) // 7
    kind = authored["kind"].astype(str).to_numpy()
    thread_id = authored["thread_id"].to_numpy()
    is_root = (authored["thread_id"] == authored["message_id"]).fillna(False).to_numpy(bool)
    all_ids = messages["message_id"]
    root_author = pd.Series(messages["author_id"].to_numpy(), index=all_ids.to_numpy())
    root_author = root_author[(messages["thread_id"] == all_ids).fillna(False).to_numpy(bool)]
    starter = root_author.reindex(thread_id).fillna("").to_numpy(str)
    started_by_me = starter == authored["author_id"].astype(str).to_numpy(str)
    joined = authored["thread_id"].notna().to_numpy() & ~started_by_me
    threads = pd.factorize(thread_id)[0]
    count = np.bincount(author, minlength=n).astype(float)
    weeks = np.bincount(_unique_rows(author, week), minlength=n).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        velocity = np.where(weeks > 0, count / weeks, 0.0)
    return pd.DataFrame(
        {
            "messages": count,
            "active_days": np.bincount(_unique_rows(author, day), minlength=n).astype(float),
            "active_weeks": weeks,
            "messages_per_active_week": velocity,
            "threads_started": np.bincount(author[is_root], minlength=n).astype(float),
            "threads_joined": np.bincount(
                _unique_rows(author[joined], threads[joined]), minlength=n
            ).astype(float),
            "questions": np.bincount(author[kind == "question"], minlength=n).astype(float),
            "answers": np.bincount(author[kind == "answer"], minlength=n).astype(float),
        },
        index=users,
    )


def monthly_reference(messages: pd.DataFrame) -> pd.DataFrame:
    naive = messages["created_at"].dt.tz_convert("UTC").dt.tz_localize(None)
    month = naive.dt.to_period("M")
    frame = pd.DataFrame({"month": month.to_numpy(), "author_id": messages["author_id"].to_numpy()})
    grouped = frame.groupby("month", sort=True)
    table = pd.DataFrame(
        {"messages": grouped.size(), "active_members": grouped["author_id"].nunique()}
    )
    full = pd.period_range(month.min(), month.max(), freq="M")
    table = table.reindex(full, fill_value=0).astype(np.int64)
    table.index = pd.Index(full.strftime("%Y-%m"), dtype=object, name="month")
    return table


def reciprocated_share_reference(interactions: pd.DataFrame) -> float:
    pairs = interactions[["source", "target"]].drop_duplicates()
    a = np.minimum(pairs["source"].astype(str), pairs["target"].astype(str))
    b = np.maximum(pairs["source"].astype(str), pairs["target"].astype(str))
    per_pair = pd.DataFrame({"a": a, "b": b}).groupby(["a", "b"]).size()
    return float((per_pair == 2).mean())


@pytest.mark.parametrize("seed", range(5))
def test_distinct_pairs_equals_unique_rows(seed):
    rng = np.random.default_rng(seed)
    first = rng.integers(0, 30, size=500)
    second = rng.integers(-40, 40, size=500)
    expected = np.unique(np.stack([first, second]), axis=1)
    got = distinct_pairs(first, second)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


def test_distinct_pairs_falls_back_when_the_key_would_overflow():
    first = np.array([2**40, 1, 2**40, 1], dtype=np.int64)
    second = np.array([2**40, 5, 2**40, -3], dtype=np.int64)
    got = distinct_pairs(first, second)
    assert got[0].tolist() == [1, 1, 2**40] and got[1].tolist() == [-3, 5, 2**40]
    assert [a.size for a in distinct_pairs(np.array([], int), np.array([], int))] == [0, 0]


def test_participation_equals_reference(community):
    pd.testing.assert_frame_equal(
        compute_participation(community), participation_reference(community), check_exact=True
    )


def test_z_score_and_feedback_equal_string_groupbys(community):
    users = community.user_ids
    messages = community.messages
    kind = messages["kind"].astype(str)
    counts = pd.crosstab(messages["author_id"], kind).reindex(users).fillna(0)
    answers = counts.get("answer", 0) * 1.0
    questions = counts.get("question", 0) * 1.0
    total = answers + questions
    expected = ((answers - questions) / np.sqrt(total)).where(total > 0)
    got = compute_z_score(community)
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy(np.float64))
    authored = messages.loc[messages["author_id"].notna()]
    score = pd.to_numeric(authored["score"], errors="coerce").fillna(0.0)
    feedback = score.groupby(authored["author_id"].to_numpy()).sum().reindex(users).fillna(0.0)
    np.testing.assert_array_equal(
        compute_explicit_feedback(community)["feedback"].to_numpy(), feedback.to_numpy(float)
    )


def test_cascades_of_a_community_equal_those_of_its_messages(community):
    messages = community.messages
    pd.testing.assert_frame_equal(compute_cascades(community), compute_cascades(messages))
    hours = ["15min", "4h", "3D"]
    pd.testing.assert_frame_equal(
        compute_reach_by_horizon(community, hours), compute_reach_by_horizon(messages, hours)
    )
    again = compute_propagation(community)  # the cached tree is reused, same numbers
    pd.testing.assert_frame_equal(again, compute_propagation(community))


def test_codes_equal_get_indexer(community):
    codes = community_codes(community)
    users = community.user_ids
    ids = pd.Index(community.messages["message_id"].to_numpy(dtype=object))
    author = community.messages["author_id"].to_numpy(dtype=object, na_value=None)
    assert codes.author.tolist() == users.get_indexer(author).tolist()
    assert codes.source.tolist() == users.get_indexer(community.interactions["source"]).tolist()
    assert codes.target.tolist() == users.get_indexer(community.interactions["target"]).tolist()
    parent = community.messages["parent_id"].to_numpy(dtype=object, na_value=None)
    assert codes.parent.tolist() == ids.get_indexer(parent).tolist()
    thread = community.messages["thread_id"].to_numpy(dtype=object, na_value=None)
    assert codes.thread_root.tolist() == ids.get_indexer(thread).tolist()
    carrier = community.interactions["message_id"].to_numpy(dtype=object, na_value=None)
    assert codes.carrier.tolist() == ids.get_indexer(carrier).tolist()
    assert community_codes(community) is codes


def _stack_exchange_shaped(community: Community) -> Community:
    """The community with Stack Exchange's ids: posts ``"17"``, comments ``"c17"``."""
    messages = community.messages
    comment = (messages["kind"] == "comment").to_numpy(bool)
    number = np.arange(1, len(messages) + 1)
    new_ids = np.where(comment, np.char.add("c", number.astype(str)), number.astype(str))
    rename = dict(zip(messages["message_id"].tolist(), new_ids.tolist(), strict=True))
    users = {u: str(n * 3) for n, u in enumerate(community.user_ids.tolist(), start=1)}
    relabelled = messages.copy()
    for column in ("message_id", "thread_id", "parent_id"):
        # a dangling parent ("ghost") keeps its id: a prefix the table does not know
        relabelled[column] = relabelled[column].map(lambda v: rename.get(v, v), na_action="ignore")
    relabelled["author_id"] = relabelled["author_id"].map(users.get, na_action="ignore")
    return assemble(relabelled, stats=ReadStats(), platform="t", name="se-shaped")


def test_codes_of_stack_exchange_ids_equal_get_indexer(community):
    test_codes_equal_get_indexer(_stack_exchange_shaped(community))


@pytest.mark.parametrize("shift", [0, 2, 4])
def test_prepared_ids_dropped_once_their_codes_exist(community, shift):
    names = ["author", "parent", "source", "carrier", "target", "thread_root"]
    names = names[shift:] + names[:shift]
    for data in (community, _stack_exchange_shaped(community)):
        codes = community_codes(data)
        for n, name in enumerate(names):
            getattr(codes, name)
            for lookup, served in codes._SERVES.items():
                made = set(served) & set(names[: n + 1])  # kept from first use to last
                assert (lookup in codes._derived) == (0 < len(made) < len(served))
        # the arrays made before and after each drop are those of get_indexer
        test_codes_equal_get_indexer(data)


def test_user_ids_equal_drop_duplicates_sort_values(community):
    # the plain algorithm Community.user_ids replaced (pandas hashing and sorting)
    for data in (community, _stack_exchange_shaped(community)):
        parts = [
            data.users["user_id"],
            data.messages["author_id"].dropna(),
            data.interactions["source"],
            data.interactions["target"],
        ]
        ids = pd.concat(parts, ignore_index=True).drop_duplicates().sort_values()
        expected = pd.Index(ids.to_numpy(), dtype="string", name="user_id")
        pd.testing.assert_index_equal(data.user_ids, expected, exact=True)


def test_report_figures_equal_reference(community):
    pd.testing.assert_frame_equal(
        monthly_activity(community.messages), monthly_reference(community.messages)
    )
    pd.testing.assert_frame_equal(
        monthly_activity(community), monthly_reference(community.messages)
    )
    health = community_health(community)
    assert health["reciprocated_pairs_share"] == reciprocated_share_reference(
        community.interactions
    )
    users = [*community.user_ids[:4], "nobody"]
    curves = propagation_curves(community, users)
    table = compute_reach_by_horizon(community.messages, [f"{h}h" for h in curves.index])
    known = community.messages["author_id"].notna().to_numpy()
    authors = community.messages["author_id"].to_numpy(dtype=object)[known]
    for hours, column in zip(curves.index, table.columns, strict=True):
        expected = pd.Series(table[column].to_numpy()[known]).groupby(authors).mean()
        np.testing.assert_array_equal(
            curves.loc[hours, users].to_numpy(), expected.reindex(users).to_numpy(float)
        )


@pytest.mark.parametrize("seed", range(3))
def test_credit_flip_equals_the_rule_row_by_row(seed):
    from influence.graph import CREDIT_DIRECTION, _credit_flip

    rng = np.random.default_rng(seed)
    n = 2000
    kinds = pd.Series(rng.choice(["reply", "mention", "accept", "kudos", "other", None], n))
    message_kind = pd.Series(rng.choice(["answer", "comment", "question", None], 50))
    carrier = rng.integers(-1, 50, n)
    expected = []
    for kind, at in zip(kinds.tolist(), carrier.tolist(), strict=True):
        carried = None if at < 0 else message_kind[at]
        rule = CREDIT_DIRECTION.get((kind, carried)) or CREDIT_DIRECTION.get((kind, "*"))
        expected.append(rule == "to_source")
    got = _credit_flip(kinds.astype("category"), carrier, message_kind.astype("category"))
    assert got.tolist() == expected
    assert 0 < sum(expected) < n


def test_cached_cascades_are_not_shared_with_callers(community):
    # compute_propagation and compute_cascades share per-message arrays cached per community
    compute_propagation(community)
    first = compute_cascades(community)
    expected = compute_cascades(community.messages)
    first.loc[:, ["reach", "first_response_minutes"]] = -1.0
    pd.testing.assert_frame_equal(compute_cascades(community), expected)
