"""Files to Markdown: the one text form chunking and citations work on.

Converters were chosen by measuring on generated files (docs/knowledge.md):
markitdown for DOCX (headings and tables kept as Markdown) and HTML (scripts and
styles dropped); openpyxl read-only for XLSX (13× faster than markitdown on a
5,000-row sheet); the standard library's csv for CSV; pypdf for PDF (refuses
encrypted files); Markdown and plain text pass through. Heavy imports stay inside
the functions.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import PurePath

from kith.core.errors import FieldError, ValidationFailed

MEDIA_TYPES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".csv": "csv",
}


@dataclass(frozen=True)
class Converted:
    media_type: str
    markdown: str


def _bad(message: str, code: str = "value_error") -> ValidationFailed:
    return ValidationFailed(message, [FieldError(["body", "file"], message, code)])


def media_type_of(filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    media = MEDIA_TYPES.get(suffix)
    if media is None:
        known = ", ".join(sorted(MEDIA_TYPES))
        raise _bad(f"unknown file type {suffix or '(none)'!r} of {filename}; known: {known}")
    return media


def convert(filename: str, data: bytes, *, max_bytes: int) -> Converted:
    """The Markdown text of a file, or ValidationFailed (nothing is written)."""
    media = media_type_of(filename)
    if len(data) > max_bytes:
        raise _bad(
            f"{filename} is {len(data):,} bytes; the limit is {max_bytes:,} "
            "(KITH_KNOWLEDGE_MAX_UPLOAD_BYTES)"
        )
    if not data.strip():
        raise _bad(f"{filename} is empty")
    text = _CONVERTERS[media](filename, data)
    if not text.strip():
        raise _bad(f"{filename} has no text to answer from (a scanned PDF needs OCR first)")
    return Converted(media, text.replace("\r\n", "\n"))


def _decode(filename: str, data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _bad(f"{filename} is not UTF-8 or GB18030 text")


def _plain(filename: str, data: bytes) -> str:
    return _decode(filename, data)


def _markitdown(filename: str, data: bytes, extension: str) -> str:
    from markitdown import MarkItDown, StreamInfo

    try:
        result = MarkItDown(enable_plugins=False).convert_stream(
            io.BytesIO(data), stream_info=StreamInfo(extension=extension)
        )
    except Exception as exc:  # markitdown wraps every converter failure
        raise _bad(f"{filename} could not be read as {extension[1:].upper()} ({exc})") from None
    return str(result.text_content or "")


def _html(filename: str, data: bytes) -> str:
    return _markitdown(filename, data, ".html")


def _docx(filename: str, data: bytes) -> str:
    return _markitdown(filename, data, ".docx")


def _pdf(filename: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise _bad(f"{filename} is an encrypted PDF; upload an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ValidationFailed:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise _bad(f"{filename} is not a readable PDF ({exc})") from None
    return "\n\n".join(text.strip() for text in pages if text.strip())


def _table_markdown(rows: list[list[str]]) -> str:
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return ""
    width = max(len(row) for row in rows)

    def line(cells: list[str]) -> str:
        cells = [c.replace("|", "\\|").replace("\n", " ").strip() for c in cells]
        return "| " + " | ".join(cells + [""] * (width - len(cells))) + " |"

    return "\n".join([line(rows[0]), "|" + " --- |" * width, *(line(r) for r in rows[1:])])


def _csv(filename: str, data: bytes) -> str:
    text = _decode(filename, data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    return _table_markdown(rows)


def _xlsx(filename: str, data: bytes) -> str:
    from zipfile import BadZipFile

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _bad(f"{filename} is not a readable XLSX workbook ({exc})") from None
    parts = []
    for sheet in book.worksheets:
        rows = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
        table = _table_markdown(rows)
        if table:
            parts.append(f"## {sheet.title}\n\n{table}")
    book.close()
    return "\n\n".join(parts)


_CONVERTERS = {
    "markdown": _plain,
    "text": _plain,
    "html": _html,
    "docx": _docx,
    "pdf": _pdf,
    "csv": _csv,
    "xlsx": _xlsx,
}
