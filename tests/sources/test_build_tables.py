"""The fast paths of "build tables" (Stack Exchange parse, lookups) against the plain versions.

Each replaced algorithm keeps its plain version here as the reference:
``Index.get_indexer`` for the (prefix, number) table of ``id_positions``,
``Series.duplicated`` for the repeated-id check, ``str.extractall`` for the
``@name`` tokens, ``pd.to_datetime(format="ISO8601")`` for the Arrow parse of
dump times, ``Index.difference`` for the users added by ``assemble``,
``str.replace(r"\\s+", "").str.casefold()`` for the names ``@name`` is
compared with, the byte-per-byte comparison for ``_starts_with`` (and
``str.startswith``), ``Series.duplicated`` for the unique-id checks of
``validate_messages`` and ``validate_users``, the merge of tokens and
participants then ``sort_values``/``drop_duplicates`` for ``_best_participants``.
"""

import pickle
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from influence.community import ReadStats
from influence.errors import SchemaError, SourceError
from influence.schema import _all_distinct, validate_messages, validate_users
from influence.sources._common import (
    _integer_ids,
    _naive_iso_times,
    arrow_strings,
    assemble,
    id_positions,
    parse_timestamps,
)
from influence.sources.stackexchange import (
    MENTION_PATTERN,
    _best_participants,
    _Checks,
    _frame,
    _mention_names,
    _mention_tokens,
    _parse_tables,
    _starts_with,
    parse_comments,
    parse_stackexchange,
)


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


def _starts_with_bytes(values, prefixes):
    """The plain ``_starts_with``: one entry per byte of every prefix."""

    def parts(array):
        array = pa.concat_arrays([array])
        offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[: len(array) + 1]
        data = array.buffers()[2]
        return offsets, np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0)

    (value_at, value_bytes), (prefix_at, prefix_bytes) = parts(values), parts(prefixes)
    size = np.diff(prefix_at)
    out = values.is_valid().to_numpy(zero_copy_only=False)
    out &= prefixes.is_valid().to_numpy(zero_copy_only=False)
    out &= size <= np.diff(value_at)
    rows = np.flatnonzero(out)
    row = np.repeat(rows, size[rows])
    place = np.arange(len(row)) - np.repeat(np.cumsum(size[rows]) - size[rows], size[rows])
    same = value_bytes[value_at[row] + place] == prefix_bytes[prefix_at[row] + place]
    out[row[~same]] = False
    return out


@pytest.mark.parametrize("seed", range(5))
def test_starts_with_by_words_equals_bytes_and_startswith(seed):
    rng = np.random.default_rng(seed)
    alphabet = list("aab") + (["é", "ß", "日"] if seed % 2 else [])
    values, prefixes = [], []
    for _ in range(3000):
        value = "".join(rng.choice(alphabet, rng.integers(0, 30)))
        cut = int(rng.integers(0, len(value) + 3))
        prefix = value[:cut]
        if rng.random() < 0.5 and prefix:  # change one character: a near miss
            at = int(rng.integers(0, len(prefix)))
            prefix = prefix[:at] + str(rng.choice(alphabet)) + prefix[at + 1 :]
        values.append(None if rng.random() < 0.03 else value)
        prefixes.append(None if rng.random() < 0.03 else prefix)
    # sliced arrays: buffers that do not start at the first value
    value_array = arrow_strings(["zz", *values])[1:]
    prefix_array = arrow_strings(["q", *prefixes])[1:]
    found = _starts_with(value_array, prefix_array)
    assert found.tolist() == _starts_with_bytes(value_array, prefix_array).tolist()
    expected = [
        v is not None and p is not None and v.startswith(p)
        for v, p in zip(values, prefixes, strict=True)
    ]
    assert found.tolist() == expected
    assert 0 < found.sum() < len(found)


def test_starts_with_hand_checked_word_edges():
    values = ["abcdefgh", "abcdefghi", "abcdefghijklmnopq", "abcdefgh", "", "ab"]
    prefixes = ["abcdefgh", "abcdefghX", "abcdefghijklmnopq", "abcdefghi", "", "abc"]
    found = _starts_with(arrow_strings(values), arrow_strings(prefixes))
    assert found.tolist() == [True, False, True, False, True, False]


