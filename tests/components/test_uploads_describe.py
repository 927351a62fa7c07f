"""The upload alert names what was received, whatever a request sends (issue 13 §4)."""
from __future__ import annotations

import base64

import pytest

from components.uploads import describe_upload, upload_failure
from core.errors import DataError

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 2000      # the PNG signature (ISO/IEC 15948 §5.2)


def _url(raw: bytes, mime: str = "application/octet-stream") -> str:
    return f"data:{mime};base64," + base64.b64encode(raw).decode()


def test_a_png_is_named_with_its_size_and_kind():
    assert describe_upload(_url(PNG, "image/png"), "chart.png") == "chart.png (2 kB, a PNG image)"


def test_text_and_empty_uploads():
    assert describe_upload(_url(b"a,b\n1,2\n", "text/csv"), "x.csv") == "x.csv (8 bytes, text)"
    assert describe_upload(None, None) == "the file (empty)"
    assert describe_upload("", "x.csv") == "x.csv (empty)"


@pytest.mark.parametrize("contents", [["data:text/csv;base64,YQ=="], {"a": 1}, 42, b"bytes"])
def test_contents_that_are_not_a_data_url_string_are_said_so(contents):
    assert describe_upload(contents, "x.csv") == "x.csv (not readable as an upload)"


def test_upload_failure_never_raises_on_a_malformed_upload():
    assert upload_failure(["not", "a", "dict"], RuntimeError("boom")).startswith("Received the file")
    msg = upload_failure({"contents": 7, "filename": ["x"]}, DataError("no strike column"))
    assert msg == "Could not load the file (not readable as an upload): no strike column"
