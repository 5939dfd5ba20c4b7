"""Dialect-specific full-text matching over ``search_documents``."""

from __future__ import annotations

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from kith.search.models import SearchDocument
from kith.search.tokenize import QueryTerm, index_terms, query_terms


def matching_ids(
    session: Session, tenant_id: str, object_type: str, query: str
) -> Select[tuple[str]]:
    """A sub-select of record ids whose document matches every query term."""
    terms = query_terms(query)
    if not terms:
        return select(SearchDocument.record_id).where(text("1 = 0"))
    if session.get_bind().dialect.name == "sqlite":
        return _sqlite_fts(tenant_id, object_type, terms)
    return _postgres_tsquery(tenant_id, object_type, terms)


def _sqlite_fts(tenant_id: str, object_type: str, terms: list[QueryTerm]) -> Select[tuple[str]]:
    match = " AND ".join(f'"{t.text}"' + ("*" if t.prefix else "") for t in terms)
    return (
        select(SearchDocument.record_id)
        .where(
            text(
                "search_documents.rowid IN "
                "(SELECT rowid FROM search_fts WHERE search_fts MATCH :match)"
            ).bindparams(match=match)
        )
        .where(SearchDocument.tenant_id == tenant_id, SearchDocument.object_type == object_type)
    )


def _postgres_tsquery(
    tenant_id: str, object_type: str, terms: list[QueryTerm]
) -> Select[tuple[str]]:
    tsquery = " & ".join(f"'{t.text}'" + (":*" if t.prefix else "") for t in terms)
    return select(SearchDocument.record_id).where(
        SearchDocument.tenant_id == tenant_id,
        SearchDocument.object_type == object_type,
        text(
            "to_tsvector('simple', search_documents.terms) @@ to_tsquery('simple', :q)"
        ).bindparams(q=tsquery),
    )


__all__ = ["index_terms", "matching_ids"]
