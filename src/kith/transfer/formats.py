"""File formats: CSV and JSON Lines, read row by row and never loaded whole.

Line numbers are the file's physical lines (the CSV header is line 1), so a
rejected row can be found in the original file with any editor.

Every CSV Kith writes (``kith export``, the rejected-rows files, the DSAR
tables, and the web list's "Export selected", whose JavaScript applies the same
rule) passes its text cells through ``spreadsheet_safe``: a spreadsheet would
run a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``), so such a cell gets a
leading apostrophe (OWASP's advice), which spreadsheets show as text and do not
display. The importer undoes it (``spreadsheet_value``), so export then import
gives back exactly the stored text. Numbers written from typed numeric values
(a deal's amount, a custom number field) are left as numbers: ``-12.5`` there
is data, not a formula, and stays summable. A text value that merely looks
like a number (``-12.5`` typed into a text field) is prefixed like any text.
JSON Lines files are not spreadsheets and are written as they are.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

from kith.transfer.errors import UnusableInput

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")
EXTENSIONS: dict[str, Format] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
# utf-8-sig reads plain UTF-8 too and drops the byte-order mark Excel writes.
DEFAULT_ENCODING = "utf-8-sig"
# Long texts (interaction bodies allow 100,000 characters) exceed csv's 128 KiB default.
CSV_FIELD_LIMIT = 16 * 1024 * 1024
# Written into rejected-row files; ignored on import so a fixed file can be re-imported.
REJECT_COLUMNS = ("_line", "_errors")
# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"


def spreadsheet_safe(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet runs as a formula; ``spreadsheet_value`` undoes it.

    A text that starts with a formula character, after any apostrophes, gets one
    more apostrophe in front (``=1+1`` -> ``'=1+1``, ``'=1+1`` -> ``''=1+1``), so
    the mapping is exactly reversible; any other text is left alone.
    """
    return FORMULA_GUARD + text if _formula_like(text) else text


def spreadsheet_value(cell: str) -> str:
    """The text ``spreadsheet_safe`` was given for ``cell`` (CSV import)."""
    return cell[1:] if cell.startswith(FORMULA_GUARD) and _formula_like(cell) else cell


def _formula_like(text: str) -> bool:
    return text.lstrip(FORMULA_GUARD).startswith(FORMULA_STARTS)


def detect_format(path: Path, explicit: str | None) -> Format:
    if explicit:
        name = explicit.lower().lstrip(".")
        name = "jsonl" if name == "ndjson" else name
        if name not in FORMATS:
            raise UnusableInput(f"unknown format {explicit!r}; use csv or jsonl")
        return name
    found = EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise UnusableInput(
            f"cannot tell the format of {path.name} from its extension; "
            "pass --format csv or --format jsonl"
        )
    return found


def rejects_path(path: Path, fmt: Format) -> Path:
    """``contacts.csv`` -> ``contacts.rejected.csv``, next to the input."""
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return path.with_name(f"{stem}.rejected.{fmt}")


@dataclass(frozen=True)
class RowError:
    """Why a row was rejected: the field path, and the source column when it was renamed."""

    loc: list[str | int]
    message: str
    column: str | None = None

    def text(self) -> str:
        where = ".".join(str(part) for part in self.loc)
        if self.column:
            where = f"{where} (column {self.column})"
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"loc": self.loc, "msg": self.message}
        if self.column:
            data["column"] = self.column
        return data


@dataclass(frozen=True)
class SourceRow:
    line: int
    cells: dict[str, Any]  # column -> value; empty when the row could not be read
    original: list[str] | dict[str, Any] | str  # what the rejected-rows file repeats
    problem: str | None = None  # why the row could not be read


