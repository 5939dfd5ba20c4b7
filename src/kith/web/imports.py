"""CSV / JSON Lines import from the browser, with progress and a rejected-rows report.

``POST /api/v1/web/import/{plural}`` takes the file (multipart, field ``file``), checks
it before anything is written (object, size, format, encoding, header against the
object's fields, the caller's create/update grant — problem+json on failure), then runs
``kith.transfer.importer.import_file`` in a background thread as the caller, so roles,
field rules and row scopes apply exactly as for ``kith import --as``.
``GET /api/v1/web/import/jobs/{job_id}`` reports progress, the summary and the first
rejected rows with their line numbers and reasons; ``.../rejects.csv`` returns the full
rejects file the importer wrote. Parsing, conversion, batching and rejects are all the
transfer package's; this module only moves the file and reports.

Jobs live in this process's memory (an import is an administrative load, not a record;
a restart forgets the report but not the imported rows, which are committed per batch
and upserted on a re-run). Only the user who started a job can read it.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import Response

from kith.access import policy
from kith.access.principal import Principal
from kith.api.deps import CurrentPrincipal, UoW, requires_scope
from kith.api.responses import KithJSON
from kith.core.clock import utcnow
from kith.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from kith.crm.repository import RecordRepository
from kith.crm.specs import SPECS_BY_PLURAL, ObjectSpec
from kith.db.uow import UnitOfWork
from kith.transfer.errors import UnusableInput
from kith.transfer.formats import DEFAULT_ENCODING, EXTENSIONS, open_source, spreadsheet_value
from kith.transfer.importer import ImportOptions, import_file
from kith.transfer.mapping import FieldTargets, build_plan

router = APIRouter(prefix="/api/v1/web/import", default_response_class=KithJSON, tags=["Web UI"])

MAX_BYTES = 20 * 1024 * 1024
BATCH_SIZE = 200  # smaller than the CLI's, so the browser sees the bar move
REPORT_ROWS = 200  # rejected rows returned in the job report (the file has all of them)
MAX_JOBS = 200  # finished jobs kept in memory, oldest dropped first
_FILE_LOC: list[str | int] = ["body", "file"]


@dataclass
class ImportJob:
    id: str
    tenant_id: str
    user_id: str | None
    object_type: str
    plural: str
    file_name: str
    started_at: str
    status: str = "queued"  # queued -> running -> done | failed
    total: int = 0
    processed: int = 0
    summary: dict[str, Any] | None = None
    error: str | None = None
    rejects_header: list[str] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    rejects_csv: bytes | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # the transfer package's Progress protocol
    def start(self, total: int) -> None:
        with self.lock:
            self.total = total
            self.status = "running"

    def advance(self, rows: int) -> None:
        with self.lock:
            self.processed += rows

    def as_dict(self) -> dict[str, Any]:
        with self.lock:
            return {
                "id": self.id,
                "object_type": self.object_type,
                "file_name": self.file_name,
                "started_at": self.started_at,
                "status": self.status,
                "total": self.total,
                "processed": self.processed,
                "summary": self.summary,
                "error": self.error,
                "rejects_header": self.rejects_header,
                "rejects": self.rejects,
                "rejects_truncated": bool(self.summary)
                and (self.summary or {}).get("rejected", 0) > len(self.rejects),
                "rejects_url": (
                    f"/api/v1/web/import/jobs/{self.id}/rejects.csv" if self.rejects_csv else None
                ),
            }


_jobs: dict[str, ImportJob] = {}
_jobs_lock = threading.Lock()


def _remember(job: ImportJob) -> None:
    with _jobs_lock:
        _jobs[job.id] = job
        while len(_jobs) > MAX_JOBS:
            oldest = next(iter(_jobs))
            if _jobs[oldest].status in ("queued", "running"):
                break
            del _jobs[oldest]


def _job_for(principal: Principal, job_id: str) -> ImportJob:
    job = _jobs.get(job_id)
    if job is None or job.tenant_id != principal.tenant_id or job.user_id != principal.user_id:
        raise NotFound(f"import job {job_id} not found")
    return job


def _spec(plural: str) -> ObjectSpec:
    spec = SPECS_BY_PLURAL.get(plural)
    if spec is None:
        raise NotFound(f"unknown object {plural!r}")
    return spec


def _check_file(upload: UploadFile, data: bytes) -> str:
    """The file's format from its name; refuses empty, oversized or undecodable files."""
    name = upload.filename or ""
    suffix = Path(name).suffix.lower()
    fmt = EXTENSIONS.get(suffix)
    if fmt is None:
        raise ValidationFailed(
            "only .csv, .jsonl and .ndjson files can be imported",
            [FieldError(_FILE_LOC, f"unsupported file type {suffix or '(none)'}")],
        )
    if not data.strip():
        raise ValidationFailed("the file is empty", [FieldError(_FILE_LOC, "empty file")])
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB",
            [FieldError(_FILE_LOC, "file too large")],
        )
    try:
        data.decode(DEFAULT_ENCODING)
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            "the file is not UTF-8 text",
            [FieldError(_FILE_LOC, f"not UTF-8 (byte {exc.start})")],
        ) from exc
    return fmt


