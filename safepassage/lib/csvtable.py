"""Reading untrusted CSV files defensively, in plain Python (no Django).

``read_table`` turns the bytes of an uploaded or local CSV file into rows keyed by column,
or into a list of problems that say what is wrong and where: the file's size, its encoding,
NUL bytes, the header, the number of rows, cells that are too long or rows of the wrong
width. Line numbers are physical lines of the file (the header is line 1), so a user can
find them in any text editor. Problems with the file as a whole carry no line number.

The size is checked before any parsing and the stream is never read past the limit, so an
oversized upload cannot exhaust memory.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, NamedTuple

# Cells starting with these characters are run as formulas by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_MAX_LINE_PROBLEMS = 20


class Problem(NamedTuple):
    """One thing wrong with a file: its physical line (None: the whole file), column, message."""

    line: int | None
    column: str
    message: str


@dataclass(frozen=True)
class Row:
    """One data record: the physical line it starts on and its cells by column name."""

    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class Limits:
    """How much a file may hold."""

    max_bytes: int
    max_rows: int
    max_cell_chars: int = 10_000


@dataclass
class Table:
    """The columns present in the header, the data rows, and any problems found."""

    columns: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def shown(value: str, limit: int = 40) -> str:
    """``value`` quoted for a message, cut short so a hostile cell cannot flood the report."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def stream_size(stream: BinaryIO) -> int | None:
    """The size of ``stream`` in bytes without reading it, or None when it cannot be told."""
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation, ValueError):
        pass
    try:
        if stream.seekable():
            here = stream.tell()
            end = stream.seek(0, io.SEEK_END)
            stream.seek(here)
            return end - here
    except (AttributeError, OSError, ValueError):
        pass
    return None


def _too_large(size: int | None, limits: Limits) -> Problem:
    limit = _megabytes(limits.max_bytes)
    said = (
        f"The file is {_megabytes(size)}; the limit is {limit}."
        if size
        else (f"The file is larger than the {limit} limit.")
    )
    return Problem(None, "", said + " Split it into smaller files.")


def _lines_with(data: bytes, needle: bytes) -> list[int]:
    return [n for n, line in enumerate(data.split(b"\n"), start=1) if needle in line]


def _decode(data: bytes) -> tuple[str, list[Problem]]:
    """The text of ``data`` without its BOM, or the lines that are not valid UTF-8."""
    if data.startswith(b"PK\x03\x04"):
        return "", [
            Problem(None, "", "This is a spreadsheet workbook, not CSV. Save it as 'CSV UTF-8'.")
        ]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "", [
            Problem(None, "", "The file is UTF-16 text. Save it as 'CSV UTF-8' and try again.")
        ]
    nul_lines = _lines_with(data, b"\x00")
    if nul_lines:
        return "", [
            Problem(n, "", "The line contains a NUL byte; this is not a text CSV file.")
            for n in nul_lines[:_MAX_LINE_PROBLEMS]
        ]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    problems = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = line[exc.start]
            problems.append(
                Problem(
                    number,
                    "",
                    f"The line is not valid UTF-8 (byte 0x{bad:02X} at position {exc.start + 1}). "
                    "Save the file as 'CSV UTF-8' and try again.",
                )
            )
            if len(problems) >= _MAX_LINE_PROBLEMS:
                break
    return "", problems


def _header(
    cells: list[str], allowed: Sequence[str], required: Collection[str]
) -> tuple[list[str], list[Problem]]:
    names = [cell.strip().lower() for cell in cells]
    problems = []
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if name not in allowed and len(name) > 40:
            problems.append(Problem(1, f"column {position}", f"Unknown column {shown(name)}."))
        elif not name:
            problems.append(Problem(1, f"column {position}", "The header cell is empty."))
        elif name in seen:
            problems.append(Problem(1, name, "The column appears more than once."))
        elif name not in allowed:
            problems.append(
                Problem(1, name, f"Unknown column. Expected columns: {', '.join(allowed)}.")
            )
        seen.add(name)
    for name in allowed:
        if name in required and name not in seen:
            problems.append(Problem(1, name, "This required column is missing."))
    return names, problems


def read_table(
    stream: BinaryIO,
    *,
    allowed: Sequence[str],
    required: Collection[str],
    limits: Limits,
    size: int | None = None,
) -> Table:
    """Read a CSV file whose header names some of ``allowed`` and all of ``required``.

    Column names are matched without regard to case or surrounding spaces; cells are
    stripped. Blank lines are skipped. Any problem in the file as a whole or in the
    header stops the reading, since rows cannot be trusted after that.
    """
    table = Table()
    if size is None:
        size = stream_size(stream)
    if size is not None and size > limits.max_bytes:
        table.problems.append(_too_large(size, limits))
        return table
    data = stream.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        table.problems.append(_too_large(None, limits))
        return table
    if not data.strip() or data.strip() == b"\xef\xbb\xbf":
        table.problems.append(Problem(None, "", "The file is empty."))
        return table
    text, problems = _decode(data)
    if problems:
        table.problems.extend(problems)
        return table

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            detail = str(exc)
            if "field larger than field limit" in detail:
                detail = f"a cell is longer than {csv.field_size_limit()} characters"
            table.problems.append(Problem(start, "", f"The line is not valid CSV: {detail}."))
            return table
        if header is None:
            header, problems = _header(cells, allowed, required)
            table.columns = header
            if problems:
                table.problems.extend(problems)
                return table
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(table.rows) >= limits.max_rows:
            table.problems.append(
                Problem(
                    None,
                    "",
                    f"The file has more than {limits.max_rows} rows. Split it into smaller files.",
                )
            )
            table.rows.clear()
            return table
        if len(cells) != len(header):
            table.problems.append(
                Problem(
                    start,
                    "",
                    f"The row has {len(cells)} cells but the header has {len(header)} columns.",
                )
            )
            continue
        values = {}
        for name, cell in zip(header, cells, strict=True):
            if len(cell) > limits.max_cell_chars:
                table.problems.append(
                    Problem(
                        start,
                        name,
                        f"The cell is {len(cell)} characters long; "
                        f"the limit is {limits.max_cell_chars}.",
                    )
                )
            values[name] = cell.strip()
        table.rows.append(Row(start, values))
    if header is not None and not table.rows and not table.problems:
        table.problems.append(Problem(None, "", "The file has a header but no data rows."))
    return table


def duplicate_rows(
    rows: Iterable[Row], key: Callable[[Row], Hashable | None], describe: str
) -> list[Problem]:
    """A problem for every row whose ``key`` repeats an earlier row's (None keys never clash)."""
    first_seen: dict[Hashable, int] = {}
    problems = []
    for row in rows:
        value = key(row)
        if value is None:
            continue
        if value in first_seen:
            problems.append(Problem(row.line, "", f"Same {describe} as line {first_seen[value]}."))
        else:
            first_seen[value] = row.line
    return problems


def escape_formula(value: str) -> str:
    """Neutralise a cell a spreadsheet would run as a formula by prefixing an apostrophe.

    Plain numbers (including negative ones) are left alone: they cannot be formulas.
    """
    if value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def unescape_formula(value: str) -> str:
    """Undo ``escape_formula``, so an exported file imports back to the same values."""
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value