def test_mention_names_equal_replace_then_casefold():
    rng = np.random.default_rng(5)
    spaces = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f"]
    alphabet = [*"aBcZ_.-", *spaces, "\x1b", "\x7f", "\xa0", "\u2003", "\x85", "ß", "É", "İ"]
    for ascii_only in (True, False):
        pool = [c for c in alphabet if c.isascii()] if ascii_only else alphabet
        names = ["".join(rng.choice(pool, rng.integers(0, 12))) for _ in range(2000)]
        names = pd.Series([None if rng.random() < 0.05 else n for n in names], dtype="string")
        expected = names.str.replace(r"\s+", "", regex=True).str.casefold()
        got = _mention_names(names)
        assert got.dtype == "string"
        assert got.tolist() == expected.tolist()


def test_mention_names_python_whitespace_on_ascii():
    # RE2's \\s lacks \\v and the separators \\x1c-\\x1f that Python's \\s has
    names = pd.Series(["A\x0bB\x1cC \x1fD\x1bE", "Straße Nº\u20031"], dtype="string")
    assert _mention_names(names).tolist() == ["abcd\x1be", "strassenº1"]
    assert re.sub(r"\s+", "", "x\x0by") == "xy"


@pytest.mark.parametrize("seed", range(4))
def test_all_distinct_equals_not_duplicated(seed):
    rng = np.random.default_rng(seed)
    prefixes = ["", "c", "t3_abcdefg", "é", "x\x00", "a-much-longer-prefix-of-ids-"]
    for size in (0, 1, 5, 400, 3000):
        ids = [f"{rng.choice(prefixes)}{n}" for n in rng.integers(0, 2 * size + 1, size)]
        ids = [None if rng.random() < 0.02 else i for i in ids]
        for dtype in ("string", "str", object):
            series = pd.Series(ids, dtype=dtype)
            if _all_distinct(series):  # never claims unique when pandas sees a repeat
                assert not series.duplicated().any()
            if dtype == "string":
                assert _all_distinct(series) == (not series.duplicated().any())
    # distinct ids of every length, then the same with one repeat: both paths answer
    ids = [f"{rng.choice(prefixes)}{n}" for n in rng.permutation(5000)]
    assert _all_distinct(pd.Series(ids, dtype="string"))
    repeated = pd.Series([*ids, ids[int(rng.integers(0, 5000))]], dtype="string")
    assert not _all_distinct(repeated) and repeated.duplicated().sum() == 1


def _messages(ids):
    return pd.DataFrame(
        {
            "message_id": pd.array(ids, dtype="string"),
            "author_id": "a",
            "thread_id": "1",
            "parent_id": None,
            "created_at": pd.to_datetime(["2024-01-01"] * len(ids), utc=True),
            "kind": "post",
            "platform": "x",
            "topic": None,
            "score": np.nan,
            "text_length": 1,
        }
    )


def test_validate_messages_repeated_ids_same_message():
    with pytest.raises(SchemaError) as caught:
        validate_messages(_messages(["1", "2", "1", "c2", "2", "1"]))
    assert str(caught.value) == "messages.message_id must be unique (got 3 repeated ids, first '1')"
    users = pd.DataFrame({"user_id": pd.array(["b", "a", "b"], dtype="string")})
    users["display_name"] = None
    users["created_at"] = pd.NaT
    with pytest.raises(
        SchemaError, match=r"users.user_id must be unique \(got 1 repeated ids, first 'b'\)"
    ):
        validate_users(users)


def test_validate_messages_copy_is_independent():
    table = _messages(["1", "2"])
    out = validate_messages(table)
    out.loc[0, "score"] = 5.0
    out["text_length"] += 1
    assert table["score"].isna().all() and table["text_length"].tolist() == [1, 1]
    table.loc[1, "score"] = -1.0
    assert out["score"].tolist()[1] != -1.0


