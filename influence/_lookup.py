"""The position of each id among others, over whole Arrow columns.

The lowest layer of id lookups, shared by the readers (``sources``) and the
graph: :func:`id_positions` and :func:`positions_of` (``Index.get_indexer``
where a missing id matches a missing key) and :func:`positions` (the graph's
rule: a missing value is never found). Ids of the form ``<prefix><integer>``
with dense numbers (Stack Exchange's ``"17"`` and ``"c17"``) are looked up in a
table indexed by (prefix, number), without hashing a string; other text ids are
hashed in Arrow, several times faster than a pandas ``Index`` of Python strings.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence.schema import STRING

__all__ = ["IdLookup", "arrow_strings", "id_positions", "positions", "positions_of"]


def arrow_strings(values) -> pa.Array:
    """Ids as one Arrow ``large_string`` array (no Python string per value)."""
    if isinstance(values, pa.Array):
        return values.cast(pa.large_string())
    if not isinstance(values, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        values = pd.array(values, dtype=STRING)
    elif not isinstance(values.dtype, pd.StringDtype) or values.dtype.storage != "pyarrow":
        values = pd.array(values, dtype=STRING)
    arrow = pa.chunked_array(pa.array(values.array if hasattr(values, "array") else values))
    return _one_array(arrow.cast(pa.large_string()))


def _one_array(arrow: pa.ChunkedArray) -> pa.Array:
    """The chunks as one array: the only chunk itself (its buffers, not a copy), or joined."""
    return arrow.chunk(0) if arrow.num_chunks == 1 else arrow.combine_chunks()


def id_positions(keys, ids) -> np.ndarray:
    """Position of each key among ``ids``, -1 where absent (``Index.get_indexer``).

    Ids of the form ``<prefix><integer>`` with a few prefixes (``"17"``,
    ``"c17"``: Stack Exchange's posts and comments) are looked up as
    (prefix, number) in a table indexed by the number when their numbers are
    dense, without hashing a string; other ids are hashed in Arrow, several
    times faster than a pandas ``Index`` of Python strings. A repeated id gives
    its first position (pandas would refuse it); a missing id matches a
    missing key, as in pandas.

    Examples
    --------
    >>> id_positions(pd.Series(["b", "x", None]), pd.Series(["a", "b"])).tolist()
    [1, -1, -1]
    >>> id_positions(["17", "017", "c3", "3"], ["c3", "17", "3"]).tolist()
    [1, -1, 0, 2]
    """
    return _lookup(keys, ids)[0]


#: The ``split`` of :func:`_lookup` not computed yet.
_UNSPLIT = object()


def _lookup(keys, ids, split=_UNSPLIT) -> tuple[np.ndarray, bool | None]:
    """:func:`id_positions`, and True when it saw that no id repeats (None: not checked).

    ``split`` is ``_split_ids(ids)`` when the caller has it already.
    """
    same = keys is ids
    ids = arrow_strings(ids)
    keys = ids if same else arrow_strings(keys)
    found = _table_positions(keys, ids, split)
    if found is not None:
        return found, True
    numbers = _integer_ids(ids)
    if numbers is not None:
        key_numbers = numbers if same else _integer_ids(keys)
        if key_numbers is not None:  # hashing integers is cheaper than strings
            keys, ids = key_numbers, numbers
    found = pc.index_in(keys, value_set=ids)
    return found.fill_null(-1).to_numpy().astype(np.intp, copy=False), None


#: Powers of ten from 10 to 10**18: the number of digits of an int64 is one
#: more than the count of these it reaches.
_TENS = 10 ** np.arange(1, 19, dtype=np.int64)
#: Rows checked first, to turn down ids of another shape without reading them all.
_SAMPLE = 256
#: Most distinct prefixes for ids to be looked up as (prefix, number).
_PREFIXES = 16
_NUMBER_CHARS = "0123456789-"


def _spread_sample(values: pa.Array) -> pa.Array:
    """:data:`_SAMPLE` values spread evenly over ``values``, first and last included."""
    return values.take(np.linspace(0, len(values) - 1, _SAMPLE).astype(np.int64))


def _integer_ids(values: pa.Array) -> pa.Array | None:
    """The ids as int64 when each is an integer written plainly (``"17"``, not ``"017"``).

    A value is plain when it casts to an integer whose decimal digits (and
    sign) are exactly as many bytes as the value: ``"017"``, ``"+5"``, ``" 5"``
    and ``"-0"`` are longer than ``"17"``, ``"5"``, ``"5"`` and ``"0"``; and
    when it is not hexadecimal: Arrow casts ``"0x10000000000"`` to
    1099511627776, whose 13 digits are as many as its characters. A
    spread sample is checked first, so that ids mixing letters and numbers
    are turned down without casting them all.
    """
    if len(values) > _SAMPLE and _integer_ids(_spread_sample(values)) is None:
        return None
    try:
        numbers = values.cast(pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    # a missing value (missing number) counts as "0", one digit long
    number = numbers.fill_null(0).to_numpy(zero_copy_only=False)
    length = pc.binary_length(values).fill_null(1).to_numpy(zero_copy_only=False)
    # |INT64_MIN| wraps round to a negative number: one digit, never its length
    digits = 1 + np.searchsorted(_TENS, np.abs(number), side="right") + (number < 0)
    if not np.array_equal(length, digits) or _hexadecimal(values):
        return None
    return numbers


def _hexadecimal(values: pa.Array) -> bool:
    """Whether a value is written in hexadecimal (``"0x1A"``, which the cast reads as 26).

    Looked for only when a byte of the column is ``x`` or ``X``.
    """
    data = values.buffers()[2]
    if data is None:
        return False
    text = np.frombuffer(data, dtype=np.uint8)
    if not ((text == ord("x")) | (text == ord("X"))).any():
        return False
    return pc.any(pc.match_substring_regex(values, "^-?0[xX]")).as_py() is True


def _split_ids(
    values: pa.Array, prefixes: pa.Array | None = None
) -> tuple[pa.Array, np.ndarray, np.ndarray] | None:
    """Ids ``<prefix><plain integer>`` as (prefixes, prefix code, number); None if not all are.

    The prefix is what is left once the trailing digits and ``-`` are cut;
    the rest must be an integer written plainly. Without ``prefixes`` they
    are the ones found (at most :data:`_PREFIXES`, none holding a digit);
    with them (the prefixes of the ids looked up), a value with another
    prefix, like a missing value, gets code -1.
    """
    if prefixes is None or prefixes.to_pylist() == [""]:  # plain integers: no prefix to cut
        numbers = _integer_ids(values)
        if numbers is not None:
            code = np.where(numbers.is_valid().to_numpy(zero_copy_only=False), 0, -1)
            prefixes = pa.array([""], type=pa.large_string())
            return prefixes, code, numbers.fill_null(0).to_numpy(zero_copy_only=False)
    if prefixes is None and len(values) > _SAMPLE and _split_ids(_spread_sample(values)) is None:
        return None
    head = pc.ascii_rtrim(values, _NUMBER_CHARS)
    if prefixes is None:
        prefixes = pc.unique(head.drop_null())
        if len(prefixes) > _PREFIXES:
            return None
    letters = "".join(sorted(set("".join(prefixes.to_pylist()))))
    if set(letters) & set(_NUMBER_CHARS):
        return None
    code = pc.index_in(head, value_set=prefixes)
    # the prefix's letters cut from the front: the rest starts with a digit or "-"
    rest = pc.utf8_ltrim(values, letters) if letters else values
    if code.null_count:  # another prefix, or a missing value: no number
        rest = pc.if_else(code.is_valid(), rest, pa.scalar(None, pa.large_string()))
    numbers = _integer_ids(rest)
    if numbers is None:
        return None
    code = code.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return prefixes, code, numbers.fill_null(0).to_numpy(zero_copy_only=False)


def _table_positions(keys: pa.Array, ids: pa.Array, split=_UNSPLIT) -> np.ndarray | None:
    """:func:`id_positions` through a table indexed by (prefix, number); None when unfit.

    Unfit: an id is not ``<prefix><integer>`` (:func:`_split_ids`), the
    table would be more than a few times the ids and keys, or an id repeats
    (hashing gives the first position then).
    """
    if split is _UNSPLIT:
        split = _split_ids(ids)
    if split is None:
        return None
    prefixes, id_code, id_number = split
    key_split = split if keys is ids else _split_ids(keys, prefixes)
    if key_split is None:
        return None
    _prefixes, key_code, key_number = key_split
    has = id_code >= 0
    if not has.any():
        return None
    low, high = int(id_number[has].min()), int(id_number[has].max())
    span = high - low + 1
    if span * len(prefixes) > 4 * (len(ids) + len(keys)) + 1024:
        return None
    at = np.flatnonzero(has)
    slot = id_code[at] * span + (id_number[at] - low)
    table = np.full(span * len(prefixes), -1, dtype=np.intp)
    table[slot] = at
    if not np.array_equal(table[slot], at):  # a repeated id
        return None
    inside = (key_code >= 0) & (key_number >= low) & (key_number <= high)
    found = np.full(len(keys), -1, dtype=np.intp)
    found[inside] = table[key_code[inside] * span + (key_number[inside] - low)]
    missing = np.flatnonzero(~has)
    if len(missing):  # a missing key finds the first missing id
        found[~keys.is_valid().to_numpy(zero_copy_only=False)] = missing[0]
    return found


def positions_of(keys: Sequence, ids) -> list[np.ndarray]:
    """:func:`id_positions` of several key columns among the same ids, in one pass.

    Examples
    --------
    >>> [p.tolist() for p in positions_of([["b"], ["a", "z"]], pd.Series(["a", "b"]))]
    [[1], [0, -1]]
    """
    return _positions_of(keys, ids)[0]


def _positions_of(keys: Sequence, ids) -> tuple[list[np.ndarray], bool | None]:
    """:func:`positions_of`, and True when it saw that no id repeats (None: not checked)."""
    arrays = [arrow_strings(values) for values in keys]
    if not arrays:
        return [], None
    joined, unique = _lookup(pa.concat_arrays(arrays), ids)
    return np.split(joined, np.cumsum([len(array) for array in arrays])[:-1]), unique


def _text_array(values) -> pa.Array | None:
    """``values`` as one Arrow large_string array, or None when they are not text."""
    try:
        array = pa.array(values) if not isinstance(values, np.ndarray) else None
        if array is None:
            if values.dtype.kind not in "OUT":
                return None
            array = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    if isinstance(array, pa.ChunkedArray):
        array = _one_array(array)
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_null(array.type):
        return array.cast(pa.large_string())
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    return array.cast(pa.large_string())


class IdLookup:
    """Unique ids prepared once for many :func:`positions` lookups.

    The ids are turned into Arrow text at once and split into (prefix,
    number) on the first lookup, then kept: a community's message ids serve
    the lookups of parents, threads and carriers.

    Parameters
    ----------
    labels : Index
        Unique ids.

    Examples
    --------
    >>> lookup = IdLookup(pd.Index(["4", "5", "c2"]))
    >>> lookup.positions(pd.Series(["c2", "5", None])).tolist(), lookup.positions(["4"]).tolist()
    ([2, 1, -1], [0])
    """

    def __init__(self, labels: pd.Index) -> None:
        self.labels = labels
        text = _text_array(labels)
        self._text = None if text is None or text.null_count else text
        self._split = _UNSPLIT

    def positions(self, values) -> np.ndarray:
        """:func:`positions` of ``values`` among the labels."""
        needles = _text_array(values) if self._text is not None else None
        if needles is None:
            plain = values if isinstance(values, pd.Index) else pd.Index(pd.array(values))
            return self.labels.get_indexer(plain).astype(np.int64)
        if self._split is _UNSPLIT:
            self._split = _split_ids(self._text)
        # no missing label: a missing value, which id_positions matches to a missing id, finds none
        found = _lookup(needles, self._text, self._split)[0]
        return found.astype(np.int64, copy=False)


def positions(values, labels: pd.Index) -> np.ndarray:
    """Position of each of ``values`` in the unique ``labels``; -1 where absent or missing.

    The same as ``labels.get_indexer(values)``, computed over whole Arrow
    columns when both are text and ``labels`` has no missing value (no Python
    string is made): :func:`id_positions`, whose (prefix, number) table serves
    ids such as ``"17"`` and ``"c17"``; other types, or labels with a missing
    value, go through ``get_indexer``. :class:`IdLookup` keeps the labels
    prepared for several lookups.

    Parameters
    ----------
    values : Series, Index, array or ExtensionArray
        The ids to look up (missing values give -1).
    labels : Index
        Unique ids.

    Returns
    -------
    numpy.ndarray
        int64, one position per value.

    Examples
    --------
    >>> positions(pd.Series(["b", None, "z", "a"], dtype="string"),
    ...           pd.Index(["a", "b"], dtype="string")).tolist()
    [1, -1, -1, 0]
    >>> positions(pd.Series(["c2", "5", "c9", None]), pd.Index(["4", "5", "c2"])).tolist()
    [2, 1, -1, -1]
    """
    return IdLookup(labels).positions(values)