def _check_header(uow: Any, principal: Principal, spec: ObjectSpec, path: Path, fmt: str) -> None:
    """A CSV header naming an unknown column is refused before the job starts."""
    definitions = RecordRepository(uow.session, principal).custom_fields(spec.name)
    targets = FieldTargets(spec, definitions)
    with open_source(path, fmt, DEFAULT_ENCODING) as source:  # type: ignore[arg-type]
        if source.header is not None:
            build_plan(source.header, {}, targets, strict=True)


@router.post(
    "/{plural}",
    status_code=202,
    response_model=None,
    dependencies=[requires_scope("imports:write")],
)
async def start_import(
    request: Request,
    principal: CurrentPrincipal,
    uow: UoW,
    plural: Annotated[str, PathParam(pattern=r"^[a-z_]{1,40}$")],
    file: Annotated[UploadFile, File(description="CSV (with a header) or JSON Lines")],
) -> KithJSON:
    """Check the file and start importing it in the background; returns the job."""
    spec = _spec(plural)
    if all(policy.scope_for(principal, spec.name, a) is None for a in ("create", "update")):
        raise PermissionDenied(f"your role may neither create nor update {spec.plural}")
    data = await file.read(MAX_BYTES + 1)
    fmt = _check_file(file, data)
    workdir = Path(tempfile.mkdtemp(prefix="kith-web-import-"))
    path = workdir / f"upload.{fmt}"
    path.write_bytes(data)
    try:
        _check_header(uow, principal, spec, path, fmt)
    except UnusableInput as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        raise ValidationFailed(str(exc), [FieldError(_FILE_LOC, str(exc))]) from exc
    uow.commit()
    job = ImportJob(
        id=uuid.uuid4().hex,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        object_type=spec.name,
        plural=spec.plural,
        file_name=Path(file.filename or "upload").name[:200],
        started_at=utcnow().isoformat(),
    )
    _remember(job)
    container = request.app.state.container
    thread = threading.Thread(
        target=_run,
        args=(job, container.uow, principal, spec, path, fmt),
        name=f"kith-web-import-{job.id[:8]}",
        daemon=True,
    )
    thread.start()
    return KithJSON(job.as_dict(), status_code=202)


def _run(
    job: ImportJob,
    make_uow: Any,
    principal: Principal,
    spec: ObjectSpec,
    path: Path,
    fmt: str,
) -> None:
    try:
        uow: UnitOfWork
        with make_uow() as uow:
            summary = import_file(
                uow,
                principal,
                spec,
                path,
                ImportOptions(fmt=fmt, batch_size=BATCH_SIZE),  # type: ignore[arg-type]
                job,
            )
        report = summary.as_dict()
        report.pop("rejected_file", None)
        header, rows, raw = _read_rejects(summary.rejected_file)
        with job.lock:
            job.summary = report
            job.rejects_header, job.rejects, job.rejects_csv = header, rows, raw
            job.processed = max(job.processed, job.total)
            job.status = "done"
    except UnusableInput as exc:
        with job.lock:
            job.status, job.error = "failed", str(exc)
    except Exception as exc:
        with job.lock:
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


def _read_rejects(path: Path | None) -> tuple[list[str], list[dict[str, Any]], bytes | None]:
    """The rejects file the importer wrote: header, first rows as dicts, and its bytes."""
    if path is None or not path.is_file():
        return [], [], None
    raw = path.read_bytes()
    if path.suffix != ".csv":
        rows = []

        for number, line in enumerate(raw.decode(DEFAULT_ENCODING).splitlines()):
            if number >= REPORT_ROWS or not line.strip():
                break
            record = json.loads(line)
            errors = record.pop("_errors", [])
            rows.append(
                {
                    "line": record.pop("_line", None),
                    "errors": "; ".join(
                        f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg')}"
                        for e in errors
                    ),
                    "cells": [str(v) for v in record.values()],
                }
            )
        return [], rows, raw
    reader = csv.reader(io.StringIO(raw.decode(DEFAULT_ENCODING)))
    header = next(reader, [])
    rows = []
    for cells in reader:
        if len(rows) >= REPORT_ROWS:
            break
        line_no = int(cells[0]) if cells and cells[0].isdigit() else None
        errors = spreadsheet_value(cells[1]) if len(cells) > 1 else ""
        shown = [spreadsheet_value(cell) for cell in cells[2:]]  # shown without the formula guard
        rows.append({"line": line_no, "errors": errors, "cells": shown})
    return header[2:], rows, raw


@router.get("/jobs/{job_id}", response_model=None, dependencies=[requires_scope("imports:read")])
def import_status(
    principal: CurrentPrincipal,
    job_id: Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$")],
) -> dict[str, Any]:
    """Progress (rows processed of total), then the summary and the first rejected rows."""
    return _job_for(principal, job_id).as_dict()


@router.get(
    "/jobs/{job_id}/rejects.csv", response_model=None, dependencies=[requires_scope("imports:read")]
)
def import_rejects(
    principal: CurrentPrincipal,
    job_id: Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$")],
) -> Response:
    """Every rejected row with ``_line`` and ``_errors``, in the file's format."""
    job = _job_for(principal, job_id)
    if job.rejects_csv is None:
        raise NotFound("this import rejected no rows")
    return Response(
        job.rejects_csv,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{job.plural}.rejected.csv"'},
    )
