"""Back up and restore the whole database.

SQLite is copied with the online backup API (``sqlite3.Connection.backup``): the
copy is consistent while the server keeps writing, and the file it produces is a
self-contained SQLite database (rollback journal, no ``-wal`` beside it).
PostgreSQL is dumped with ``pg_dump -Fc`` and restored with ``pg_restore --clean
--if-exists``; the binaries come from ``PATH`` or ``pg_config --bindir`` and the
URL's credentials reach them through the libpq environment (``PGPASSWORD`` …),
never the command line.

A restore reads the backup's migration revision first (a revision this Kith does
not know is refused before anything is touched), refuses a target that already
holds tables unless forced, migrates an older backup to the current head, and
then walks the audit hash chain: a restored database whose chain does not verify
is reported as :class:`RestoredChainBroken`.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import URL, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from kith.audit.chain import VerifyReport, verify
from kith.core.errors import KithError
from kith.db.engine import make_engine
from kith.db.migrate import alembic_config, upgrade

Backend = Literal["sqlite", "postgresql"]
Progress = Callable[[str], None]

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
PAGES_PER_STEP = 4096  # 16 MiB at SQLite's default page size: one progress line per step
# Libpq reads these from the environment; URL query parameters of the same name map to them.
_PG_QUERY_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupProblem(KithError):
    """Bad input or environment (a path, a missing binary, a foreign file): exit 2."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, 400, "Backup failed")


class RestoredChainBroken(KithError):
    """The restore finished but the restored audit chain does not verify."""

    def __init__(self, report: VerifyReport, result: RestoreResult) -> None:
        where = report.first_break.describe() if report.first_break else "unknown entry"
        super().__init__(
            f"the restored database's audit chain does not verify: BROKEN at {where}; "
            "the target now holds the backup's content — do not serve from it until "
            "this is explained",
            409,
            "Audit chain broken",
        )
        self.report = report
        self.result = result


@dataclass(frozen=True)
class BackupResult:
    backend: Backend
    path: Path
    bytes: int
    revisions: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "file": str(self.path),
            "bytes": self.bytes,
            "revisions": self.revisions,
        }


@dataclass(frozen=True)
class RestoreResult:
    backend: Backend
    path: Path
    database: str
    revisions: list[str]
    migrated: bool
    audit_ok: bool
    audit_entries: int
    audit_tenants: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "file": str(self.path),
            "database": self.database,
            "revisions": self.revisions,
            "migrated": self.migrated,
            "audit": {
                "ok": self.audit_ok,
                "entries": self.audit_entries,
                "tenants": self.audit_tenants,
            },
        }


def _quiet(_: str) -> None:
    return None


def backend_of(url: str) -> Backend:
    name = make_url(url).get_backend_name()
    if name == "sqlite":
        return "sqlite"
    if name == "postgresql":
        return "postgresql"
    raise BackupProblem(f"backups support SQLite and PostgreSQL, not {name!r}")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupProblem("the database is in memory; there is nothing on disk to back up")
    return Path(database)


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


# --- backup files ----------------------------------------------------------------


def backup_kind(path: Path) -> Backend:
    """Which backend wrote ``path``, from its first bytes; exit 2 for anything else."""
    if not path.exists():
        raise BackupProblem(f"no backup file at {path}")
    if not path.is_file():
        raise BackupProblem(f"{path} is not a file")
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    raise BackupProblem(
        f"{path} is not a Kith backup (neither a SQLite database nor a pg_dump -Fc archive)"
    )


def backup_revisions(path: Path) -> list[str]:
    """The migration revisions (one per migration branch head) recorded inside a
    backup file's ``alembic_version`` table, sorted."""
    kind = backup_kind(path)
    if kind == "sqlite":
        rows = _sqlite_revision_rows(path)
    else:
        listing = _run_pg(
            "pg_restore",
            ["--data-only", "--table=alembic_version", "--file=-", str(path)],
            env=dict(os.environ),
            capture=True,
        )
        rows = _copy_rows(listing)
    if not rows:
        raise BackupProblem(
            f"{path} records no migration revision; it is not a backup of a Kith database"
        )
    return sorted(rows)


