"""Errors of the streaming JSON reader between items of an array or an object."""

from __future__ import annotations

import io

import pytest

from influence.errors import SourceError
from influence.sources._common import JsonStream


def _array(data: bytes) -> list:
    return [value for _line, value in JsonStream(io.BytesIO(data), "t.json").iter_array()]


def _keys(data: bytes) -> list[str]:
    doc = JsonStream(io.BytesIO(data), "d.json")
    keys = []
    for key in doc.iter_object():
        keys.append(key)
        doc.value()
    return keys


def test_items_are_read_across_commas_and_the_closing_bracket():
    assert _array(b'[1,\n {"x": 2}, []]') == [1, {"x": 2}, []]
    assert _array(b"[ ]") == []
    assert _keys(b'{"a": 1,\n "b": [2]}') == ["a", "b"]
    assert _keys(b"{}") == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"[1,\n 2 3]",
            "t.json:2: JSON must be well-formed (got '3' where ',' or ']' was expected)",
        ),
        (
            b'{"a": 1\n "b": 2}',
            "d.json:2: JSON must be well-formed (got '\"' where ',' or '}' was expected)",
        ),
    ],
)
def test_a_missing_comma_names_file_line_and_what_was_expected(data, message):
    with pytest.raises(SourceError) as error:
        _array(data) if data.startswith(b"[") else _keys(data)
    assert str(error.value) == message


@pytest.mark.parametrize("data", [b"[1, 2", b'{"a": 1'])
def test_a_document_cut_after_an_item_is_truncated(data):
    with pytest.raises(SourceError, match=r"JSON must be complete \(got end of file"):
        _array(data) if data.startswith(b"[") else _keys(data)