class Source:
    """Rows of one input file; ``header`` is None for JSON Lines (keys vary by line)."""

    def __init__(self, stream: TextIO, fmt: Format) -> None:
        self.stream = stream
        self.fmt = fmt
        self.header: list[str] | None = None
        self._reader: Any = None
        if fmt == "csv":
            csv.field_size_limit(CSV_FIELD_LIMIT)
            self._reader = csv.reader(stream)
            self.header = _read_header(self._reader)

    def rows(self) -> Iterator[SourceRow]:
        return self._csv_rows() if self.fmt == "csv" else self._jsonl_rows()

    def _csv_rows(self) -> Iterator[SourceRow]:
        header = self.header or []
        reader = self._reader
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield SourceRow(line, {}, "", f"unreadable CSV: {exc}")
                continue
            if all(not cell.strip() for cell in cells):
                continue  # blank lines and spreadsheet rows of empty cells carry no record
            if len(cells) != len(header):
                problem = f"row has {len(cells)} values; the header has {len(header)} columns"
                yield SourceRow(line, {}, cells, problem)
                continue
            yield SourceRow(line, dict(zip(header, cells, strict=True)), cells)

    def _jsonl_rows(self) -> Iterator[SourceRow]:
        for line, text in enumerate(self.stream, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                yield SourceRow(line, {}, text.rstrip("\r\n"), f"not valid JSON: {exc.msg}")
                continue
            if not isinstance(value, dict):
                yield SourceRow(line, {}, text.rstrip("\r\n"), "expected a JSON object")
                continue
            yield SourceRow(line, value, value)


def _read_header(reader: Any) -> list[str]:
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise UnusableInput("the file is empty; expected a header row") from None
    except csv.Error as exc:
        raise UnusableInput(f"unreadable header: {exc}") from exc
    if not header:
        raise UnusableInput("the first line is empty; expected a header row")
    unnamed = [str(i + 1) for i, name in enumerate(header) if not name]
    if unnamed:
        raise UnusableInput(f"header columns without a name: {', '.join(unnamed)}")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise UnusableInput(f"header names these columns twice: {', '.join(repeated)}")
    return header


@contextmanager
def open_source(path: Path, fmt: Format, encoding: str) -> Iterator[Source]:
    with path.open(encoding=encoding, newline="" if fmt == "csv" else None) as stream:
        yield Source(stream, fmt)


def count_lines(path: Path, encoding: str) -> int:
    """Lines in the file (for the progress bar), checking it decodes before any write."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        raise UnusableInput(f"unknown encoding {encoding!r}") from None
    lines, offset, last = 0, 0, b"\n"
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                decoder.decode(chunk)
                lines += chunk.count(b"\n")
                offset += len(chunk)
                last = chunk[-1:]
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise UnusableInput(
            f"{path.name} is not {encoding} text (byte {offset + exc.start}); "
            "pass --encoding, e.g. --encoding gb18030"
        ) from None
    return lines + (0 if last == b"\n" else 1)


class RejectWriter:
    """Rejected rows, written next to the input in its format on the first reject.

    CSV: ``_line`` and ``_errors`` first (so they stay aligned even when a row
    has the wrong number of cells), then the original cells (formula-safe, see
    ``spreadsheet_safe``). JSON Lines: the
    original object plus ``_line`` and ``_errors`` (a list of ``loc``/``msg``).
    """

    def __init__(self, path: Path, fmt: Format, header: list[str] | None, encoding: str) -> None:
        self.path = path
        self.fmt = fmt
        self.encoding = encoding
        self.header = header or []
        self.count = 0
        self._kept = [i for i, name in enumerate(self.header) if name not in REJECT_COLUMNS]
        self._stream: TextIO | None = None
        self._csv: Any = None

    def add(self, row: SourceRow, errors: list[RowError]) -> None:
        stream = self._open()
        self.count += 1
        if self.fmt == "csv":
            text = "; ".join(error.text() for error in errors)
            # The cells as the importer read them, guarded again: re-importing the
            # fixed file reads the same values, and no cell runs as a formula.
            cells = [spreadsheet_safe(spreadsheet_value(c)) for c in self._original_cells(row)]
            self._csv.writerow([row.line, spreadsheet_safe(text), *cells])
            return
        original = row.original
        record: dict[str, Any] = (
            {k: v for k, v in original.items() if k not in REJECT_COLUMNS}
            if isinstance(original, dict)
            else {"_raw": original}
        )
        record["_line"] = row.line
        record["_errors"] = [error.as_dict() for error in errors]
        stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def remove_stale(self) -> None:
        """A rejects file left by an earlier run would describe rows this run accepted."""
        if self.count == 0:
            self.path.unlink(missing_ok=True)

    def _open(self) -> TextIO:
        if self._stream is None:
            newline = "" if self.fmt == "csv" else None
            encoding = self.encoding
            if self.fmt == "jsonl" and codecs.lookup(encoding).name == "utf-8-sig":
                encoding = "utf-8"  # JSON Lines files carry no byte-order mark
            self._stream = self.path.open("w", encoding=encoding, newline=newline)
            if self.fmt == "csv":
                self._csv = csv.writer(self._stream)
                self._csv.writerow([*REJECT_COLUMNS, *(self.header[i] for i in self._kept)])
        return self._stream

    def _original_cells(self, row: SourceRow) -> list[str]:
        cells = row.original
        if not isinstance(cells, list):
            return [str(cells)] if cells else []
        if len(cells) != len(self.header):
            return cells  # a misshapen row is repeated as it was
        return [cells[i] for i in self._kept]
