"""The report: self-contained, escaped, consistent with the users table."""

import base64
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from influence.analysis import run_analysis
from influence.community import ReadStats
from influence.report import build_summary, render_report, write_outputs
from influence.report.html import SCRIPT
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
    return assemble(
        messages,
        users=users,
        stats=ReadStats(),
        platform="table",
        name="<i>forum</i>",
        profile_url="https://forum.example/u/{user_id}",
    )


@pytest.fixture(scope="module")
def analysis():
    return run_analysis(_community())


def test_report_escapes_user_text_and_forbids_requests(analysis):
    page = render_report(analysis, build_summary(analysis))
    # the only script is the report's own, allowed by its hash and nothing else
    assert page.count("<script") == 1
    assert page.count(f"<script>{SCRIPT}</script>") == 1
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page
    assert "unsafe-eval" not in page and "'unsafe-inline'; img" not in page.split("script-src")[1]
    assert '"onmouseover' not in page
    assert "&lt;script&gt;" in page
    assert "&lt;i&gt;forum&lt;/i&gt;" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    # one dot per active member on the chart (x, y, z, w), each carrying its id
    quadrant = page[page.index('<svg id="quadrant"') : page.index("</svg>")]
    assert quadrant.count("data-user=") == 4
    assert 'data-user="&lt;script&gt;' not in quadrant  # ids are plain here, names escaped


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


def test_profile_links_are_escaped_and_only_http(analysis):
    page = render_report(analysis, build_summary(analysis))
    # x is the only labelled member (true influencer): linked to the profile template
    assert '<a href="https://forum.example/u/x" rel="noopener noreferrer" target="_blank">' in page
    # a javascript: URL never becomes a link
    users = analysis.users.copy()
    users["profile_url"] = "javascript:alert(1)"
    hostile = type(analysis)(
        analysis.community, users, analysis.parameters, analysis.thresholds, analysis.weights
    )
    assert "javascript:" not in render_report(hostile, build_summary(hostile))


def test_report_has_every_section(analysis):
    page = render_report(analysis, build_summary(analysis))
    for anchor in (
        "quadrant-section",
        "true_influencer",
        "listened_to",
        "talkative",
        "propagation-curves",
        "inequality",
        "health",
        "read",
        "parameters",
    ):
        assert f"id='{anchor}'" in page, anchor
    for chart in ('id="quadrant"', 'id="propagation"', 'id="lorenz"'):
        assert chart in page, chart
    # 12 messages by 4 members, 3 each: the top 10% (1 member) wrote 25%, Gini 0
    assert "<b>25%</b><span>of messages by the top 10% (1 member)</span>" in page


def test_summary_has_inequality_and_health(analysis):
    summary = build_summary(analysis)
    inequality = summary["participation_inequality"]
    assert inequality["active_members"] == 4 and inequality["messages"] == 12
    assert inequality["gini"] == 0.0 and inequality["top_content_share"] == 0.25
    health = summary["health"]
    # a chain of 12 replies one minute apart by 4 people in turn: every message but
    # the last is answered one minute later by someone else
    assert health["contributions"] == 12
    assert health["responded_share"] == round(11 / 12, 6)
    assert health["median_first_response_minutes"] == 1.0
    # each reply goes to the previous author: y->x, z->y, w->z, x->w; one way only
    assert health["reciprocated_pairs_share"] == 0.0
    json.dumps(summary, allow_nan=False)  # strictly valid JSON: no NaN anywhere


def test_users_parquet_has_stable_dtypes(analysis, tmp_path: Path):
    import pyarrow.parquet as pq

    from influence.report import USERS_DTYPES

    paths = write_outputs(analysis, tmp_path)
    schema = pq.read_schema(paths["users.parquet"])
    types = {field.name: str(field.type) for field in schema}
    assert types["user_id"] == types["display_name"] == types["segment"] == "string"
    assert types["reasons"] == types["profile_url"] == "string"
    for name, kind in types.items():
        expected = "string" if name in USERS_DTYPES else "double"
        assert kind == expected, name
    table = pd.read_parquet(paths["users.parquet"])
    csv = pd.read_csv(paths["users.csv"], dtype={"user_id": str})
    assert list(table.columns) == list(csv.columns)
    assert table["user_id"].tolist() == csv["user_id"].tolist()


def test_participation_inequality_by_hand():
    from influence.report import lorenz_curve, participation_inequality

    # everybody equal: Gini 0, the top 10% (1 of 10) wrote 10%
    equal = participation_inequality(pd.Series([2.0] * 10))
    assert equal["gini"] == 0.0 and equal["top_content_share"] == 0.1
    # 4 members with 1, 1, 2, 4 messages (and two without, left out): top 10% is
    # ceil(0.4) = 1 member with 4 of 8 messages; Gini = 2*(1+2+6+16)/(4*8) - 5/4 = 0.3125
    stats = participation_inequality(pd.Series([1, 0, 4, 2, float("nan"), 1]))
    assert stats["active_members"] == 4 and stats["messages"] == 8
    assert stats["top_members"] == 1 and stats["top_content_share"] == 0.5
    assert stats["gini"] == pytest.approx(0.3125)
    assert stats["median_messages"] == 1.5
    curve = lorenz_curve(pd.Series([1, 0, 4, 2, float("nan"), 1]))
    assert curve["content_share"].tolist() == [0.0, 0.125, 0.25, 0.5, 1.0]
    empty = participation_inequality(pd.Series([0, 0]))
    assert empty["active_members"] == 0 and np.isnan(empty["gini"])
    assert lorenz_curve(pd.Series([], dtype=float)).to_dict("list") == {
        "population_share": [0.0],
        "content_share": [0.0],
    }
    with pytest.raises(ValueError, match=r"top_share must be in \(0, 1\] \(got 0\)"):
        participation_inequality(pd.Series([1]), top_share=0)


def test_propagation_curves_grow_and_refuse_bad_hours(analysis):
    from influence.report import propagation_curves

    curves = propagation_curves(analysis.community, ["x", "nobody"], hours=[0.01, 1, 24])
    # the chain of replies one minute apart: after 36 s nobody has answered yet; after an
    # hour x's first message has everybody else under it (y, z, w), x's later ones fewer
    assert curves.loc[0.01, "x"] == 0.0
    assert curves["x"].is_monotonic_increasing
    assert curves["nobody"].isna().all()
    # message 0 (x) reaches y, z, w; message 4 (x) reaches y, z, w too (5..11 follow);
    # message 8 (x) reaches y, z, w (9, 10, 11): mean 3
    assert curves.loc[1.0, "x"] == 3.0
    with pytest.raises(ValueError, match=r"hours must all be positive \(got 0.0\)"):
        propagation_curves(analysis.community, ["x"], hours=[0])


def test_monthly_activity_empty_and_gaps():
    from influence.report import monthly_activity

    empty = monthly_activity(
        pd.DataFrame({"author_id": [], "created_at": pd.to_datetime([], utc=True)})
    )
    assert empty.empty and list(empty.columns) == ["messages", "active_members"]


def test_jupyter_views_escape_names(analysis):
    community_view = analysis.community._repr_html_()
    assert "&lt;i&gt;forum&lt;/i&gt;" in community_view and "<i>forum" not in community_view
    assert "2024-01-01 to 2024-01-01 (UTC)" in community_view
    analysis_view = analysis._repr_html_()
    assert "<svg" in analysis_view and "<script" not in analysis_view
    assert "&lt;script&gt;" in analysis_view  # x's hostile name, escaped