def _sqlite_revision_rows(path: Path) -> list[str]:
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return [str(r[0]) for r in db.execute("SELECT version_num FROM alembic_version")]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise BackupProblem(f"{path} is not a backup of a Kith database ({exc})") from exc


def _copy_rows(sql: str) -> list[str]:
    """The data lines of the COPY block in ``pg_restore --data-only`` output."""
    rows: list[str] = []
    inside = False
    for line in sql.splitlines():
        if line.startswith("COPY ") and line.rstrip().endswith("FROM stdin;"):
            inside = True
        elif inside and line == "\\.":
            inside = False
        elif inside:
            rows.append(line)
    return rows


def _check_revisions(revisions: list[str], url: str) -> bool:
    """True when ``revisions`` are this Kith's heads; a revision it does not know is refused."""
    script = ScriptDirectory.from_config(alembic_config(url))
    for revision in revisions:
        try:
            known = script.get_revision(revision)
        except CommandError:
            known = None
        if known is None:
            raise BackupProblem(
                f"the backup is at migration revision {revision!r}, which this version of "
                "Kith does not know; restore it with the Kith release that wrote it "
                "(or a newer one)"
            )
    # Compare lineages, not head lists: a revision that another one ``depends_on`` is a
    # head of the script directory but is not recorded in ``alembic_version``.
    return _lineage(script, revisions) == _lineage(script, script.get_heads())


def _lineage(script: ScriptDirectory, revisions: Iterable[str]) -> set[str]:
    """Every revision the given ones stand on, themselves included (down revisions and
    ``depends_on`` dependencies)."""
    seen: set[str] = set()
    todo = list(revisions)
    while todo:
        revision = script.get_revision(todo.pop())
        if revision is None or revision.revision in seen:
            continue
        seen.add(revision.revision)
        for parents in (revision.down_revision, revision.dependencies):
            if isinstance(parents, str):
                todo.append(parents)
            elif parents:
                todo.extend(parents)
    return seen


# --- PostgreSQL client tools -----------------------------------------------------


