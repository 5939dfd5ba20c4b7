"""``kith import``: read a file, map its columns, write the valid rows in batches.

Each batch goes through ``BulkWriter`` and is committed on its own, so an
interrupted import keeps the batches before it and re-running the file picks
up where it stopped (rows are upserted, never duplicated). A database error
rolls its batch back and retries it row by row: the bad row is reported, the
others are kept. Every rejected row is written to the rejects file with its
line number and reasons; none is dropped silently.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.exc import SQLAlchemyError

from kith.access import policy
from kith.access.principal import Principal
from kith.core.errors import FieldError
from kith.crm import persons
from kith.crm.bulk import BulkWriter, RowIn, RowResult
from kith.crm.repository import RecordRepository
from kith.crm.specs import SPECS, ObjectSpec
from kith.db.uow import UnitOfWork
from kith.transfer.errors import UnusableInput
from kith.transfer.formats import (
    DEFAULT_ENCODING,
    Format,
    RejectWriter,
    RowError,
    SourceRow,
    count_lines,
    open_source,
    rejects_path,
)
from kith.transfer.mapping import ColumnMapping, ColumnPlan, FieldTargets, build_plan
from kith.transfer.progress import NoProgress, Progress

# JSON Lines headers are per line; remember this many distinct key sets.
MAX_CACHED_PLANS = 1024
# Imports that write at least this many rows refresh statistics and the search index.
ANALYZE_AFTER_ROWS = 1000
OnDuplicate = Literal["create", "flag", "link", "skip"]
DUPLICATE_KINDS = frozenset({"contact", "lead"})
DUPLICATE_FLAG = "possible_duplicate"
LINKED_FLAG = "linked_to_person"
# Flagged rows listed in the summary (all are counted, and each has its flag row).
MAX_FLAGGED_REPORTED = 200


@dataclass(frozen=True)
class ImportOptions:
    fmt: Format
    mapping: ColumnMapping = field(default_factory=dict)
    batch_size: int = 1000
    dry_run: bool = False
    encoding: str = DEFAULT_ENCODING
    # Likely duplicates of people already known (the identity graph) or earlier in the
    # file: create (as today), flag (create, report), link (create and put in the graph
    # at once), skip (do not write a row that matches a person above the threshold).
    on_duplicate: OnDuplicate = "create"


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    seconds: float = 0.0
    rejected_file: Path | None = None
    dry_run: bool = False
    # Rows written but flagged by a rule (a re-import of an erased person), first ones.
    flagged: list[dict[str, Any]] = field(default_factory=list)
    flagged_rows: int = 0

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def count(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "rejected_file": str(self.rejected_file) if self.rejected_file else None,
            "dry_run": self.dry_run,
            "flagged": self.flagged,
            "flagged_rows": self.flagged_rows,
        }

    def flag(self, line: int, record_id: str | None, flags: list[str]) -> None:
        self.flagged_rows += 1
        if len(self.flagged) < MAX_FLAGGED_REPORTED:
            self.flagged.append({"line": line, "record_id": record_id, "flags": flags})


def import_file(
    uow: UnitOfWork,
    principal: Principal,
    spec: ObjectSpec,
    path: Path,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import ``path``; raises ``UnusableInput`` before writing anything if it cannot."""
    started = time.perf_counter()
    progress = progress or NoProgress()
    if not path.is_file():
        raise UnusableInput(f"no such file: {path}")
    lines = count_lines(path, options.encoding)
    _require_write_access(principal, spec)
    if options.on_duplicate != "create" and spec.name not in DUPLICATE_KINDS:
        raise UnusableInput(f"--on-duplicate applies to contacts and leads, not {spec.plural}")
    if (
        options.on_duplicate != "create"
        and policy.scope_for(principal, "contact", "update") is None
    ):
        raise UnusableInput(f"{principal.name} may not link people (--on-duplicate needs it)")
    definitions = RecordRepository(uow.session, principal).custom_fields(spec.name)
    targets = FieldTargets(spec, definitions)
    targets.check_mapping(options.mapping)
    with open_source(path, options.fmt, options.encoding) as source:
        plans = _Plans(targets, options.mapping, source.header)
        rejects = RejectWriter(
            rejects_path(path, options.fmt), options.fmt, source.header, options.encoding
        )
        progress.start(max(lines - (1 if source.header is not None else 0), 0))
        writer = BulkWriter(uow, principal, spec.name)
        run = _ImportRun(uow, writer, plans, rejects, options, principal, spec.name)
        try:
            for batch in _batches(source.rows(), options.batch_size):
                run.write(batch)
                progress.advance(len(batch))
        finally:
            rejects.close()
    rejects.remove_stale()
    summary = run.summary
    if not options.dry_run and summary.created + summary.updated >= ANALYZE_AFTER_ROWS:
        RecordRepository(uow.session, principal).settle_after_bulk_load(spec)
        uow.commit()
    summary.seconds = time.perf_counter() - started
    summary.rejected_file = rejects.path if rejects.count else None
    summary.dry_run = options.dry_run
    return summary


def _require_write_access(principal: Principal, spec: ObjectSpec) -> None:
    if all(policy.scope_for(principal, spec.name, a) is None for a in ("create", "update")):
        raise UnusableInput(f"{principal.name} may neither create nor update {spec.plural}")


