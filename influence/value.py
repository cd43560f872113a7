"""Social value against economic value: the customer table joined to the members.

A CRM built on lifetime value alone misses the members who are worth little in
sales and a great deal socially. :func:`read_customers` reads a table of economic
value per member (a CRM export), :func:`join_customers` joins it to the users table
and places every member in one quadrant of the value matrix (:data:`VALUE_QUADRANTS`),
:func:`add_customers` does both for an :class:`~influence.analysis.Analysis`.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from influence.analysis import Analysis
from influence.errors import InfluenceDataWarning, SourceError

__all__ = [
    "CUSTOMER_KEYS",
    "VALUE_COLUMNS",
    "VALUE_QUADRANTS",
    "add_customers",
    "join_customers",
    "parse_amounts",
    "read_customers",
]

#: Quadrants of the value matrix (social = influence_score, economic = the value).
VALUE_QUADRANTS = (
    "champion",  # high social, high economic
    "hidden_superfan",  # high social, low economic: what a value-only CRM overlooks
    "silent_customer",  # low social, high economic
    "casual",  # low social, low economic
    "no_customer_record",  # the member has no row in the customer table
)
#: The columns a customer table can identify members by, in order of preference.
CUSTOMER_KEYS = ("user_id", "alias")
#: Column names taken as the value column when none is mapped.
VALUE_COLUMNS = ("value", "revenue", "lifetime_value", "ltv", "clv", "sales", "amount")

_CURRENCY = r"[\s\u00a0\u202f'€$£¥₹%]|[A-Za-z]{3}$|^[A-Za-z]{3}"


def parse_amounts(
    values: pd.Series, *, decimal: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Read money amounts written in any common format as floats.

    Parameters
    ----------
    values : Series
        Numbers or text such as ``1234.5``, ``"1,234.50"``, ``"1 234,50 €"``,
        ``"1.234,50"``, ``"EUR 12,5"``; not modified.
    decimal : {".", ","}, optional
        The decimal separator; by default decided for the whole column: a comma
        when some value ends with a comma and one or two digits, or has a comma
        after its last point (``1.234,5``), else a point.

    Returns
    -------
    values : ndarray of float64
        NaN where a value is missing or unreadable.
    bad : ndarray of bool
        True where a value is present but unreadable.

    Examples
    --------
    >>> amounts, bad = parse_amounts(pd.Series(["1 234,50 €", "12,5", None, "n/a"]))
    >>> amounts.tolist(), bad.tolist()
    ([1234.5, 12.5, nan, nan], [False, False, False, True])
    >>> parse_amounts(pd.Series(["1,234.50", "$3"]))[0].tolist()
    [1234.5, 3.0]
    """
    if decimal not in (None, ".", ","):
        raise ValueError(f"decimal must be '.' or ',' (got {decimal!r})")
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values):
        numbers = values.astype("float64").to_numpy()
        return numbers, np.zeros(len(values), dtype=bool)
    text = values.astype("string").str.strip()
    present = (text.notna() & (text != "")).to_numpy(bool)
    text = text.str.replace(_CURRENCY, "", regex=True)
    if decimal is None:
        comma = text.str.contains(r",\d{1,2}$", regex=True) | text.str.contains(
            r"\.\d{3},\d*$", regex=True
        )
        decimal = "," if bool(comma.fillna(False).any()) else "."
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text.where(text.str.fullmatch(r"[-+]?\d*\.?\d+")), errors="coerce")
    numbers = numbers.to_numpy("float64", na_value=np.nan)
    return numbers, present & np.isnan(numbers)


def _read_table(path: Path) -> pd.DataFrame:
    suffix = "".join(path.suffixes[-2:]).lower()
    try:
        if suffix.endswith(".parquet"):
            return pd.read_parquet(path)
        if not path.is_file():
            raise SourceError("customer table must be an existing file (got none)", path=str(path))
        data = path.read_bytes().decode("utf-8-sig")
        first = data.split("\n", 1)[0]
        if suffix.endswith((".tsv", ".tab")):
            sep = "\t"
        else:
            sep = max(("\t", ";", ","), key=first.count)
        return pd.read_csv(
            io.StringIO(data), sep=sep, dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL
        )
    except UnicodeDecodeError as err:
        raise SourceError(
            f"customer table must be UTF-8 text (got byte {err.object[err.start]:#x})",
            path=str(path),
        ) from err
    except (ValueError, OSError) as err:
        if isinstance(err, SourceError):
            raise
        raise SourceError(
            f"customer table must be CSV, TSV or Parquet ({err})", path=str(path)
        ) from err