def find_pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore`` from PATH, else from ``pg_config --bindir``."""
    found = shutil.which(name)
    if found:
        return found
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = subprocess.run(  # noqa: S603 - a binary found on PATH, fixed arguments
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        candidate = Path(bindir) / name
        if bindir and candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupProblem(
        f"{name} was not found on PATH or in `pg_config --bindir`; install the PostgreSQL "
        "client tools (e.g. apt-get install postgresql-client) matching the server's version"
    )


def pg_environment(url: str) -> dict[str, str]:
    """The process environment without ``KITH_*``, plus the URL's connection settings as
    libpq variables."""
    parsed: URL = make_url(url)
    # Kith's own secrets (field keys, the secret key) have no business in a client tool.
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    if parsed.host:
        env["PGHOST"] = parsed.host
    if parsed.port:
        env["PGPORT"] = str(parsed.port)
    if parsed.username:
        env["PGUSER"] = parsed.username
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    if parsed.database:
        env["PGDATABASE"] = parsed.database
    for key, value in parsed.query.items():
        if key in _PG_QUERY_ENV and isinstance(value, str):
            env[_PG_QUERY_ENV[key]] = value
    return env


def _run_pg(
    tool: str,
    args: list[str],
    *,
    env: dict[str, str],
    capture: bool = False,
    progress: Progress = _quiet,
) -> str:
    """Run a client tool; its ``--verbose`` lines are progress, a failure exits 2 with
    the tool's own message."""
    binary = find_pg_tool(tool)
    with subprocess.Popen(  # noqa: S603 - the PostgreSQL tool, arguments built here (no secrets)
        [binary, *args],
        env=env,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        out = ""
        if capture:
            out, err = proc.communicate()
            lines = err.splitlines()
        else:
            assert proc.stderr is not None
            lines = []
            for raw in proc.stderr:
                line = raw.rstrip("\n")
                lines.append(line)
                progress(line)
            proc.wait()
    if proc.returncode != 0:
        errors = [line for line in lines if "error" in line.lower()] or lines[-5:]
        raise BackupProblem(f"{tool} failed (exit {proc.returncode}): " + "; ".join(errors))
    return out


# --- backup ----------------------------------------------------------------------


def backup(
    url: str, out: Path, *, force: bool = False, progress: Progress = _quiet
) -> BackupResult:
    """Write a consistent copy of the database at ``url`` to ``out``.

    The copy is written beside ``out`` and renamed into place when complete, so a
    failed run never leaves a file that looks like a backup."""
    backend = backend_of(url)
    if out.is_dir():
        raise BackupProblem(f"{out} is a directory; give the backup file's name")
    if not out.parent.is_dir():
        raise BackupProblem(f"directory {out.parent} does not exist")
    if out.exists() and not force:
        raise BackupProblem(f"{out} already exists; give --force to overwrite it")
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if backend == "sqlite":
            _sqlite_backup(url, partial, progress)
        else:
            progress(f"pg_dump -Fc {_shown(url)}")
            _run_pg(
                "pg_dump",
                ["--format=custom", "--verbose", f"--file={partial}"],
                env=pg_environment(url),
                progress=progress,
            )
        revisions = backup_revisions(partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    size = out.stat().st_size
    progress(f"wrote {size} bytes to {out}")
    return BackupResult(backend, out, size, revisions)


def _sqlite_backup(url: str, target: Path, progress: Progress) -> None:
    source_path = _sqlite_path(url)
    if not source_path.is_file():
        raise BackupProblem(f"no database at {source_path}; nothing to back up")
    progress(f"copying {source_path} with the SQLite online backup API")
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=PAGES_PER_STEP, progress=_page_progress(progress))
        # One self-contained file: the copy carries the source's WAL flag otherwise.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()


def _page_progress(progress: Progress) -> Callable[[int, int, int], None]:
    def report(_status: int, remaining: int, total: int) -> None:
        done = total - remaining
        progress(f"  {done}/{total} pages ({100 * done // max(total, 1)}%)")

    return report


# --- restore ---------------------------------------------------------------------


def restore(
    url: str, source: Path, *, force: bool = False, progress: Progress = _quiet
) -> RestoreResult:
    """Replace the database at ``url`` with the backup ``source``, migrate it to this
    Kith's head if it is older, and verify its audit chain (raises
    :class:`RestoredChainBroken` if it does not verify)."""
    backend = backend_of(url)
    kind = backup_kind(source)
    if kind != backend:
        raise BackupProblem(
            f"{source} is a {kind} backup and the target database is {backend}; "
            "restore it into a database of the same kind"
        )
    revisions = backup_revisions(source)
    at_head = _check_revisions(revisions, url)
    tables = _existing_tables(url)
    if tables and not force:
        raise BackupProblem(
            f"the target database {_shown(url)} is not empty ({len(tables)} tables); "
            "give --force to replace its content with the backup"
        )
    progress(f"restoring {source} into {_shown(url)}")
    if backend == "sqlite":
        _sqlite_restore(url, source, progress)
    else:
        _run_pg(
            "pg_restore",
            [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--verbose",
                f"--dbname={make_url(url).database}",
                str(source),
            ],
            env=pg_environment(url),
            progress=progress,
        )
    engine = make_engine(url)
    try:
        if not at_head:
            progress("the backup predates this Kith: migrating it to the current revisions")
            upgrade(engine)
        progress("verifying the audit chain")
        with Session(engine) as session:
            report = verify(session)
    finally:
        engine.dispose()
    result = RestoreResult(
        backend,
        source,
        _shown(url),
        revisions,
        not at_head,
        report.ok,
        report.entries,
        report.tenants,
    )
    if not report.ok:
        raise RestoredChainBroken(report, result)
    return result


def _existing_tables(url: str) -> list[str]:
    if backend_of(url) == "sqlite" and not _sqlite_path(url).exists():
        return []
    engine = make_engine(url)
    try:
        return list(inspect(engine).get_table_names())
    except Exception as exc:  # any connection failure is the operator's to fix
        raise BackupProblem(f"cannot open the target database {_shown(url)}: {exc}") from exc
    finally:
        engine.dispose()


def _sqlite_restore(url: str, source: Path, progress: Progress) -> None:
    target_path = _sqlite_path(url)
    if not target_path.parent.is_dir():
        raise BackupProblem(f"directory {target_path.parent} does not exist")
    backup_db = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(target_path)
    try:
        backup_db.backup(target, pages=PAGES_PER_STEP, progress=_page_progress(progress))
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        backup_db.close()
