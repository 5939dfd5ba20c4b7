"""The ``INSERT ... ON CONFLICT`` builder of a dialect, imported when first needed.

``sqlalchemy.dialects.postgresql`` imports every PostgreSQL driver module (about
0.1 s); a SQLite process (``kith plan``, a SQLite server) never needs it.
"""

from __future__ import annotations

from typing import Any


def upsert_insert(dialect: str) -> Any:
    """``insert`` with ``on_conflict_do_update``/``_nothing``: PostgreSQL's or SQLite's."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
