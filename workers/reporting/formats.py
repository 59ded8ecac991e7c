"""Export file formats: rows in, a CSV or XLSX file out, one row at a time.

Both writers stream to a local file: the csv module writes each row as it comes, and openpyxl's
write-only workbook keeps no cells in memory (it spools rows to a temporary file and zips them
on close), so an export's memory does not grow with its size.
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


def csv_value(value: Any) -> str:
    """Text for a CSV cell: ISO dates and times, JSON for json values, empty for null."""
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
        self.sheet.append([xlsx_value(v) for v in row])

    def close(self) -> None:
        self.book.save(self.path)


def open_writer(fmt: str, path: Path, columns: list[str], title: str) -> RowWriter:
    if fmt == "csv":
        return CsvWriter(path, columns)
    if fmt == "xlsx":
        return XlsxWriter(path, columns, title)
    raise ValueError(f"format: unknown export format {fmt!r}")
