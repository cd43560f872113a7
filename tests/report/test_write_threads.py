"""The write phase on two threads: the same files, the same error, lighter users files."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from influence._parallel import THREADS_VARIABLE
from influence.analysis import run_analysis
from influence.errors import InfluenceError
from influence.report import USERS_DTYPES, users_for_parquet, write_outputs
from influence.report import write as write_module
from influence.sources import read

FILES = ("users.csv", "users.parquet", "report.html", "summary.json")


@pytest.fixture(
    scope="module", params=["stackexchange-cardano-2021", "stackexchange-conlang-meta-2020"]
)
def analysis(request):
    return run_analysis(read(Path("datasets") / request.param, sentiment=False))


def _contents(folder: Path) -> dict[str, bytes]:
    """Every output file's bytes; summary.json without its timings (they vary by run)."""
    out = {name: (folder / name).read_bytes() for name in FILES}
    summary = json.loads(out["summary.json"])
    assert set(summary["timings_seconds"]) >= {"write"}
    del summary["timings_seconds"]
    out["summary.json"] = json.dumps(summary, indent=2).encode()
    return out


def test_the_files_are_the_same_on_one_and_on_two_threads(analysis, tmp_path, monkeypatch):
    written = {}
    for setting in ("1", "2"):
        monkeypatch.setenv(THREADS_VARIABLE, setting)
        paths = write_outputs(analysis, tmp_path / setting, source={"path": "dump"})
        assert sorted(paths) == sorted(FILES)
        written[setting] = _contents(tmp_path / setting)
    for name in FILES:
        assert written["1"][name] == written["2"][name], name
    # and the same bytes as each writer alone, one at a time
    users = analysis.users
    plain = tmp_path / "plain.csv"
    users.reset_index().to_csv(plain, index=False, lineterminator="\n")
    assert written["2"]["users.csv"] == plain.read_bytes()


def test_the_users_files_and_the_report_are_written_side_by_side(analysis, tmp_path, monkeypatch):
    monkeypatch.setenv(THREADS_VARIABLE, "2")
    both = threading.Barrier(2, timeout=20)  # breaks (raises) unless the two meet
    met = []

    def meeting(function):
        def wrapped(*args, **kwargs):
            met.append(both.wait())
            return function(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(write_module, "write_csv", meeting(write_module.write_csv))
    monkeypatch.setattr(write_module, "render_report", meeting(write_module.render_report))
    write_outputs(analysis, tmp_path)
    assert sorted(met) == [0, 1]


@pytest.mark.parametrize(
    ("blocked", "named"),
    [
        (["users.csv", "report.html"], "users.csv"),  # both sides fail: the first, in order
        (["users.parquet", "report.html"], "users.parquet"),
        (["report.html"], "report.html"),
        (["summary.json"], "summary.json"),
    ],
)
def test_an_unwritable_file_is_the_same_error_on_one_and_on_two_threads(
    analysis, tmp_path, monkeypatch, blocked, named
):
    for name in blocked:  # a folder where the file should go
        (tmp_path / name).mkdir()
    messages = []
    for setting in ("1", "2"):
        monkeypatch.setenv(THREADS_VARIABLE, setting)
        with pytest.raises(InfluenceError, match=r"^output folder must be writable \(got ") as err:
            write_outputs(analysis, tmp_path)
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    assert str(tmp_path / named) in messages[0]  # Arrow puts the parquet's name in its text
    assert isinstance(err.value.__cause__, OSError)


def _parquet_frame_by_objects(users: pd.DataFrame) -> pd.DataFrame:
    """users_for_parquet as it was: every text column through Python objects."""
    table = users.reset_index()
    out = {}
    for column in table.columns:
        values = table[column]
        if column in USERS_DTYPES or not (
            pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
        ):
            out[column] = values.astype(object).where(values.notna(), None).astype("string")
        else:
            out[column] = pd.to_numeric(values).astype(np.float64)
    return pd.DataFrame(out)


def test_users_for_parquet_keeps_text_in_arrow_and_may_share_the_numbers():
    users = pd.DataFrame(
        {
            "display_name": pd.array(["Ann", None, "b,c", "é"], dtype="string"),
            "segment": pd.Categorical(["member", None, "talkative", "member"]),
            "reasons": np.array(["top 1% messages", None, "", "x"], dtype=object),
            "profile_url": pd.Series([None, None, None, None], dtype=object),
            "messages": [3.0, np.nan, 1.0, -0.0],
            "flag": [True, False, True, False],
            "count": np.array([1, 2, 3, 4], dtype=np.int64),
        },
        index=pd.Index(["7", "8", "9", "10"], name="user_id", dtype="string"),
    )
    before = users.copy()
    expected = _parquet_frame_by_objects(users)
    for copy in (True, False):
        frame = users_for_parquet(users, copy=copy)
        pd.testing.assert_frame_equal(frame, expected, check_exact=True)
        shared = np.shares_memory(frame["messages"].to_numpy(), users["messages"].to_numpy())
        assert shared is not copy
    frame = users_for_parquet(users)
    frame.loc[0, "messages"] = 99.0  # a copy: the caller's table never changes
    pd.testing.assert_frame_equal(users, before)
