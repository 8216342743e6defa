"""CSV downloads of a page's tables: one helper so every export escapes alike."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import Response

# Characters that make a spreadsheet treat a cell as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """A value as a CSV cell; text a spreadsheet would run as a formula is quoted with '.
    Numbers are written as they are (a negative amount stays a number)."""
    if value is None:
        return ""
    if isinstance(value, int | float) or type(value).__name__ == "Decimal":
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``, a line at a time (for a streamed export,
    which reads its rows as it writes them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(header)
    yield taken()
    for row in rows:
        writer.writerow([cell(v) for v in row])
        yield taken()


def attachment(filename: str) -> dict[str, str]:
    """The headers that make a browser save the answer as ``filename``."""
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def csv_response(filename: str, header: Sequence[str],
                 rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV attachment named ``filename`` with ``header`` and ``rows``."""
    return Response("".join(csv_lines(header, rows)), mimetype="text/csv",
                    headers=attachment(filename))
