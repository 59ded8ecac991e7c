"""Export file formats: rows in, a CSV or XLSX file out, one row at a time.

Both writers stream to a local file: the csv module writes each row as it comes, and openpyxl's
write-only workbook keeps no cells in memory (it spools rows to a temporary file and zips them
on close), so an export's memory does not grow with its size.

Free text in a report (a lead's name, notes) was typed by agents: a value such as
`=HYPERLINK(...)` must reach the supervisor's spreadsheet as text, never as a live formula.
OWASP's CSV-injection rule: a text cell starting with `=`, `+`, `-`, `@`, tab or CR is
prefixed with a single quote in CSV; in XLSX every text cell is written as a string cell,
and such a cell also gets Excel's "quote prefix" style, so that editing it keeps it text.
"""

from __future__ import annotations

import csv
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# One sheet holds at most 1,048,576 rows, the header included.
XLSX_MAX_ROWS = 1_048_575


class RowWriter(Protocol):
    def write(self, row: tuple[Any, ...]) -> None: ...
    def close(self) -> None: ...


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def csv_value(value: Any) -> str:
    """Text for a CSV cell: ISO dates and times, JSON for json values, empty for null.

    Numbers stay as they are (a negative amount is not a formula); text that a spreadsheet
    would read as a formula gets a leading single quote.
    """
    if isinstance(value, str):
        return "'" + value if starts_like_formula(value) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def xlsx_value(value: Any) -> Any:
    """A value openpyxl can store: numbers stay numbers, times become UTC without a zone."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if isinstance(value, uuid.UUID):
        return str(value)
    if value is None or isinstance(value, int | float | Decimal | str | bool | date | datetime):
        return value
    return str(value)


class CsvWriter:
    def __init__(self, path: Path, columns: list[str]) -> None:
        self.file = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115 (closed in close)
        self.writer = csv.writer(self.file)
        self.writer.writerow(columns)

    def write(self, row: tuple[Any, ...]) -> None:
        self.writer.writerow([csv_value(v) for v in row])

    def close(self) -> None:
        self.file.close()


class XlsxWriter:
    def __init__(self, path: Path, columns: list[str], title: str) -> None:
        self.path = path
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(title=title[:31])
        self.sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for name in columns:
            cell = WriteOnlyCell(self.sheet, value=name)
            cell.font = bold
            header.append(cell)
        self.sheet.append(header)

    def write(self, row: tuple[Any, ...]) -> None:
        self.sheet.append([self.cell(xlsx_value(v)) for v in row])

    def cell(self, value: Any) -> Any:
        # openpyxl turns any str starting with "=" into a formula cell: text is typed as a
        # string explicitly, whatever it starts with.
        if not isinstance(value, str):
            return value
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.data_type = "s"
        if starts_like_formula(value):
            cell.quotePrefix = True
        return cell

    def close(self) -> None:
        self.book.save(self.path)


def open_writer(fmt: str, path: Path, columns: list[str], title: str) -> RowWriter:
    if fmt == "csv":
        return CsvWriter(path, columns)
    if fmt == "xlsx":
        return XlsxWriter(path, columns, title)
    raise ValueError(f"format: unknown export format {fmt!r}")
