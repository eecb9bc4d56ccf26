"""The plain-Python CSV reader: sizes, encodings, headers, rows and formula escaping."""

from __future__ import annotations

import io
from pathlib import Path

from safepassage.lib.csvtable import (
    Limits,
    Problem,
    Row,
    duplicate_rows,
    escape_formula,
    read_table,
    unescape_formula,
)

ALLOWED = ["code", "name", "notes"]
LIMITS = Limits(max_bytes=10 * 1024 * 1024, max_rows=100, max_cell_chars=50)


def read(data: bytes, limits: Limits = LIMITS) -> tuple[list[Row], list[Problem]]:
    table = read_table(io.BytesIO(data), allowed=ALLOWED, required={"code", "name"}, limits=limits)
    return table.rows, table.problems


def test_it_reads_rows_keyed_by_column_with_physical_line_numbers() -> None:
    rows, problems = read(b'code,name\r\na,"two\r\nlines"\r\n\r\nb,plain\r\n')
    assert problems == []
    assert [(r.line, r.values) for r in rows] == [
        (2, {"code": "a", "name": "two\r\nlines"}),
        (5, {"code": "b", "name": "plain"}),
    ]


def test_it_accepts_a_utf8_bom_and_header_names_in_any_case() -> None:
    rows, problems = read("\ufeffCode , NAME\nx,Wáng Wěi 王伟\n".encode())
    assert problems == []
    assert rows[0].values == {"code": "x", "name": "Wáng Wěi 王伟"}


def test_it_refuses_a_20_mb_file_by_its_size_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as out:
        out.write(b"code,name\n")
        line = b"abc,Some name that fills the file up\n"
        out.write(line * (20 * 1024 * 1024 // len(line) + 1))
    with path.open("rb") as stream:
        table = read_table(stream, allowed=ALLOWED, required=set(), limits=LIMITS)
        assert stream.tell() == 0
    assert table.rows == []
    assert len(table.problems) == 1
    assert table.problems[0].line is None
    assert "20.0 MB; the limit is 10.0 MB" in table.problems[0].message


def test_it_stops_reading_an_unsized_stream_just_past_the_limit() -> None:
    class Pipe(io.RawIOBase):
        """A stream that cannot tell its size, like a socket or a pipe."""

        def __init__(self) -> None:
            self.served = 0

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            assert size > 0, "the reader must never ask for everything"
            self.served += size
            return b"x" * size

    pipe = Pipe()
    table = read_table(pipe, allowed=ALLOWED, required=set(), limits=Limits(2048, 10))  # type: ignore[arg-type]
    assert pipe.served == 2049
    assert table.problems == [
        Problem(None, "", "The file is larger than the 2 KB limit. Split it into smaller files.")
    ]


def test_it_names_every_line_that_is_not_utf8() -> None:
    data = b"code,name\na,fine\nb,caf" + b"\xe9\nc,ok\nd,\xff\xfe\n"
    rows, problems = read(data)
    assert rows == []
    assert [(p.line, p.message.split(" (")[0]) for p in problems] == [
        (3, "The line is not valid UTF-8"),
        (5, "The line is not valid UTF-8"),
    ]
    assert "byte 0xE9 at position 6" in problems[0].message
    assert "CSV UTF-8" in problems[0].message


def test_it_refuses_nul_bytes_naming_the_line() -> None:
    rows, problems = read(b"code,name\na,ok\nb,bad\x00name\n")
    assert rows == []
    assert problems == [
        Problem(3, "", "The line contains a NUL byte; this is not a text CSV file.")
    ]


def test_it_recognises_utf16_files() -> None:
    _, problems = read("code,name\na,b\n".encode("utf-16"))
    assert problems[0].line is None
    assert "UTF-16" in problems[0].message


def test_it_reports_unknown_missing_duplicated_and_empty_header_cells() -> None:
    _, problems = read(b"code,colour,code,,notes\n1,2,3,4,5\n")
    assert problems == [
        Problem(1, "colour", "Unknown column. Expected columns: code, name, notes."),
        Problem(1, "code", "The column appears more than once."),
        Problem(1, "column 4", "The header cell is empty."),
        Problem(1, "name", "This required column is missing."),
    ]


def test_it_refuses_an_empty_file_and_a_header_without_rows() -> None:
    assert read(b"")[1] == [Problem(None, "", "The file is empty.")]
    assert read(b"\xef\xbb\xbf \r\n")[1] == [Problem(None, "", "The file is empty.")]
    assert read(b"code,name\r\n\r\n")[1] == [
        Problem(None, "", "The file has a header but no data rows.")
    ]


def test_it_refuses_more_rows_than_the_limit() -> None:
    data = b"code,name\n" + b"".join(b"c%d,n\n" % i for i in range(6))
    rows, problems = read(data, Limits(max_bytes=4096, max_rows=5))
    assert rows == []
    assert problems == [
        Problem(None, "", "The file has more than 5 rows. Split it into smaller files.")
    ]


def test_it_reports_rows_of_the_wrong_width_and_overlong_cells() -> None:
    data = b"code,name\na\nb,c,d\ne," + b"x" * 51 + b"\nf,ok\n"
    rows, problems = read(data)
    assert problems == [
        Problem(2, "", "The row has 1 cells but the header has 2 columns."),
        Problem(3, "", "The row has 3 cells but the header has 2 columns."),
        Problem(4, "name", "The cell is 51 characters long; the limit is 50."),
    ]


def test_it_reports_broken_quoting_with_its_line() -> None:
    rows, problems = read(b'code,name\na,b\nc,"unterminated\n')
    assert problems[0].line == 3
    assert problems[0].message.startswith("The line is not valid CSV")


def test_it_reports_a_cell_beyond_the_csv_modules_limit_without_crashing() -> None:
    data = b'code,name\na,"' + b"x" * 200_000 + b'"\n'
    _, problems = read(data)
    assert problems[0].line == 2
    assert "longer than" in problems[0].message


def test_it_finds_rows_that_repeat_a_key() -> None:
    rows = [Row(2, {"k": "a"}), Row(3, {"k": "b"}), Row(4, {"k": "a"}), Row(5, {"k": ""})]
    found = duplicate_rows(rows, lambda r: r.values["k"] or None, "code")
    assert found == [Problem(4, "", "Same code as line 2.")]


def test_it_neutralises_formulas_but_leaves_numbers_and_text_alone() -> None:
    assert escape_formula('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert escape_formula("+92 300 1234567") == "'+92 300 1234567"
    assert escape_formula("@SUM(A1)") == "'@SUM(A1)"
    assert escape_formula("-1+2") == "'-1+2"
    assert escape_formula("-33.95") == "-33.95"
    assert escape_formula("Dasu camp") == "Dasu camp"
    for value in ("=1+1", "-cmd", "plain", "-12.5", "'quoted"):
        assert unescape_formula(escape_formula(value)) == value


def test_it_recognises_a_spreadsheet_workbook() -> None:
    _, problems = read(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100)
    assert problems == [
        Problem(None, "", "This is a spreadsheet workbook, not CSV. Save it as 'CSV UTF-8'.")
    ]


def test_it_cuts_hostile_header_names_short_in_its_report() -> None:
    _, problems = read(b"code,name," + b"z" * 5000 + b"\n1,2,3\n")
    assert problems == [Problem(1, "column 3", "Unknown column '" + "z" * 40 + "…'.")]
