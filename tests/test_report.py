"""The report: self-contained, escaped, consistent with the users table."""

import json
from pathlib import Path

import pandas as pd
import pytest

from influence.analysis import run_analysis
from influence.community import ReadStats
from influence.report import build_summary, render_report, write_outputs
from influence.sources._common import assemble

HOSTILE = '<script>alert(1)</script>"onmouseover=alert(2)'


def _community():
    # a small discussion: the hostile name belongs to the most active member "x"
    rows = []
    for i in range(12):
        author = ["x", "y", "z", "w"][i % 4]
        parent = None if i == 0 else str(i - 1)
        rows.append((str(i), author, "0", parent, f"2024-01-01T00:{i:02d}:00Z"))
    messages = pd.DataFrame(
        rows, columns=["message_id", "author_id", "thread_id", "parent_id", "created_at"]
    )
    messages["created_at"] = pd.to_datetime(messages["created_at"], utc=True)
    messages["kind"] = "reply"
    messages["platform"] = "table"
    messages["topic"] = "<b>topic</b>"
    messages["score"] = float("nan")
    messages["text_length"] = 10
    users = pd.DataFrame(
        {
            "user_id": ["x", "y", "z", "w"],
            "display_name": [HOSTILE, "y", "z", "w"],
            "created_at": pd.NaT,
        }
    )
    return assemble(messages, users=users, stats=ReadStats(), platform="table", name="<i>forum</i>")


@pytest.fixture(scope="module")
def analysis():
    return run_analysis(_community())


def test_report_escapes_user_text_and_forbids_requests(analysis):
    page = render_report(analysis, build_summary(analysis))
    assert "<script>" not in page
    assert '"onmouseover' not in page
    assert "&lt;script&gt;" in page
    assert "&lt;i&gt;forum&lt;/i&gt;" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert page.count("<circle") == 4


def test_outputs_agree_with_each_other(analysis, tmp_path: Path):
    paths = write_outputs(analysis, tmp_path)
    users = pd.read_csv(paths["users.csv"], dtype={"user_id": str})
    summary = json.loads(paths["summary.json"].read_text())
    assert (
        summary["segments"]
        == users["segment"]
        .value_counts()
        .reindex(list(summary["segments"]), fill_value=0)
        .to_dict()
    )
    assert summary["counts"]["messages"] == 12
    assert summary["counts"]["interactions_by_kind"] == {"reply": 11}


def test_unwritable_output_is_an_influence_error(analysis, tmp_path: Path):
    from influence.errors import InfluenceError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InfluenceError, match="output folder must be writable"):
        write_outputs(analysis, blocker / "out")
