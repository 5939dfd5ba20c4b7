"""The search index table: pre-tokenised terms per searchable record."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kith.db.base import ID, Base, TenantMixin


class SearchDocument(TenantMixin, Base):
    """One row per searchable record: pre-tokenised terms (CJK bigrams, words, digits).

    SQLite indexes ``terms`` with an FTS5 table kept in sync by triggers;
    PostgreSQL with a GIN index over ``to_tsvector('simple', terms)``.
    """

    __tablename__ = "search_documents"

    object_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[str] = mapped_column(ID, primary_key=True)
    terms: Mapped[str] = mapped_column(Text)
