"""The canonical tables: the one contract between readers and the rest.

Three tables travel through ``influence`` (see DESIGN.md section 3):

``messages``
    one row per contribution (post, question, answer, comment, reply, share, ...).
``interactions``
    one row per directed act, ``source`` user -> ``target`` user.
``users``
    one row per known user, with profile fields used for self-proclamation.

Ids are pandas ``string`` columns, timestamps are ``datetime64[ns, UTC]``.
``validate_*`` check a table and return a copy with canonical dtypes; they never
mutate their input.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence.errors import SchemaError

__all__ = [
    "INTERACTION_COLUMNS",
    "INTERACTION_KINDS",
    "MESSAGE_COLUMNS",
    "MESSAGE_KINDS",
    "PROFILE_COLUMNS",
    "USER_COLUMNS",
    "empty_interactions",
    "empty_messages",
    "empty_users",
    "validate_interactions",
    "validate_messages",
    "validate_users",
]

STRING = pd.StringDtype()
UTC = "datetime64[ns, UTC]"

#: Kinds of contribution; readers may add others, these are the known ones.
MESSAGE_KINDS = ("post", "question", "answer", "comment", "reply", "share", "quote")
#: Kinds of directed act between two users.
INTERACTION_KINDS = ("reply", "mention", "share", "quote", "accept", "kudos")

MESSAGE_COLUMNS: dict[str, object] = {
    "message_id": STRING,
    "author_id": STRING,
    "thread_id": STRING,
    "parent_id": STRING,
    "created_at": UTC,
    "kind": "category",
    "platform": "category",
    "topic": STRING,
    "score": "float64",
    "text_length": "int64",
}

INTERACTION_COLUMNS: dict[str, object] = {
    "source": STRING,
    "target": STRING,
    "kind": "category",
    "created_at": UTC,
    "message_id": STRING,
    "thread_id": STRING,
    "weight": "float64",
}

USER_COLUMNS: dict[str, object] = {
    "user_id": STRING,
    "display_name": STRING,
    "created_at": UTC,
}

#: Optional profile columns of ``users`` used for self-proclamation.
PROFILE_COLUMNS: dict[str, object] = {
    "about": STRING,
    "title": STRING,
    "website": STRING,
    "location": STRING,
    "profile_url": STRING,
}

_REQUIRED_NON_NULL = {
    "messages": ("message_id", "created_at"),
    "interactions": ("source", "target", "created_at"),
    "users": ("user_id",),
}


def _empty(columns: Mapping[str, object]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in columns.items()})


def empty_messages() -> pd.DataFrame:
    """Return a messages table with no rows and the canonical dtypes.

    Examples
    --------
    >>> list(empty_messages().columns)[:3]
    ['message_id', 'author_id', 'thread_id']
    """
    return _empty(MESSAGE_COLUMNS)


def empty_interactions() -> pd.DataFrame:
    """Return an interactions table with no rows and the canonical dtypes."""
    return _empty(INTERACTION_COLUMNS)


def empty_users() -> pd.DataFrame:
    """Return a users table with no rows and the canonical dtypes."""
    return _empty(USER_COLUMNS)


#: pandas 3 always copies on write: a shallow copy is then a table of its own.
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


def _coerce(frame: pd.DataFrame, columns: Mapping[str, object], table: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(f"{table} must be a pandas DataFrame (got {type(frame).__name__})")
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise SchemaError(
            f"{table} must have the columns {list(columns)} (missing {missing}; "
            f"present {list(frame.columns)})"
        )
    # a new table either way; with copy-on-write (pandas 3) its columns are copied
    # only when one side changes them, so validating costs no copy of the data
    out = frame.copy(deep=not _COPY_ON_WRITE)
    for name, dtype in columns.items():
        if str(out[name].dtype) == str(dtype):
            continue
        try:
            if dtype == UTC:
                out[name] = _to_utc(out[name])
            elif dtype is STRING:
                out[name] = out[name].astype(STRING)
            elif dtype == "int64":
                out[name] = pd.to_numeric(out[name]).fillna(0).astype("int64")
            else:
                out[name] = out[name].astype(dtype)
        except (TypeError, ValueError) as err:
            raise SchemaError(
                f"{table}.{name} must be convertible to {dtype} (got {out[name].dtype}: {err})"
            ) from err
    for name in _REQUIRED_NON_NULL[table]:
        nulls = int(out[name].isna().sum())
        if nulls:
            raise SchemaError(f"{table}.{name} must have no missing values (got {nulls} missing)")
    return out


def _to_utc(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype(UTC)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values.dt.tz_localize("UTC").astype(UTC)
    return pd.to_datetime(values, utc=True).astype(UTC)


def _all_distinct(ids: pd.Series) -> bool:
    """True when no value of a ``string`` column repeats (as ``not ids.duplicated().any()``).

    Each value is hashed to 64 bits in numpy, eight UTF-8 bytes at a time, and
    the hashes sorted: when no two are equal, no two values are. Only when
    two hashes meet (a repeat, or rarely two values with the same hash) are
    the values themselves counted, in Arrow. On two million ids this takes
    about a third of ``Series.duplicated``, which stays the reference
    (``tests/sources/test_build_tables.py`` compares both) and, for a column
    with repeats, finds the first one for the error message. A column of
    another storage answers False (undecided).

    Examples
    --------
    >>> _all_distinct(pd.Series(["a", "b", None], dtype="string"))
    True
    >>> _all_distinct(pd.Series(["a", "b", "a"], dtype="string"))
    False
    """
    if not isinstance(ids.dtype, pd.StringDtype) or ids.dtype.storage != "pyarrow":
        return False
    array = pa.array(ids.array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    array = pa.concat_arrays([array.cast(pa.large_string())])  # buffers from offset 0
    hashes = np.sort(_string_hashes(array))
    if not (hashes[1:] == hashes[:-1]).any():
        return True
    return len(pc.unique(array)) == len(array)


def _string_hashes(array: pa.Array) -> np.ndarray:
    """A 64-bit hash of each value of a ``large_string`` array (missing hashes as empty)."""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[: len(array) + 1]
    data = array.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8)[: offsets[-1]] if data is not None else []
    padded = np.concatenate([np.asarray(raw, dtype=np.uint8), np.zeros(8, dtype=np.uint8)])
    # words[i]: bytes i to i + 7 as one little-endian integer
    words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    start, length = offsets[:-1], np.diff(offsets)
    hashes = length.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    rows = np.arange(len(array))
    done = 0
    while len(rows):
        rows = rows[length[rows] > done]
        tail = np.minimum(length[rows] - done, 8).astype(np.uint64)
        word = words[start[rows] + done] & (~np.uint64(0) >> (np.uint64(64) - tail * np.uint64(8)))
        mixed = (hashes[rows] ^ word) * np.uint64(0xBF58476D1CE4E5B9)
        hashes[rows] = mixed ^ (mixed >> np.uint64(31))
        done += 8
    return hashes


def validate_messages(messages: pd.DataFrame) -> pd.DataFrame:
    """Check a messages table and return a copy with the canonical dtypes.

    Parameters
    ----------
    messages : DataFrame
        Must hold every column of :data:`MESSAGE_COLUMNS`; extra columns are kept.

    Returns
    -------
    DataFrame
        A new table; ``message_id`` is unique.

    Raises
    ------
    SchemaError
        When a column is missing, cannot be converted, ``message_id`` or
        ``created_at`` has missing values, or ``message_id`` repeats.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"message_id": ["1"], "author_id": ["a"], "thread_id": ["1"],
    ...     "parent_id": [None], "created_at": ["2024-01-01T00:00:00Z"], "kind": ["post"],
    ...     "platform": ["table"], "topic": [None], "score": [None], "text_length": [5]})
    >>> validate_messages(table).dtypes["created_at"]
    datetime64[ns, UTC]
    >>> validate_messages(table.drop(columns="kind"))
    Traceback (most recent call last):
    ...
    influence.errors.SchemaError: messages must have the columns [...] (missing ['kind']; ...)
    """
    out = _coerce(messages, MESSAGE_COLUMNS, "messages")
    _require_unique(out, "message_id", "messages")
    return out


def validate_interactions(interactions: pd.DataFrame) -> pd.DataFrame:
    """Check an interactions table and return a copy with the canonical dtypes.

    Raises
    ------
    SchemaError
        When a column is missing or cannot be converted, when ``source``,
        ``target`` or ``created_at`` has missing values, or a weight is negative.
    """
    out = _coerce(interactions, INTERACTION_COLUMNS, "interactions")
    negative = out["weight"] < 0
    if negative.any():
        raise SchemaError(
            f"interactions.weight must be >= 0 (got {out.loc[negative, 'weight'].iloc[0]})"
        )
    return out


def validate_users(users: pd.DataFrame) -> pd.DataFrame:
    """Check a users table and return a copy with the canonical dtypes.

    Profile columns from :data:`PROFILE_COLUMNS` that are present are cast to
    strings; ``user_id`` must be unique.
    """
    out = _coerce(users, USER_COLUMNS, "users")
    for name, dtype in PROFILE_COLUMNS.items():
        if name in out.columns and out[name].dtype != dtype:
            out[name] = out[name].astype(dtype)
    _require_unique(out, "user_id", "users")
    return out


def _require_unique(frame: pd.DataFrame, column: str, table: str) -> None:
    """Raise SchemaError naming the count and the first repeat when ``frame[column]`` repeats.

    :func:`_all_distinct` settles the usual case (no repeat) without
    ``Series.duplicated``, which then only runs to name the repeats.
    """
    if _all_distinct(frame[column]):
        return
    duplicated = frame[column].duplicated()
    if duplicated.any():
        first = frame.loc[duplicated, column].iloc[0]
        raise SchemaError(
            f"{table}.{column} must be unique (got {int(duplicated.sum())} repeated ids, "
            f"first {first!r})"
        )


def is_missing(values: pd.Series) -> np.ndarray:
    """Return a boolean array, True where an id column is missing or blank."""
    return (values.isna() | (values.astype(STRING).str.strip() == "")).to_numpy(bool)
