"""The fast paths of "build tables" (Stack Exchange parse, lookups) against the plain versions.

Each replaced algorithm keeps its plain version here as the reference:
``Index.get_indexer`` for the (prefix, number) table of ``id_positions``,
``Series.duplicated`` for the repeated-id check, ``str.extractall`` for the
``@name`` tokens, ``pd.to_datetime(format="ISO8601")`` for the Arrow parse of
dump times, ``Index.difference`` for the users added by ``assemble``.
"""

import numpy as np
import pandas as pd
import pytest

from influence.community import ReadStats
from influence.errors import SourceError
from influence.sources._common import (
    _integer_ids,
    _naive_iso_times,
    arrow_strings,
    assemble,
    id_positions,
    parse_timestamps,
)
from influence.sources.stackexchange import MENTION_PATTERN, _Checks, _frame, _mention_tokens


def _expected_positions(keys, ids):
    return pd.Index(pd.array(ids, dtype="string")).get_indexer(pd.array(keys, dtype="string"))


@pytest.mark.parametrize("seed", range(6))
def test_id_positions_prefixed_ids_equal_get_indexer(seed):
    rng = np.random.default_rng(seed)
    prefixes = ["", "c", "t_", "é"][: 1 + seed % 4]
    numbers = rng.permutation(np.arange(-50, 3000))[:800]
    ids = [f"{rng.choice(prefixes)}{n}" for n in numbers]
    ids = list(dict.fromkeys(ids))  # unique, as get_indexer needs
    if seed % 2:
        ids[5] = None  # a missing id matches a missing key
    odd = ["017", "c017", "-0", "+5", " 5", "x5", "cc5", "c", "", "5c", "c-", "c--5", "99999"]
    keys = [*rng.choice([*[i for i in ids if i is not None], *odd], 3000), None, None]
    assert id_positions(keys, ids).tolist() == _expected_positions(keys, ids).tolist()


def test_id_positions_sparse_or_repeated_ids_fall_back():
    sparse = ["1", "c9000000000", "c2"]
    keys = ["c2", "1", "c9000000000", "c1"]
    assert id_positions(keys, sparse).tolist() == _expected_positions(keys, sparse).tolist()
    repeated = ["c1", "2", "c1", "3"]  # the first position, as before
    assert id_positions(["c1", "3", "4"], repeated).tolist() == [0, 3, -1]
    huge = [str(-(2**63)), str(2**63 - 1)]
    assert id_positions(huge[::-1], huge).tolist() == [1, 0]


def test_id_positions_many_prefixes_hash_strings():
    ids = [f"{chr(97 + n % 20)}{chr(97 + n // 20)}{n}" for n in range(400)]
    keys = [*ids[::-3], "zz1"]
    assert id_positions(keys, ids).tolist() == _expected_positions(keys, ids).tolist()


@pytest.mark.parametrize(
    ("values", "plain"),
    [
        (["17", "-3", "0", None], True),
        (["17", "017"], False),
        (["+5"], False),
        (["-0"], False),
        ([" 5"], False),
        ([str(-(2**63))], False),  # its absolute value does not fit: hashed as text
        ([str(2**63 - 1), "9"], True),
    ],
)
def test_integer_ids_only_plain_integers(values, plain):
    assert (_integer_ids(arrow_strings(values)) is not None) is plain


def test_integer_ids_samples_then_checks_every_value():
    values = [str(n) for n in range(1000)]
    values[501] = "0501"  # not in the spread sample: the whole column is checked
    assert _integer_ids(arrow_strings(values)) is None
    values[501] = "501"
    assert _integer_ids(arrow_strings(values)).to_pylist() == list(range(1000))


@pytest.mark.parametrize("ascii_only", [True, False])
def test_mention_tokens_equal_extractall(ascii_only):
    rng = np.random.default_rng(11)
    alphabet = list("@@@ab_Z9.'-  \n,x")
    if not ascii_only:
        alphabet += ["é", "ß", "Ä", "١", "\u0301"]
    for _ in range(40):
        texts = ["".join(rng.choice(alphabet, rng.integers(0, 30))) for _ in range(150)]
        texts = [None if rng.random() < 0.05 else text for text in texts]
        series = pd.Series(texts, dtype="string")
        found = series.str.extractall(MENTION_PATTERN)
        row, token = _mention_tokens(series)
        assert row.tolist() == found.index.get_level_values(0).tolist()
        assert token.to_pylist() == found[0].str.rstrip(".'-").str.casefold().tolist()


