"""Reading an uploaded file: CSV (encoding and delimiter detected) or XLSX (streamed).

`open_table(path, options)` returns a Table: what was detected, the header, and an iterator of
(line, cells) for the data rows, blank rows left out. Memory stays flat: CSV is read line by line
through the csv module, XLSX through openpyxl's read-only mode (rows streamed from the sheet's
XML). The line is the file's own line (CSV: where the record ends; XLSX: the sheet's row), the
number a person finds in their spreadsheet.
"""

from __future__ import annotations

import codecs
import csv
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

DELIMITERS = (",", ";", "\t", "|")
XLSX_MAGIC = b"PK\x03\x04"


class BadFile(ValueError):
    """The file cannot be read as a table (not CSV or XLSX, no header): the import fails."""


@dataclass
class Table:
    kind: str  # csv | xlsx
    encoding: str | None
    delimiter: str | None
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    rows_estimate: int
    closer: Any = None

    def close(self) -> None:
        if self.closer is not None:
            self.closer.close()


def detect_encoding(path: Path) -> str:
    """utf-8-sig (a BOM), utf-8 when the whole file decodes as UTF-8, else windows-1252."""
    with path.open("rb") as f:
        head = f.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "windows-1252"
    return "utf-8"


def detect_delimiter(header_line: str) -> str:
    """The candidate that splits the header most often (outside quotes); ',' when none does."""
    counts = {d: 0 for d in DELIMITERS}
    quoted = False
    for c in header_line:
        if c == '"':
            quoted = not quoted
        elif not quoted and c in counts:
            counts[c] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def unique_headers(cells: list[Any]) -> list[str]:
    """Header texts, a repeated one numbered ('Teléfono', 'Teléfono (2)') so each column has its
    own name in the mapping."""
    seen: dict[str, int] = {}
    headers = []
    for cell in cells:
        text = "" if cell is None else str(cell).strip()
        if text in seen:
            seen[text] += 1
            text = f"{text} ({seen[text]})"
        else:
            seen[text] = 1
        headers.append(text)
    return headers


def open_table(path: Path, options: Mapping[str, Any]) -> Table:
    with path.open("rb") as f:
        magic = f.read(4)
    if magic == XLSX_MAGIC:
        return open_xlsx(path)
    return open_csv(path, options)


def open_csv(path: Path, options: Mapping[str, Any]) -> Table:
    encoding = str(options.get("encoding") or detect_encoding(path)).lower()
    if encoding == "utf-8":
        with path.open("rb") as f:
            if f.read(3) == codecs.BOM_UTF8:
                encoding = "utf-8-sig"
    text = path.open("r", encoding=encoding, newline="")
    first = text.readline()
    if not first.strip():
        text.close()
        raise BadFile("the file is empty or its first line (the header) is blank")
    delimiter = str(options.get("delimiter") or detect_delimiter(first))
    text.seek(0)
    reader = csv.reader(text, delimiter=delimiter)
    headers = unique_headers(next(reader))
    if not any(headers):
        text.close()
        raise BadFile("the header line has no column names")

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for cells in reader:
            if not cells or not any(c.strip() for c in cells):
                continue
            yield reader.line_num, cells

    return Table("csv", encoding, delimiter, headers, rows(), max(count_lines(path) - 1, 0), text)


def open_xlsx(path: Path) -> Table:
    # A file object: openpyxl judges a path by its extension, and the download has none.
    handle = path.open("rb")
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as e:  # zipfile.BadZipFile, KeyError, InvalidFileException...
        handle.close()
        raise BadFile(f"not a readable XLSX workbook ({type(e).__name__})") from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header = next(values, None)
    if header is None or not any(c is not None and str(c).strip() for c in header):
        book.close()
        handle.close()
        raise BadFile("the first row of the first sheet (the header) is empty")
    headers = unique_headers(list(header))
    estimate = max((sheet.max_row or 1) - 1, 0)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for line, cells in zip(itertools.count(2), values, strict=False):
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            yield line, list(cells)

    return Table("xlsx", None, None, headers, rows(), estimate, _Closer(book, handle))


class _Closer:
    def __init__(self, *things: Any) -> None:
        self.things = things

    def close(self) -> None:
        for thing in self.things:
            thing.close()