def read_customers(
    path: str | Path,
    *,
    mapping: Mapping[str, str] | None = None,
    decimal: str | None = None,
    duplicates: Literal["sum", "first", "error"] = "sum",
    on_error: Literal["raise", "skip"] = "raise",
) -> pd.DataFrame:
    """Read a table of economic value per member (a CRM export).

    Parameters
    ----------
    path : str or Path
        CSV (comma, semicolon or tab separated, detected from the header), TSV or
        Parquet.
    mapping : mapping, optional
        Canonical name -> column, as ``--map``: ``user_id`` or ``alias`` (matched
        against display names) for the member, ``value`` for the amount. Unmapped,
        a column named ``user_id`` (else ``alias``) and one named as in
        :data:`VALUE_COLUMNS` are used.
    decimal : {".", ","}, optional
        Decimal separator of the values (default: detected, see :func:`parse_amounts`).
    duplicates : {"sum", "first", "error"}
        What to do when a member has several rows: add the values (a table of
        orders), keep the first, or stop.
    on_error : {"raise", "skip"}
        An unreadable value or a missing id stops with the file and line, or the
        row is dropped and counted.

    Returns
    -------
    DataFrame
        ``key`` (string: the user id or alias, stripped) and ``value`` (float64), one
        row per member key; ``attrs`` holds ``key_kind`` (``"user_id"`` or
        ``"alias"``), ``rows`` read, ``duplicate_rows``, ``dropped_rows``,
        ``value_column`` and ``path``.

    Raises
    ------
    SourceError
        When the file cannot be read, a column is missing, a value is unreadable
        or an id missing (with ``on_error="raise"``), or ids repeat with
        ``duplicates="error"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "crm.csv"
    >>> _ = path.write_text("user_id;ltv\\n7;1 200,50\\n9;80\\n7;10\\n")
    >>> customers = read_customers(path)
    >>> customers.to_dict("list"), customers.attrs["duplicate_rows"]
    ({'key': ['7', '9'], 'value': [1210.5, 80.0]}, 1)
    """
    path = Path(path)
    if duplicates not in ("sum", "first", "error"):
        raise ValueError(f"duplicates must be sum, first or error (got {duplicates!r})")
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be raise or skip (got {on_error!r})")
    table = _read_table(path)
    mapping = dict(mapping or {})
    unknown = sorted(set(mapping) - {"user_id", "alias", "value"})
    if unknown:
        raise SourceError(
            f"--customer-map names must be user_id, alias or value (got {unknown[0]!r})",
            path=str(path),
        )
    for canonical, column in mapping.items():
        if column not in table.columns:
            raise SourceError(
                f"customer table must have the column {column!r} mapped to {canonical} "
                f"(got columns {list(table.columns)})",
                path=str(path),
            )
    key_kind = next((k for k in CUSTOMER_KEYS if k in mapping), None)
    if key_kind is None:
        key_kind = next((k for k in CUSTOMER_KEYS if k in table.columns), None)
    if key_kind is None:
        raise SourceError(
            f"customer table must have a user_id or alias column (got {list(table.columns)}); "
            "map one with --customer-map user_id=COLUMN",
            path=str(path),
        )
    key_column = mapping.get(key_kind, key_kind)
    value_column = mapping.get("value") or next(
        (c for c in table.columns if str(c).strip().lower() in VALUE_COLUMNS), None
    )
    if value_column is None:
        raise SourceError(
            f"customer table must have a value column such as {list(VALUE_COLUMNS)} "
            f"(got {list(table.columns)}); map one with --customer-map value=COLUMN",
            path=str(path),
        )
    keys = table[key_column].astype("string").str.strip()
    keys = keys.mask(keys == "")
    values, bad = parse_amounts(table[value_column], decimal=decimal)
    missing_key = keys.isna().to_numpy(bool)
    problems = bad | missing_key | np.isnan(values)
    if problems.any() and on_error == "raise":
        row = int(np.flatnonzero(problems)[0])
        if missing_key[row]:
            reason = f"{key_column} must be present (got missing)"
        else:
            reason = (
                f"{value_column} must be an amount such as 1234.50 or 1 234,50 "
                f"(got {str(table[value_column].iloc[row])!r}); --on-error skip drops such rows"
            )
        raise SourceError(reason, path=str(path), line=row + 2)
    frame = pd.DataFrame({"key": keys, "value": values}).loc[~problems]
    dropped = int(problems.sum())
    if dropped:
        warnings.warn(
            f"{dropped} rows of {path.name} dropped (missing id or unreadable value)",
            InfluenceDataWarning,
            stacklevel=2,
        )
    repeated = frame["key"].duplicated(keep="first")
    if repeated.any() and duplicates == "error":
        row = int(np.flatnonzero(repeated.to_numpy())[0])
        raise SourceError(
            f"{key_column} must be unique (got {frame['key'].iloc[row]!r} again); "
            "use duplicates='sum' to add the values",
            path=str(path),
            line=int(frame.index[row]) + 2,
        )
    if duplicates == "sum":
        frame = frame.groupby("key", sort=False, as_index=False)["value"].sum()
    else:
        frame = frame.loc[~repeated]
    frame = frame.reset_index(drop=True).astype({"key": "string", "value": "float64"})
    frame.attrs.update(
        {
            "path": str(path),
            "key_kind": key_kind,
            "key_column": key_column,
            "value_column": str(value_column),
            "rows": len(table),
            "duplicate_rows": int(repeated.sum()),
            "duplicates": duplicates,
            "dropped_rows": dropped,
        }
    )
    return frame


