"""The one escaping function for user strings reaching the map's HTML and JavaScript."""

import html
import re

import pytest

from clusters.escaping import escape

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "${alert(1)}",
    "`${document.cookie}`",
    "\\u003cscript\\u003e",
    "</script><script>alert(1)</script>",
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    "a & b",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_leaves_no_markup_nor_template_syntax(text):
    out = escape(text)
    for dangerous in ("<", ">", '"', "'", "`", "${", "$", "{", "}", "\\"):
        assert dangerous not in out
    assert not re.search(r"&(?!amp;|lt;|gt;|quot;|#x[0-9A-F]+;)", out)


@pytest.mark.parametrize("text", [*HOSTILE, "CCN Ngọc Hồi", "Đan Phượng; 18,8 ha (2024)"])
def test_escape_reads_back_as_the_same_text_in_a_browser(text):
    assert html.unescape(escape(text)) == text


def test_escape_keeps_vietnamese_text_as_it_is():
    assert escape("CCN làng nghề Hữu Bằng") == "CCN làng nghề Hữu Bằng"


def test_escape_of_none_is_empty_and_numbers_are_text():
    assert escape(None) == ""
    assert escape(18.8) == "18.8"
