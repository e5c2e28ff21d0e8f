"""Any table of projections-api as CSV (standard library) or Excel (openpyxl), with stable cell forms."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from openpyxl import Workbook

from projections.index766 import BUSINESS_TZ

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell(value: Any) -> Any:
    """Times in business time without an offset (Excel has none), ids and enums as text, JSON as text."""
    if isinstance(value, datetime):
        return value.astimezone(BUSINESS_TZ).replace(tzinfo=None) if value.utcoffset() is not None else value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if isinstance(value, Decimal | date | int | float | str | bool) or value is None:
        return value
    return str(value)


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            ["" if v is None else (v.isoformat() if isinstance(v, datetime) else v) for v in map(cell, row)]
        )
    # A byte-order mark, so that Excel opens the Vietnamese text as UTF-8.
    return "\ufeff".encode() + buffer.getvalue().encode()


def to_xlsx(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "motcua") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(columns))
    for row in rows:
        sheet.append([cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