def join_customers(
    users: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    top_share: float = 0.10,
    economic_split: float = 0.5,
) -> pd.DataFrame:
    """Join economic values to the members and place each in the value matrix.

    Parameters
    ----------
    users : DataFrame
        The users table (index ``user_id``; ``display_name``, ``segment``,
        ``influence_score``); not modified.
    customers : DataFrame
        From :func:`read_customers` (``key``, ``value``; ``attrs["key_kind"]``).
    top_share : float, default 0.10
        High social value: ``influence_score`` at or above the ``1 - top_share``
        quantile of the active members (as the segments' thresholds).
    economic_split : float, default 0.5
        High economic value: at or above this quantile of the matched members'
        values (default the median).

    Returns
    -------
    DataFrame
        Indexed like ``users``: ``economic_value`` (float64, NaN without a record),
        ``customer_record`` (bool), ``value_quadrant`` (string, one of
        :data:`VALUE_QUADRANTS`). ``attrs["customers"]`` reports the join: members
        matched and without a record, customer rows matching no member (with the
        first few keys), ambiguous aliases, duplicate rows, both thresholds.

    Notes
    -----
    Alias keys are matched against ``display_name`` ignoring case and surrounding
    spaces; an alias shared by several members matches none of them (counted as
    ambiguous). Members without a record are kept, as ``no_customer_record``.
    Inactive members have no influence score and count as low social value.

    Examples
    --------
    >>> users = pd.DataFrame({"display_name": ["Ann", "Bob", "Cy"],
    ...     "segment": ["true_influencer", "member", "member"],
    ...     "influence_score": [0.9, 0.2, 0.1]}, index=pd.Index(["1", "2", "3"], name="user_id"))
    >>> customers = pd.DataFrame({"key": ["1", "2", "8"], "value": [5.0, 900.0, 1.0]})
    >>> customers.attrs["key_kind"] = "user_id"
    >>> joined = join_customers(users, customers, top_share=0.4)
    >>> joined["value_quadrant"].tolist()
    ['hidden_superfan', 'silent_customer', 'no_customer_record']
    >>> joined.attrs["customers"]["unmatched_customer_keys"]
    ['8']
    """
    if not 0 < top_share < 1:
        raise ValueError(f"top_share must be between 0 and 1 (got {top_share!r})")
    if not 0 < economic_split < 1:
        raise ValueError(f"economic_split must be between 0 and 1 (got {economic_split!r})")
    kind = customers.attrs.get("key_kind", "user_id")
    values = customers.set_index(customers["key"].astype(str))["value"]
    ambiguous: list[str] = []
    if kind == "alias":
        # an alias is a display name or a user id, case and surrounding spaces ignored;
        # a display name shared by several members matches none of them
        names = users["display_name"].astype("string").str.strip().str.casefold()
        shared = names.value_counts()
        shared = set(shared[shared > 1].index)
        ids = pd.Series(users.index.astype(str), index=users.index).str.strip().str.casefold()
        by_alias = values.groupby(values.index.str.strip().str.casefold()).sum()
        by_name = names.map(by_alias).where(~names.isin(shared).fillna(False))
        economic = by_name.fillna(ids.map(by_alias)).astype("float64")
        keys = pd.Series(customers["key"].astype(str).to_numpy())
        folded = keys.str.strip().str.casefold()
        ambiguous = sorted(keys[folded.isin(shared)].tolist())
        known = set(names.dropna()[~names.dropna().isin(shared)]) | set(ids)
        unmatched = keys[~folded.isin(known)].tolist()
    else:
        economic = values.reindex(users.index.astype(str)).astype("float64")
        economic.index = users.index
        member_ids = set(users.index.astype(str))
        unmatched = [k for k in customers["key"].astype(str) if k not in member_ids]
    record = economic.notna().to_numpy(bool)
    active = (users["segment"].astype(str) != "inactive").to_numpy(bool)
    influence = users["influence_score"].to_numpy(float)
    social_threshold = (
        float(np.nanquantile(influence[active], 1 - top_share)) if active.any() else np.nan
    )
    matched_values = economic.to_numpy(float)[record]
    economic_threshold = (
        float(np.quantile(matched_values, economic_split)) if record.any() else np.nan
    )
    high_social = np.nan_to_num(influence, nan=-np.inf) >= social_threshold
    high_economic = np.nan_to_num(economic.to_numpy(float), nan=-np.inf) >= economic_threshold
    quadrant = np.select(
        [~record, high_social & high_economic, high_social, high_economic],
        ["no_customer_record", "champion", "hidden_superfan", "silent_customer"],
        default="casual",
    )
    out = pd.DataFrame(
        {
            "economic_value": economic.to_numpy(float),
            "customer_record": record,
            "value_quadrant": pd.array(quadrant, dtype="string"),
        },
        index=users.index,
    )
    counts = pd.Series(quadrant).value_counts()
    out.attrs["customers"] = {
        "path": customers.attrs.get("path"),
        "key_kind": kind,
        "value_column": customers.attrs.get("value_column"),
        "rows": int(customers.attrs.get("rows", len(customers))),
        "duplicate_rows": int(customers.attrs.get("duplicate_rows", 0)),
        "duplicates": customers.attrs.get("duplicates", "sum"),
        "dropped_rows": int(customers.attrs.get("dropped_rows", 0)),
        "matched_members": int(record.sum()),
        "members_without_record": int((~record).sum()),
        "active_members_without_record": int((~record & active).sum()),
        "unmatched_customer_rows": len(unmatched),
        "unmatched_customer_keys": unmatched[:20],
        "ambiguous_aliases": ambiguous[:20],
        "social_threshold": None if np.isnan(social_threshold) else social_threshold,
        "economic_threshold": None if np.isnan(economic_threshold) else economic_threshold,
        "top_share": top_share,
        "economic_split": economic_split,
        "quadrants": {q: int(counts.get(q, 0)) for q in VALUE_QUADRANTS},
    }
    return out


def add_customers(
    analysis: Analysis, customers: pd.DataFrame, *, economic_split: float = 0.5
) -> Analysis:
    """A new :class:`Analysis` with the customer table joined (see :func:`join_customers`).

    The users table gains ``economic_value``, ``customer_record`` and
    ``value_quadrant``; ``parameters["customers"]`` holds the join report. The
    social threshold uses the analysis's ``top_share``. ``analysis`` is not modified.
    """
    joined = join_customers(
        analysis.users,
        customers,
        top_share=float(analysis.parameters.get("top_share", 0.10)),
        economic_split=economic_split,
    )
    users = analysis.users.drop(columns=[c for c in joined.columns if c in analysis.users])
    users = users.join(joined)
    parameters = dict(analysis.parameters)
    parameters["customers"] = joined.attrs["customers"]
    return replace(analysis, users=users, parameters=parameters)
