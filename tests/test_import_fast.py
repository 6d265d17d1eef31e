"""The whole-column parsers (kundenwert/import_fast.py) agree with the cell parsers.

Each fast parser may leave a cell to the cell parser (``None``), but a value it gives must be
the one the cell parser gives, and the cell parser must accept that cell.
"""

from __future__ import annotations

import csv
import gc
import io
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kundenwert import import_fast as fast
from kundenwert import import_formats as fmts
from kundenwert.ingest import paused_gc

FAST = settings(max_examples=300, deadline=None)
_DIGITS = st.text("0123456789", min_size=1, max_size=4)


def _agrees(values: list[str], quick: list[object], parse: object) -> None:
    assert len(quick) == len(values)
    for raw, value in zip(values, quick, strict=True):
        if value is not None:
            assert parse(raw) == value, raw  # type: ignore[operator]


@FAST
@given(
    st.lists(
        st.one_of(
            st.from_regex(r"\A[-+−]?[0-9]{0,7}([.,][0-9]{0,4})?\Z"),
            st.from_regex(r"\A[-(]?[0-9.,' ]{1,10}[)€]?\Z"),
        ),
        max_size=20,
    ),
    st.booleans(),
)
def test_amounts_agree_with_the_cell_parser(values: list[str], comma: bool) -> None:
    quick = fast.plain_amount_cents(values, comma)
    _agrees(values, quick, lambda raw: fmts.parse_amount(raw, comma))


def test_plain_amounts_are_read_in_the_column_convention() -> None:
    assert fast.plain_amount_cents(["12,5", "-9,90", "7", "1.234,56", None], True) == [
        1250,
        -990,
        700,
        None,  # grouped: the cell parser reads it
        None,
    ]
    assert fast.plain_amount_cents(["12.50", "12,50"], False) == [1250, None]


@FAST
@given(
    st.lists(
        st.one_of(
            st.builds(
                "{}.{}.{}{}".format,
                _DIGITS,
                _DIGITS,
                _DIGITS,
                st.sampled_from(["", " 02:30", " 14:30:15", "T7:05", " 24:00", " 10:00:60"]),
            ),
            st.builds(
                "{}-{}-{}{}".format,
                _DIGITS,
                _DIGITS,
                _DIGITS,
                st.sampled_from(["", " 02:30:00", "T23:59:59", " 12:00", "+01:00"]),
            ),
        ),
        max_size=20,
    )
)
def test_dates_agree_with_the_cell_parser(values: list[str]) -> None:
    quick = fast.plain_dates(values)
    _agrees(values, quick, fmts.parse_date)


def test_dates_in_german_time_around_the_clock_changes() -> None:
    values = ["31.12.2025", "2025-06-01 14:30:00", "26.10.2025 02:30", "30.03.2025 02:30"]
    quick = fast.plain_dates(values)
    assert quick[0] == datetime(2025, 12, 31, 11, 0, tzinfo=UTC)  # a date alone: noon
    assert quick[1] == datetime(2025, 6, 1, 12, 30, tzinfo=UTC)
    assert quick[2] == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # the first 02:30
    assert quick[3] is None  # no such time in Germany: left to the cell parser
    assert all(q is None or q.tzinfo is UTC for q in quick)


@FAST
@given(
    st.lists(
        st.one_of(
            st.emails().map(lambda e: e.upper() if len(e) % 2 else e),
            st.text(max_size=12),
            st.just("MAILTO:a@b.de"),
        ),
        max_size=20,
    )
)
def test_emails_agree_with_the_cell_parser(values: list[str]) -> None:
    quick = fast.plain_email(values)
    _agrees(values, quick, fmts.parse_email)


def test_plain_emails_are_lower_cased() -> None:
    assert fast.plain_email(["Anna@Example.DE", "jörg@example.de", "a@b"]) == [
        "anna@example.de",
        None,
        None,
    ]


@FAST
@given(st.lists(st.text(alphabet="ab \t\x1c\u00a0\u3000ü", max_size=8), max_size=20))
def test_text_agrees_with_the_cell_parser(values: list[str]) -> None:
    quick = fast.plain_text(values)
    _agrees(values, quick, fmts.parse_text)
    assert fast.plain_text(["Anna Maria", "x"]) == ["Anna Maria", "x"]


@FAST
@given(st.lists(st.text(alphabet="a; \t\x1c\u00a0\u2003", max_size=6), min_size=2, max_size=5))
def test_cells_are_trimmed_as_python_strips_them(cells: list[str]) -> None:
    text = "x;y;z\n" + "\n".join(f"a;{cell};b" for cell in cells if ";" not in cell) + "\n"
    table = fmts.read(text.encode(), "f.csv")
    expected = [cell.strip() or None for cell in cells if ";" not in cell]
    assert table.frame["y"].to_list() == expected


def test_paused_gc_restores_the_collector() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


@FAST
@given(st.text(alphabet="ab;,| \t\n'x\"\r", max_size=40), st.sampled_from([";", ",", "\t", "|"]))
def test_records_of_a_file_without_quotes_are_the_csv_modules(text: str, delimiter: str) -> None:
    expected: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous_end = 0
    try:
        for cells in reader:
            expected.append((previous_end + 1, cells))
            previous_end = reader.line_num
    except csv.Error:
        return  # the cell-by-cell reader reports it: checked in test_import_parsing
    assert list(fmts._records(text, delimiter)) == expected


_CELL = st.text(alphabet="ab \t'x\u00a0\u2003", max_size=4)
# mostly rows as wide as the header (the fast path), sometimes ragged ones (the fallback)
_CELLS = st.one_of(st.lists(_CELL, min_size=3, max_size=3), st.lists(_CELL, min_size=1, max_size=4))


@FAST
@given(st.lists(_CELLS, min_size=1, max_size=8), st.sampled_from([";", ","]), st.integers(0, 1))
def test_a_plain_file_split_at_once_is_the_table_read_record_by_record(
    rows: list[list[str]], delimiter: str, offset: int
) -> None:
    lines = [delimiter.join(cells) for cells in rows]
    text = "\n".join([delimiter.join(["name", "mail", "x"]), *lines]) + "\n"
    fast_table = fmts._rectangular(text, delimiter, offset)
    if fast_table is None:
        return
    records = ((line + offset, cells) for line, cells in fmts._records(text, delimiter))
    slow_table = fmts._table(records, excel=False, delimiter=delimiter)
    assert fast_table.lines == slow_table.lines
    assert fast_table.frame.equals(slow_table.frame)
    assert fast_table.frame.columns == slow_table.frame.columns


def test_a_file_with_a_title_line_or_ragged_rows_is_read_record_by_record() -> None:
    assert fmts._rectangular("Export 2025\na;b\n1;2\n", ";", 0) is None
    assert fmts._rectangular("a;b\n1;2;3\n", ";", 0) is None
    assert fmts._rectangular("a;b\n\n1;2\n", ";", 0) is None
    table = fmts._rectangular("a;b\n 1 ;\n3;4\n", ";", 1)
    assert table is not None
    assert table.lines == [3, 4]
    assert table.frame.rows() == [("1", None), ("3", "4")]


@pytest.mark.parametrize("text", ["", "\n", "a;b\n", "a;b"])
def test_a_file_without_rows_is_left_to_the_record_reader(text: str) -> None:
    assert fmts._rectangular(text, ";", 0) is None
