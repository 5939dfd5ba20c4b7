"""Structure-aware chunking of the converted Markdown.

- Headings (``#``…) make the heading path every chunk carries ("加盟政策 > 费用").
- Tables stay tables: one chunk per group of rows, each with the header row repeated.
- Numbered clauses of a standard ("5.2.3 …") are one unit each, with their number.
- Other paragraphs are packed under their heading up to ``TEXT_CHARS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TEXT_CHARS = 700
TABLE_ROWS = 8

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_CLAUSE = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3}){1,4})[\s\u3000]+(?=\S)")
_NUMBERED_HEADING = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){0,4})[\s\u3000.、]")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}")


@dataclass(frozen=True)
class Chunk:
    kind: str  # text | table | clause
    heading_path: str
    clause: str | None
    text: str


def _is_table_line(line: str) -> bool:
    return line.lstrip().startswith("|")


def chunk_markdown(markdown: str, title: str = "") -> list[Chunk]:
    lines = markdown.split("\n")
    headings: list[tuple[int, str]] = []
    chunks: list[Chunk] = []
    buffer: list[str] = []
    clause: str | None = None
    clause_lines: list[str] = []

    def path() -> str:
        parts = [h for _, h in headings]
        return " > ".join(parts) if parts else title

    def heading_clause() -> str | None:
        for _, text in reversed(headings):
            match = _NUMBERED_HEADING.match(text)
            if match:
                return match.group(1)
        return None

    def flush_text() -> None:
        text = "\n".join(buffer).strip()
        buffer.clear()
        if not text:
            return
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        current = ""
        for paragraph in paragraphs:
            if current and len(current) + len(paragraph) > TEXT_CHARS:
                chunks.append(Chunk("text", path(), heading_clause(), current))
                current = ""
            current = f"{current}\n\n{paragraph}" if current else paragraph
        if current:
            chunks.append(Chunk("text", path(), heading_clause(), current))

    def flush_clause() -> None:
        nonlocal clause
        text = "\n".join(clause_lines).strip()
        clause_lines.clear()
        if clause and text:
            chunks.append(Chunk("clause", path(), clause, text))
        clause = None

    i = 0
    while i < len(lines):
        line = lines[i]
        heading = _HEADING.match(line)
        if heading:
            flush_text()
            flush_clause()
            level = len(heading.group(1))
            while headings and headings[-1][0] >= level:
                headings.pop()
            headings.append((level, heading.group(2).strip()))
            i += 1
            continue
        if _is_table_line(line):
            flush_text()
            flush_clause()
            block = []
            while i < len(lines) and _is_table_line(lines[i]):
                block.append(lines[i].strip())
                i += 1
            chunks.extend(_table_chunks(block, path(), heading_clause()))
            continue
        match = _CLAUSE.match(line)
        if match:
            flush_text()
            flush_clause()
            clause = match.group(1)
            clause_lines.append(line.strip())
        elif clause is not None:
            if line.strip():
                clause_lines.append(line.strip())
            elif clause_lines and i + 1 < len(lines) and not _CLAUSE.match(lines[i + 1]):
                # a blank line ends the clause unless its text continues
                flush_clause()
        else:
            buffer.append(line)
        i += 1
    flush_text()
    flush_clause()
    return chunks


def _table_chunks(block: list[str], heading_path: str, clause: str | None) -> list[Chunk]:
    if len(block) >= 2 and _TABLE_RULE.match(block[1].strip("| ")):
        header, rows = block[:2], block[2:]
    else:
        header, rows = block[:1], block[1:]
    if not rows:
        return [Chunk("table", heading_path, clause, "\n".join(header))]
    return [
        Chunk("table", heading_path, clause, "\n".join(header + rows[start : start + TABLE_ROWS]))
        for start in range(0, len(rows), TABLE_ROWS)
    ]