def test_parse_tables_empties_its_dict_parse_stackexchange_keeps_the_callers():
    posts = {
        "Id": ["1", "2"],
        "PostTypeId": ["1", "2"],
        "ParentId": [None, "1"],
        "CreationDate": ["2021-01-01T00:00:00.000"] * 2,
        "OwnerUserId": ["7", "8"],
        "Tags": ["<ada>", None],
    }
    comments = {
        "Id": ["5"],
        "PostId": ["1"],
        "CreationDate": ["2021-01-02T00:00:00.000"],
        "UserId": ["8"],
        "Text": ["@ann hi"],
    }
    users = {"Id": ["7", "8"], "DisplayName": ["Ann", "Bob"]}
    tables = {"Posts": posts, "Comments": comments, "Users": users}
    kept = pickle.dumps(tables)
    public = parse_stackexchange(tables)
    assert pickle.dumps(tables) == kept
    handed = pickle.loads(kept)
    private = _parse_tables(handed)
    assert handed == {}
    for mine, theirs in zip(public, private, strict=True):
        pd.testing.assert_frame_equal(mine, theirs, check_exact=True)
    assert public[1]["target"].tolist() == ["7"]


def test_mentions_repeated_user_and_repeated_user_id():
    posts = pd.DataFrame(
        {
            "message_id": ["1"],
            "author_id": ["7"],
            "thread_id": ["1"],
            "created_at": pd.to_datetime(["2021-01-01"], utc=True),
            "kind": ["question"],
            "topic": ["ada"],
            "tags": ["ada"],
        }
    )
    # user 7 twice: its first name counts ("Ann Lee"); user 9 commented first
    users = pd.DataFrame({"user_id": ["7", "9", "7"], "display_name": ["Ann Lee", "Annie", "Zed"]})
    stats = ReadStats()
    _comments, mentions = parse_comments(
        {
            "Id": ["10", "11", "12"],
            "PostId": ["1"] * 3,
            "CreationDate": [
                "2021-01-02T00:00:00.000",
                "2021-01-03T00:00:00.000",
                "2021-01-04T00:00:00.000",
            ],
            "UserId": ["9", "8", "8"],
            "Text": ["hi", "@annl @AnnLee and @ann @zed", "@Annie"],
        },
        posts,
        users=users,
        stats=stats,
    )
    # comment 11: @annl and @AnnLee name 7, @ann the latest commenter 9, @zed nobody
    assert mentions[["source_message_id", "target"]].values.tolist() == [
        ["c11", "7"],
        ["c11", "9"],
        ["c12", "9"],
    ]
    [entry] = [e for e in stats.to_dict()["entries"] if "mentions" in e.values()]
    assert (entry["read"], entry["kept"], entry["dropped"]) == (
        5,
        3,
        {"mention_unresolved": 1, "mention_repeated": 1},
    )


def _best_participants_plain(tokens, participants):
    """The plain resolution: merge both tables, filter, sort, first per token."""
    participants = participants.assign(person=np.arange(len(participants)))
    pairs = tokens.loc[tokens["token"].str.len() >= 3].merge(participants, on="post_id")
    not_self = (pairs["user_id"] != pairs["author"].astype("string")).fillna(True).to_numpy(bool)
    earlier = (pairs["when"] < pairs["at"]) | (
        (pairs["when"] == pairs["at"]) & (pairs["rank"] < pairs["order"])
    )
    in_time = np.where(
        pairs["role"] == 0,
        earlier.to_numpy(bool),
        np.where(pairs["role"] == 2, (pairs["when"] <= pairs["at"]).to_numpy(bool), True),
    )
    matches = [
        isinstance(n, str) and n.startswith(t)
        for n, t in zip(pairs["name"].astype(object), pairs["token"].astype(object), strict=True)
    ]
    pairs = pairs.loc[not_self & in_time & np.array(matches, dtype=bool)]
    pairs = pairs.assign(newest=-pairs["when"].astype("int64"), later=-pairs["rank"].fillna(0))
    best = pairs.sort_values(["token_number", "role", "newest", "later"], kind="stable")
    best = best.drop_duplicates("token_number")
    return best["token_number"].to_numpy(), best["person"].to_numpy()