class _Plans:
    """The column plan of each row: one for a CSV header, one per key set in JSON Lines."""

    def __init__(
        self, targets: FieldTargets, mapping: ColumnMapping, header: list[str] | None
    ) -> None:
        self.targets = targets
        self.mapping = mapping
        self.fixed: ColumnPlan | None = None
        if header is not None:
            self.fixed = build_plan(header, mapping, targets, strict=True)
        self.by_keys: dict[tuple[str, ...], ColumnPlan] = {}

    def for_row(self, row: SourceRow) -> ColumnPlan:
        if self.fixed is not None:
            return self.fixed
        keys = tuple(row.cells)
        plan = self.by_keys.get(keys)
        if plan is None:
            plan = build_plan(keys, self.mapping, self.targets, strict=False)
            if len(self.by_keys) < MAX_CACHED_PLANS:
                self.by_keys[keys] = plan
        return plan


class _ImportRun:
    def __init__(
        self,
        uow: UnitOfWork,
        writer: BulkWriter,
        plans: _Plans,
        rejects: RejectWriter,
        options: ImportOptions,
        principal: Principal | None = None,
        kind: str = "",
    ) -> None:
        self.principal = principal
        self.kind = kind
        self.uow = uow
        self.writer = writer
        self.plans = plans
        self.rejects = rejects
        self.options = options
        self.summary = ImportSummary()

    def write(self, rows: list[SourceRow]) -> None:
        ready: list[tuple[SourceRow, ColumnPlan, RowIn]] = []
        rejected: list[tuple[SourceRow, list[RowError]]] = []
        for row in rows:
            if row.problem:
                rejected.append((row, [RowError([], row.problem)]))
                continue
            plan = self.plans.for_row(row)
            values, errors = plan.convert(row.cells, text=self.options.fmt == "csv")
            if errors:
                rejected.append((row, errors))
                continue
            duplicate = self._duplicate(values)
            if duplicate is not None and self.options.on_duplicate == "skip":
                rejected.append((row, [duplicate]))
                continue
            ready.append((row, plan, RowIn(row.line, values)))
        results = self._write_isolating_errors([item[2] for item in ready])
        for (row, plan, item), result in zip(ready, results, strict=True):
            if result.status == "rejected":
                rejected.append((row, [_row_error(plan, e) for e in result.errors]))
                continue
            self.summary.count(result.status)
            flags = list(result.flags)
            if self._checks and result.status == "created" and result.record_id:
                flags += self._placed(item.values, result.record_id)
            if flags:
                self.summary.flag(row.line, result.record_id, flags)
        if self._checks and not self.options.dry_run:
            self.uow.commit()
        for row, errors in sorted(rejected, key=lambda item: item[0].line):
            self.summary.count("rejected")
            self.rejects.add(row, errors)

    @property
    def _checks(self) -> bool:
        return self.options.on_duplicate != "create" and self.principal is not None

    def _duplicate(self, values: Mapping[str, Any]) -> RowError | None:
        """Skip mode: the row matches a known person above the threshold (the graph
        holds the rows written before it, earlier batches included)."""
        if self.options.on_duplicate != "skip" or self.principal is None or values.get("id"):
            return None
        # A row that updates its own record (matched by external id or e-mail) is not a twin.
        repo, spec = RecordRepository(self.uow.session, self.principal), SPECS[self.kind]
        if values.get("external_id") and repo.find_by(spec, external_id=values["external_id"]):
            return None
        if values.get("email") and repo.find_by_casefold(spec, "email", str(values["email"])):
            return None
        found = persons.match(self.uow, self.principal, self.kind, values)
        if found["decision"] != "attach":
            return None
        return RowError(
            [],
            f"likely duplicate of person {found['person_id']} "
            f"(match probability {found['probability']:.3f}); not written (--on-duplicate skip)",
        )

    def _placed(self, values: Mapping[str, Any], record_id: str) -> list[str]:
        """A created row goes into the graph at once, so later rows of the file see it:
        attached to a known person above the threshold, proposed for review between the
        review floor and it. ``flag`` reports both as possible duplicates; ``link``
        reports the attached ones as linked and the proposed ones as possible duplicates."""
        assert self.principal is not None
        if self.options.dry_run:
            found = persons.match(self.uow, self.principal, self.kind, values)
        else:
            found = persons.ingest(self.uow, self.principal, self.kind, record_id, values)
        if found["decision"] == "attach" and self.options.on_duplicate == "link":
            return [LINKED_FLAG]
        return [DUPLICATE_FLAG] if found["decision"] in ("attach", "propose") else []

    def _write_isolating_errors(self, rows: list[RowIn]) -> list[RowResult]:
        """Write and commit the rows; on a database error, retry them one by one."""
        if not rows:
            return []
        try:
            results = self.writer.write(rows)
            self._finish()
        except SQLAlchemyError as exc:
            self.uow.rollback()
            if len(rows) > 1:
                return [r for row in rows for r in self._write_isolating_errors([row])]
            problem = f"database error: {_database_message(exc)}"
            return [RowResult(rows[0].line, "rejected", None, [FieldError([], problem)])]
        return results

    def _finish(self) -> None:
        if self.options.dry_run:
            self.uow.session.flush()  # surface database errors, then keep nothing
            self.uow.rollback()
        else:
            self.uow.commit()
            # UnitOfWork keeps every committed event and nothing reads them; over
            # a million-row import that is gigabytes.
            self.uow.committed_events.clear()


def _row_error(plan: ColumnPlan, error: FieldError) -> RowError:
    return RowError(error.path, error.message, plan.column_for(error.path))


def _database_message(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return (lines[0] if lines else type(original).__name__)[:300]


def _batches(rows: Iterable[SourceRow], size: int) -> Iterator[list[SourceRow]]:
    batch: list[SourceRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
