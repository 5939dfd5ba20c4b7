"""``kith export``: every record the acting user may read, streamed in keyset pages.

Pages come from ``RecordService.list_page``, the API's list, so the record
scope, the hidden fields and the audit of sensitive reads are the API's. Pages
are ordered by id and each starts after the previous page's last id (keyset),
so memory stays flat on a million rows and every page is one indexed query.
The file is written under a temporary name and renamed once complete, so a
failed export never leaves a truncated file behind. CSV text cells that a
spreadsheet would run as formulas are guarded (``formats.spreadsheet_safe``).
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from kith.access import policy
from kith.access.principal import Principal
from kith.core.errors import KithError
from kith.core.serialize import dumps
from kith.crm import persons
from kith.crm.models import FieldDefinition
from kith.crm.query import ListQuery, Sort, decode_cursor, parse_filter
from kith.crm.repository import RecordRepository
from kith.crm.service import RecordService, jsonable
from kith.crm.specs import ObjectSpec
from kith.db.uow import UnitOfWork
from kith.transfer.errors import UnusableInput
from kith.transfer.formats import Format, spreadsheet_safe
from kith.transfer.mapping import CUSTOM_PREFIX
from kith.transfer.progress import NoProgress, Progress

# Excel needs the byte-order mark to open UTF-8 (and so Chinese) correctly.
CSV_ENCODING = "utf-8-sig"
DEFAULT_PAGE_SIZE = 1000

RecordWriter = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class ExportSummary:
    rows: int
    seconds: float
    file: Path

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows / self.seconds, 1) if self.seconds > 0 else 0.0,
            "file": str(self.file),
        }


# Contacts and leads carry the identity graph's person id (one customer across records).
PERSON_KINDS = frozenset({"contact", "lead"})
PERSON_ID = "person_id"


def export_file(
    uow: UnitOfWork,
    principal: Principal,
    spec: ObjectSpec,
    path: Path,
    fmt: Format,
    filters: Sequence[str] = (),
    page_size: int = DEFAULT_PAGE_SIZE,
    progress: Progress | None = None,
) -> ExportSummary:
    started = time.perf_counter()
    progress = progress or NoProgress()
    if policy.scope_for(principal, spec.name, "read") is None:
        raise UnusableInput(f"{principal.name} may not read {spec.plural}")
    repo = RecordRepository(uow.session, principal)
    definitions = repo.custom_fields(spec.name)
    query = _query(spec, filters, definitions, page_size)
    columns = export_columns(principal, spec, definitions)
    progress.start(repo.count(spec, query))
    partial = path.with_name(f".{path.name}.partial")
    rows = 0
    try:
        with _open(partial, fmt) as stream:
            write = _csv_writer(stream, columns) if fmt == "csv" else _jsonl_writer(stream)
            for items in _pages(uow, principal, spec, query):
                if spec.name in PERSON_KINDS:  # the identity graph's person of each record
                    found = persons.person_ids(
                        uow.session, principal.tenant_id, spec.name, [str(i["id"]) for i in items]
                    )
                    items = [{**i, PERSON_ID: found.get(str(i["id"]))} for i in items]
                for item in items:
                    write(item)
                rows += len(items)
                progress.advance(len(items))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return ExportSummary(rows, time.perf_counter() - started, path)


def export_columns(
    principal: Principal, spec: ObjectSpec, definitions: Mapping[str, FieldDefinition]
) -> list[str]:
    """The CSV header: id, the visible columns, one ``custom.<name>`` per visible custom field."""
    hidden = policy.hidden_fields(principal, spec.name)
    fields = ["id"] + [
        name for name in spec.columns if name not in hidden and name not in ("id", "custom")
    ]
    custom = [CUSTOM_PREFIX + name for name in sorted(definitions)]
    person = [PERSON_ID] if spec.name in PERSON_KINDS else []
    return fields + [name for name in custom if name not in hidden] + person


def _query(
    spec: ObjectSpec,
    filters: Sequence[str],
    definitions: Mapping[str, FieldDefinition],
    page_size: int,
) -> ListQuery:
    custom_types = {name: d.type for name, d in definitions.items()}
    try:
        parsed = tuple(parse_filter(spec, f, i, custom_types) for i, f in enumerate(filters))
    except KithError as exc:
        reasons = "; ".join(e.message for e in exc.errors)
        raise UnusableInput(f"{exc.detail}: {reasons}" if reasons else exc.detail) from None
    return ListQuery(filters=parsed, sort=Sort("id", False), limit=page_size)


def _pages(
    uow: UnitOfWork, principal: Principal, spec: ObjectSpec, query: ListQuery
) -> Iterator[list[dict[str, Any]]]:
    service = RecordService(uow, principal)
    while True:
        page = service.list_page(spec.name, query)
        yield page.items
        # Keeps the page's audit entry (sensitive fields were read) and ends the
        # read transaction, so a long export holds no snapshot open.
        uow.commit()
        if page.next_cursor is None:
            return
        query = replace(query, cursor=decode_cursor(spec, query.sort, page.next_cursor))


def _open(path: Path, fmt: Format) -> TextIO:
    if fmt == "csv":
        return path.open("w", encoding=CSV_ENCODING, newline="")
    return path.open("w", encoding="utf-8")


def _csv_writer(stream: TextIO, columns: list[str]) -> RecordWriter:
    writer = csv.writer(stream)
    writer.writerow(columns)

    def write(item: dict[str, Any]) -> None:
        custom = item.get("custom") or {}
        writer.writerow(
            [
                _cell(custom.get(name.removeprefix(CUSTOM_PREFIX)))
                if name.startswith(CUSTOM_PREFIX)
                else _cell(item.get(name))
                for name in columns
            ]
        )

    return write


def _jsonl_writer(stream: TextIO) -> RecordWriter:
    def write(item: dict[str, Any]) -> None:
        stream.write(dumps(item).decode())
        stream.write("\n")

    return write


def _cell(value: Any) -> str:
    """CSV text that the importer reads back to the same value.

    Text is formula-safe (``spreadsheet_safe``); typed numbers stay numbers, so a
    negative amount is written ``-12.5`` for spreadsheets to sum, not as text.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list | dict):
        return spreadsheet_safe(json.dumps(value, ensure_ascii=False))
    return spreadsheet_safe(str(jsonable(value)))
