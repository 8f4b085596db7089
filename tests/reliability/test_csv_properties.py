"""Properties of the CSV reader, checked by hypothesis on generated text.

Any text or bytes give rows or a ``ClusterError``, never another exception; a table
written by Python's csv module reads back cell for cell; and the column count taken
before parsing (which guards memory) agrees exactly with the records csv finds.
``CLUSTERS_FUZZ_COUNT`` (40 by default) raises the effort as for the fuzzer: five
examples per unit.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from clusters.errors import ClusterError
from clusters.io import columns
from clusters.io.parsers import _wider_than
from clusters.io.readers import load, locate
from clusters.io.table import RawTable
from clusters.io.values import is_blank

# A generous deadline: a CSV of a few hundred characters read in seconds is a stall.
PROPERTY = settings(
    max_examples=5 * int(os.environ.get("CLUSTERS_FUZZ_COUNT", "40")),
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow],
)
HEADERS = ["Tên CCN", "Giai đoạn", "Kinh độ", "Vĩ độ", "Ghi chú"]
DELIMITERS = st.sampled_from([",", ";", "\t", "|"])
# Text as planners type it, with the characters that matter to CSV (quotes, separators,
# line breaks) and Vietnamese letters; NUL is a refusal, tested by the first property.
CELL = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
    max_size=30,
) | st.sampled_from(['"', '""', ",", ";", "\r\n", "\n", " ", "Cụm công nghiệp", "105,8"])


def check_table(table: RawTable) -> None:
    """What every table a reader returns satisfies."""
    assert len(table.rows) == len(table.refs)
    assert len(set(table.headers)) == len(table.headers)
    numbers = [int(r) for r in table.refs]
    assert numbers == sorted(set(numbers))
    for row in table.rows:
        assert set(row) <= set(table.headers)
        assert not all(is_blank(v) for v in row.values())


def read(data: bytes) -> None:
    """Read as the dry run does; a refusal is an answer too."""
    try:
        table = load(data, "danh_sach.csv")
    except ClusterError as exc:
        assert exc.vi and exc.en
        return
    check_table(table)
    try:
        located = locate(table, columns.suggest(table.headers))
    except ClusterError:
        return
    assert len(located.geometries) == len(table.rows)


# Any text, and any text after Excel's "sep=" line naming any character as the delimiter.
ANY_TEXT = st.text() | st.builds(
    lambda c, t: f"sep={c}\n{t}", st.characters(blacklist_categories=["Cs"]), st.text()
)


@PROPERTY
@given(ANY_TEXT)
def test_any_text_gives_rows_or_a_refusal(text):
    read(text.encode("utf-8"))


@PROPERTY
@given(st.binary(max_size=2000))
def test_any_bytes_give_rows_or_a_refusal(data):
    read(data)


@PROPERTY
@given(
    st.lists(
        st.lists(CELL, min_size=1, max_size=len(HEADERS)).filter(
            lambda r: not all(is_blank(c) for c in r)
        ),
        min_size=1,
        max_size=12,
    ),
    DELIMITERS,
    st.booleans(),
)
def test_a_table_written_by_csv_reads_back_cell_for_cell(rows, delimiter, bom):
    buf = io.StringIO(newline="")
    buf.write(f"sep={delimiter}\r\n")  # Excel's way of naming the delimiter
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    table = load(buf.getvalue().encode("utf-8-sig" if bom else "utf-8"), "danh_sach.csv")
    assert table.headers == HEADERS
    assert table.rows == [dict(zip(HEADERS, r, strict=False)) for r in rows]
    # Row numbers count records as a spreadsheet shows them: "sep=" is 1, the header 2.
    assert table.refs == [str(n) for n in range(3, 3 + len(rows))]


@PROPERTY
@given(
    st.text(alphabet=st.sampled_from(list('ab ",;\t|\r\n')), max_size=200) | st.text(max_size=200),
    DELIMITERS,
    st.integers(min_value=1, max_value=8),
)
def test_the_width_check_before_parsing_agrees_with_csv(text, delimiter, limit):
    assume("\x00" not in text)  # csv refuses NUL; the reader refuses the file
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    widest = max((len(r) for r in records), default=0)
    assert _wider_than(text, delimiter, limit) == (widest > limit)