@pytest.mark.parametrize("seed", range(6))
def test_best_participants_equal_merge_sort_first(seed):
    rng = np.random.default_rng(seed)
    size, people = 300, 400
    stamps = pd.to_datetime(rng.integers(0, 6, 1000) * 60, unit="s", utc=True)
    names = ["ann", "annie", "annlee", "bob", "bobby", "zoë", "zo", "ab"]
    tokens = pd.DataFrame(
        {
            "token_number": np.arange(size),
            "token": pd.array(rng.choice(["an", "ann", "anni", "bob", "zoë", "zo"], size)),
            "author": pd.array(rng.choice(["1", "2", "3", None], size), dtype="string"),
            "post_id": pd.array(rng.choice(["p1", "p2", "p3", "p4"], size), dtype="string"),
            "at": stamps[:size],
            "order": rng.choice([1.0, 2.0, 3.0, np.nan], size),
        }
    )
    when = pd.Series(stamps[size : size + people])
    when[rng.random(people) < 0.05] = pd.NaT  # an edit whose time did not parse
    participants = pd.DataFrame(
        {
            "post_id": pd.array(rng.choice(["p1", "p2", "p3", "p5"], people), dtype="string"),
            "user_id": pd.array(rng.choice(["1", "2", "3", "4", "5"], people), dtype="string"),
            "role": rng.integers(0, 3, people),
            "when": when,
            "rank": rng.choice([1.0, 2.0, 3.0, np.nan], people),
            "name": pd.array(rng.choice(names, people), dtype="string"),
        }
    )
    token_at, person_at = _best_participants(tokens, participants)
    plain_token, plain_person = _best_participants_plain(tokens, participants)
    assert token_at.tolist() == plain_token.tolist()
    assert person_at.tolist() == plain_person.tolist()
    assert 0 < len(token_at) < size


@pytest.mark.parametrize("seed", range(4))
def test_sort_rows_freeing_equals_pandas_stable_sort(seed):
    # the plain algorithm: pandas' stable sort; the frame handed over is emptied
    from influence.sources._common import _sort_rows_freeing

    rng = np.random.default_rng(seed)
    n = 500
    stamps = pd.Series(pd.to_datetime(rng.integers(0, 20, n) * 60, unit="s", utc=True))
    stamps[rng.random(n) < 0.1] = pd.NaT
    frame = pd.DataFrame(
        {
            "at": stamps,
            "id": pd.array(rng.choice(["a", "b", "ab", "é", "Z", None], n), dtype="string"),
            "kind": pd.Categorical(rng.choice(["reply", "mention", "accept"], n)),
            "rank": rng.choice([1.5, -2.0, np.nan], n),
            "count": rng.integers(0, 3, n),
            "flag": rng.random(n) < 0.5,
            "row": np.arange(n),
        }
    )
    frame.attrs["source"] = "test"
    for keys in (["at", "id"], ["kind", "rank", "id"], ["count", "flag"]):
        plain = frame.sort_values(keys, kind="stable").reset_index(drop=True)
        handed = frame.copy()
        out = _sort_rows_freeing(handed, keys)
        pd.testing.assert_frame_equal(out, plain, check_exact=True)
        assert out.attrs == {"source": "test"}
        assert handed.columns.tolist() == []
        assert frame["row"].tolist() == list(range(n))  # a copy handed over: the original stays
    mixed = pd.DataFrame({"v": pd.array([2, "a", 1], dtype=object), "w": [0, 1, 2]})
    with pytest.raises(TypeError):  # objects Arrow cannot sort go to pandas, which refuses too
        _sort_rows_freeing(mixed, ["v"])


def test_assemble_leaves_the_callers_messages_intact():
    # assemble sorts (and empties) its own reindexed frame, never the one it was given
    from influence.sources._common import MESSAGE_COLUMNS, assemble

    for columns in (list(MESSAGE_COLUMNS), ["message_id", "author_id", "created_at"]):
        messages = pd.DataFrame(
            {
                "message_id": ["q", "a", "c"],
                "author_id": ["bob", "ann", None],
                "thread_id": "q",
                "parent_id": [None, "q", "a"],
                "kind": ["question", "answer", "comment"],
                "created_at": pd.to_datetime(["2024-01-03", "2024-01-01", "2024-01-02"], utc=True),
                "text_length": 1,
            }
        ).reindex(columns=columns)
        before = messages.copy()
        community = assemble(messages, stats=ReadStats(), platform="t", name="t")
        pd.testing.assert_frame_equal(messages, before)
        assert community.messages["message_id"].tolist() == ["a", "c", "q"]
