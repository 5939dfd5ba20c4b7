"""What every benchmark needs: a throw-away database, a workspace, machine facts."""

from __future__ import annotations

import os
import platform
import secrets
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kith.access.workspace import init_workspace
from kith.bootstrap import build_container
from kith.container import Container
from kith.core.settings import Settings
from kith.core.stats import percentile
from kith.db.engine import make_engine
from kith.db.migrate import upgrade

PG_ADMIN_URL = os.environ.get(
    "KITH_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ADMIN_EMAIL = "admin@bench.example.com"
# A throw-away workspace in a temporary database, never a deployment's password.
ADMIN_PASSWORD = "bench-password-1"  # noqa: S105
BACKENDS = ("sqlite", "postgres")


@contextmanager
def database(backend: str, workdir: Path) -> Iterator[str]:
    """The URL of an empty database, dropped afterwards (PostgreSQL) or in ``workdir``."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'kith.db'}"
        return
    name = f"kith_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
                ).bindparams(name=name)
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def generated_key() -> None:
    """Give this process a freshly generated field-encryption key unless the environment
    names one (``KITH_FIELD_KEYS``, ``KITH_FIELD_KEY_FILE``, ``KITH_SECRET_KEY``, or a
    demo/test mode's development key): a benchmark's workspace is throw-away, so every
    ``kith bench`` runs on a fresh machine with nothing set."""
    from kith.db.crypto import KeyMissing, KeyRing, keyring_from_environment, use_keyring

    try:
        use_keyring(keyring_from_environment())
    except KeyMissing:
        use_keyring(KeyRing("bench", {"bench": secrets.token_bytes(32)}))


def workspace(url: str, home: Path) -> Container:
    """A migrated database with the ``default`` workspace and its admin (as ``kith init``)."""
    generated_key()
    engine = make_engine(url)
    upgrade(engine)
    container = build_container(Settings(home=home, database_url=url, mode="test"), engine=engine)
    with container.uow() as uow:
        init_workspace(
            uow.session,
            tenant_slug="default",
            tenant_name="Bench",
            admin_email=ADMIN_EMAIL,
            admin_password=ADMIN_PASSWORD,
            demo=False,
        )
        uow.commit()
    return container


def demo_workspace(
    home: Path, mode: Literal["production", "demo", "test"] = "test", secret_key: str | None = None
) -> Container:
    """A migrated SQLite database under ``home`` with the demo at scale 0.05 (seed 42,
    anchored on 2026-11-20 09:00 Shanghai, as the language sets expect)."""
    from datetime import UTC, datetime

    from kith.demo.loader import load_demo
    from kith.language.devset import DEMO_PASSWORD

    url = f"sqlite:///{home / 'kith.db'}"
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(home=home, database_url=url, mode=mode, secret_key=secret_key)
    container = build_container(settings, engine=engine)
    load_demo(
        container,
        tenant_slug="default",
        password=DEMO_PASSWORD,
        seed=42,
        scale=0.05,
        anchor=datetime(2026, 11, 20, 1, 0, tzinfo=UTC),
    )
    return container


def machine(container: Container) -> dict[str, Any]:
    with container.engine.connect() as conn:
        if container.engine.dialect.name == "sqlite":
            database_version = f"SQLite {sqlite3.sqlite_version}"
        else:
            database_version = str(conn.execute(text("SELECT version()")).scalar()).split(",")[0]
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "python": platform.python_version(),
        "database": database_version,
        # Other work on the machine skews timings; recorded so runs can be compared.
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def p50_p99(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {}
    return {"p50": round(percentile(samples, 0.5), 1), "p99": round(percentile(samples, 0.99), 1)}


def free_port() -> int:
    """A TCP port on 127.0.0.1 free right now (a benchmark's own server or broker)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
