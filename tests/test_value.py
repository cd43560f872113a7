"""The customer table joined to the members and the value matrix (influence.value)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from influence.errors import InfluenceDataWarning, SourceError
from influence.value import join_customers, parse_amounts, read_customers

USERS = pd.DataFrame(
    {
        "display_name": ["Ann", "Bob", "Cat", "Dan", "Eve", "Ann"],
        "segment": ["true_influencer", "member", "listened_to", "member", "inactive", "member"],
        "influence_score": [0.9, 0.2, 0.8, 0.1, np.nan, 0.3],
    },
    index=pd.Index(["1", "2", "3", "4", "5", "6"], name="user_id"),
)


def write(tmp_path, text, name="crm.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_decimal_comma_and_semicolons(tmp_path):
    path = write(tmp_path, "user_id;chiffre\n1;1 234,50 €\n2;12,5\n3;0,99\n")
    customers = read_customers(path, mapping={"value": "chiffre"})
    assert customers["value"].tolist() == [1234.5, 12.5, 0.99]
    assert customers.attrs["value_column"] == "chiffre"


def test_decimal_point_with_thousands(tmp_path):
    path = write(tmp_path, 'user_id,revenue\n1,"1,234.50"\n2,$80\n')
    assert read_customers(path)["value"].tolist() == [1234.5, 80.0]


@pytest.mark.parametrize(
    ("texts", "decimal", "expected"),
    [
        (["1.234,56"], None, [1234.56]),  # point thousands, comma decimal
        (["1,234"], None, [1234.0]),  # no comma followed by 1-2 digits: thousands
        (["1,234"], ",", [1.234]),  # forced
        (["EUR 3,5", "-2,25"], None, [3.5, -2.25]),
    ],
)
def test_parse_amounts(texts, decimal, expected):
    values, bad = parse_amounts(pd.Series(texts), decimal=decimal)
    assert values.tolist() == pytest.approx(expected)
    assert not bad.any()


def test_duplicate_ids_are_summed_and_counted(tmp_path):
    path = write(tmp_path, "user_id,value\n1,10\n2,5\n1,2.5\n")
    customers = read_customers(path)
    assert customers.set_index("key")["value"].to_dict() == {"1": 12.5, "2": 5.0}
    assert customers.attrs["duplicate_rows"] == 1


def test_duplicate_ids_first_or_error(tmp_path):
    path = write(tmp_path, "user_id,value\n1,10\n2,5\n1,2.5\n")
    assert read_customers(path, duplicates="first")["value"].tolist() == [10.0, 5.0]
    with pytest.raises(SourceError, match=r"crm.csv:4: user_id must be unique \(got '1' again\)"):
        read_customers(path, duplicates="error")


def test_unmatched_members_are_kept_and_reported(tmp_path):
    path = write(tmp_path, "user_id,value\n1,5\n2,900\n3,1000\n99,7\n")
    joined = join_customers(USERS, read_customers(path), top_share=0.5)
    # social threshold: the median influence of the 5 active members (0.9 0.2 0.8 0.1 0.3) = 0.3
    # economic threshold: the median of 5, 900, 1000 = 900
    assert joined["value_quadrant"].tolist() == [
        "hidden_superfan",  # 1: influence 0.9 >= 0.3, value 5 < 900
        "silent_customer",  # 2: influence 0.2, value 900
        "champion",  # 3: influence 0.8, value 1000
        "no_customer_record",
        "no_customer_record",
        "no_customer_record",
    ]
    assert joined["customer_record"].tolist() == [True, True, True, False, False, False]
    assert math.isnan(joined.loc["4", "economic_value"])
    report = joined.attrs["customers"]
    assert report["matched_members"] == 3
    assert report["members_without_record"] == 3
    assert report["active_members_without_record"] == 2  # 4 and 6 (5 is inactive)
    assert report["unmatched_customer_rows"] == 1
    assert report["unmatched_customer_keys"] == ["99"]
    assert report["social_threshold"] == pytest.approx(0.3)
    assert report["economic_threshold"] == 900.0
    assert len(joined) == len(USERS)


def test_alias_matches_display_names_and_ids(tmp_path):
    # "ann" is the display name of two members (1 and 6): ambiguous, matches nobody
    path = write(tmp_path, "alias,ltv\n  BOB ,10\nann,99\n3,7\nzed,1\n")
    joined = join_customers(USERS, read_customers(path))
    assert joined["economic_value"].tolist()[:3] == [pytest.approx(np.nan, nan_ok=True), 10.0, 7.0]
    report = joined.attrs["customers"]
    assert report["ambiguous_aliases"] == ["ann"]
    assert report["unmatched_customer_keys"] == ["ann", "zed"]


def test_missing_columns_are_errors(tmp_path):
    path = write(tmp_path, "customer,value\n1,5\n")
    with pytest.raises(SourceError, match=r"crm.csv: customer table must have a user_id or alias"):
        read_customers(path)
    path = write(tmp_path, "user_id,total\n1,5\n")
    with pytest.raises(SourceError, match=r"must have a value column .*--customer-map value="):
        read_customers(path)
    with pytest.raises(SourceError, match=r"must have the column 'ltv' mapped to value"):
        read_customers(path, mapping={"value": "ltv"})
    with pytest.raises(SourceError, match=r"names must be user_id, alias or value \(got 'id'\)"):
        read_customers(path, mapping={"id": "user_id"})


def test_bad_value_names_the_line_or_is_skipped(tmp_path):
    path = write(tmp_path, "user_id,value\n1,5\n2,lots\n,3\n")
    with pytest.raises(SourceError, match=r"crm.csv:3: value must be an amount .*\(got 'lots'\)"):
        read_customers(path)
    with pytest.warns(InfluenceDataWarning, match="2 rows of crm.csv dropped"):
        customers = read_customers(path, on_error="skip")
    assert customers["key"].tolist() == ["1"] and customers.attrs["dropped_rows"] == 2


def test_missing_file_and_bad_encoding(tmp_path):
    with pytest.raises(SourceError, match="must be an existing file"):
        read_customers(tmp_path / "nope.csv")
    path = tmp_path / "latin.csv"
    path.write_bytes("user_id,value\n1,5\u20ac\n".encode("cp1252"))
    with pytest.raises(SourceError, match=r"latin.csv: customer table must be UTF-8"):
        read_customers(path)


def test_parquet(tmp_path):
    path = tmp_path / "crm.parquet"
    pd.DataFrame({"user_id": ["1", "2"], "value": [3.0, 4.0]}).to_parquet(path)
    assert read_customers(path)["value"].tolist() == [3.0, 4.0]


def test_bad_parameters():
    customers = pd.DataFrame({"key": ["1"], "value": [1.0]})
    with pytest.raises(ValueError, match=r"top_share must be between 0 and 1 \(got 1.5\)"):
        join_customers(USERS, customers, top_share=1.5)
    with pytest.raises(ValueError, match=r"decimal must be '.' or ','"):
        parse_amounts(pd.Series(["1"]), decimal=";")


def test_cli_customers_lang_and_superfans_flag(tmp_path):
    import json

    from click.testing import CliRunner

    from influence.cli import main

    messages = write(
        tmp_path,
        "message_id,author_id,created_at,parent_id,sentiment\n"
        "1,ann,2024-01-01T09:00:00Z,,0.5\n2,bob,2024-01-01T09:10:00Z,1,-0.2\n"
        "3,cat,2024-01-01T09:20:00Z,1,0.8\n4,ann,2024-01-02T09:00:00Z,3,0.1\n",
        "messages.csv",
    )
    crm = write(tmp_path, "user_id;ltv\nann;12,50\nbob;900\nzed;1\n")
    out = tmp_path / "out"
    common = ["--customers", crm, "--customer-map", "value=ltv", "--min-messages", "1"]
    result = CliRunner().invoke(
        main,
        [str(a) for a in ["analyze", messages, "--format", "table", "--out", out, "--lang", "fr"]]
        + [str(a) for a in common],
    )
    assert result.exit_code == 0, result.output
    assert "1 customer rows match no member (first zed)" in result.output
    users = pd.read_csv(out / "users.csv").set_index("user_id")
    assert users.loc["ann", "economic_value"] == 12.5
    assert users.loc["cat", "value_quadrant"] == "no_customer_record"
    assert users.loc["ann", "segment"] in ("true_influencer", "listened_to", "talkative", "member")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<html lang='fr'>" in page and "Superfans cachés" in page and "Les écoutés" in page
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["parameters"]["customers"]["unmatched_customer_keys"] == ["zed"]

    result = CliRunner().invoke(
        main,
        [str(a) for a in ["superfans", messages, "--input-format", "table", "--segment", "active"]]
        + [str(a) for a in common]
        + ["--format", "json"],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    flags = {row["user_id"]: (row["value_quadrant"], row["hidden_superfan"]) for row in rows}
    assert flags["cat"] == ("no_customer_record", False)
    assert all(isinstance(flag, bool) for _, flag in flags.values())