def test_mention_tokens_hand_checked():
    row, token = _mention_tokens(pd.Series(["hi @Ann.", "a@b @@c @d-e- x@y", "@", None]))
    assert (row.tolist(), token.to_pylist()) == ([0, 1], ["ann", "d-e"])


@pytest.mark.parametrize("seed", range(4))
def test_naive_iso_times_equal_to_datetime(seed):
    rng = np.random.default_rng(seed)
    stamps = rng.integers(-5_000_000_000, 7_000_000_000, 400) * 10**9 + rng.integers(0, 10**9, 400)
    text = pd.Series(pd.to_datetime(stamps)).dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    text = text.str.slice(0, -int(rng.integers(0, 6)) or None)  # 6 to 1 decimals
    text = pd.Series(text, dtype="string")
    text[::17] = pd.NA
    expected = pd.to_datetime(text, utc=True, format="ISO8601")
    parsed = _naive_iso_times(text)
    assert parsed.dtype == "datetime64[ns, UTC]"
    pd.testing.assert_series_equal(parsed, expected.astype("datetime64[ns, UTC]"))


@pytest.mark.parametrize(
    "values",
    [
        ["2021-02-30T00:00:00"],  # no such day: the general path reports it
        ["2021-01-01T00:00:00", "2021-01-01T00:00:00Z"],
        ["2021-01-01 00:00:00"],
        ["1619535600"],
        ["2500-01-01T00:00:00"],
        [" 2021-01-01T00:00:00"],
        ["2021-01-01T24:00:00"],
    ],
)
def test_naive_iso_times_leave_other_values_to_the_general_path(values):
    series = pd.Series(values, dtype="string")
    assert _naive_iso_times(series) is None
    skipped = parse_timestamps(series, path="x", column="t", on_error="skip")
    assert skipped.dtype == "datetime64[ns, UTC]"


def test_parse_timestamps_fast_path_still_reports_missing_with_line():
    series = pd.Series(["2021-01-01T00:00:00.5", None], dtype="string")
    with pytest.raises(SourceError, match=r"x:8: t must be an ISO 8601 time .*got missing"):
        parse_timestamps(series, path="x", column="t", lines=[7, 8])


def test_repeated_ids_found_as_series_duplicated():
    rng = np.random.default_rng(3)
    ids = [str(n) for n in rng.integers(0, 300, 500)] + ["c1", "c1", "017", "17"]
    frame = _frame({"Id": ids}, ["Id"])
    checks = _Checks(frame, "Posts.xml")
    _kept, keep, dropped, _first = checks.apply("skip")
    repeated = pd.Series(ids).duplicated().to_numpy()
    assert keep.tolist() == np.flatnonzero(~repeated).tolist()
    assert dropped == {"duplicate_id": int(repeated.sum())}


def test_assemble_adds_unknown_users_sorted_as_index_difference():
    messages = pd.DataFrame(
        {
            "message_id": ["1", "2", "3", "4"],
            "author_id": ["b", "é", "10", None],
            "thread_id": ["1"] * 4,
            "parent_id": [None, "1", "1", "2"],
            "created_at": pd.to_datetime(["2024-01-01"] * 4, utc=True),
            "kind": "post",
            "platform": "x",
            "topic": None,
            "score": np.nan,
            "text_length": 1,
        }
    )
    users = pd.DataFrame({"user_id": pd.array(["10"], dtype="string")})
    users["display_name"] = pd.array(["Ten"], dtype="string")
    users["created_at"] = pd.Series(pd.NaT, index=users.index, dtype="datetime64[ns, UTC]")
    community = assemble(messages, users=users, stats=ReadStats(), platform="x", name="x")
    seen = pd.Index(["b", "é", "10", "b", "b"], dtype="string")
    expected = seen.unique().difference(pd.Index(["10"], dtype="string")).sort_values()
    added = community.users["user_id"][community.users["display_name"].isna()]
    assert added.tolist() == expected.tolist() == ["b", "é"]
