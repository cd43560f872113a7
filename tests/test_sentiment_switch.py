"""Turning text scoring off: ``read(..., sentiment=False)``, ``analyze``, ``--no-sentiment``.

Every reader gets the switch from :func:`influence.read`; with it off the messages
carry no ``sentiment``, ``language`` or ``brand_mention`` column, everything else
is what the default read gives, and a read note says why intimacy is empty.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import influence
from influence.cli import main
from influence.sources import read
from influence.sources._common import SENTIMENT_COLUMNS, SENTIMENT_OFF_NOTE

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
CONLANG = ROOT / "datasets" / "stackexchange-conlang-meta-2020"

#: One fixture per reader that scores texts.
DUMPS = {
    "stackexchange": CONLANG,
    "reddit": DATA / "reddit" / "dump",
    "twitter": DATA / "twitter" / "v2.jsonl",
    "mastodon": DATA / "mastodon" / "export",
    "discourse": DATA / "discourse" / "posts.json",
    "slack": DATA / "slack",
    "discord": DATA / "discord" / "general.json",
    "mbox": DATA / "mbox" / "list.mbox",
    "table": DATA / "table" / "posts.csv",
}


@pytest.mark.parametrize("name", sorted(DUMPS))
def test_every_reader_skips_scoring_when_asked(name):
    scored = read(DUMPS[name], name, brand=["widget"])
    plain = read(DUMPS[name], name, brand=["widget"], sentiment=False)
    assert set(SENTIMENT_COLUMNS) <= set(scored.messages.columns), name
    assert not set(SENTIMENT_COLUMNS) & set(plain.messages.columns)
    assert SENTIMENT_OFF_NOTE in plain.read_stats.notes
    assert SENTIMENT_OFF_NOTE not in scored.read_stats.notes
    expected = scored.messages.drop(columns=list(SENTIMENT_COLUMNS))
    pd.testing.assert_frame_equal(plain.messages, expected)
    pd.testing.assert_frame_equal(plain.interactions, scored.interactions)


def test_analyze_without_sentiment_has_empty_intimacy():
    users = influence.analyze(CONLANG, sentiment=False)
    default = influence.analyze(CONLANG)
    assert users["intimacy"].isna().all()
    assert default["intimacy"].notna().sum() > 10
    assert users["influence_score"].equals(default["influence_score"])


def test_cli_no_sentiment(tmp_path):
    result = CliRunner().invoke(
        main, ["analyze", str(CONLANG), "--out", str(tmp_path), "--no-sentiment", "-q"]
    )
    assert result.exit_code == 0, result.output
    users = pd.read_csv(tmp_path / "users.csv")
    assert users["intimacy"].isna().all() and len(users) > 10
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert SENTIMENT_OFF_NOTE in json.dumps(summary)


def test_dask_read_skips_scoring_on_the_workers():
    distributed = pytest.importorskip("distributed")
    from influence.engines._partitions import read_partitioned

    with distributed.Client(n_workers=1, threads_per_worker=1, dashboard_address=":0") as client:
        for name in ("stackexchange", "reddit", "table"):
            parted = read_partitioned(DUMPS[name], client=client, piece=256, sentiment=False)
            plain = read(DUMPS[name], name, sentiment=False)
            pd.testing.assert_frame_equal(parted.messages, plain.messages)
            assert SENTIMENT_OFF_NOTE in parted.read_stats.notes
