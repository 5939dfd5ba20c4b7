"""All CRM queries. Row scoping (tenant, soft delete, record scope) happens here."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kith.access import policy
from kith.access.cache import TENANT_CACHE, snapshot
from kith.access.models import User
from kith.access.principal import Action, Principal
from kith.core.errors import FieldError, PermissionDenied
from kith.crm.models import (
    FieldDefinition,
    Pipeline,
    PipelineStage,
    RecordSequence,
    SlaPolicy,
)
from kith.crm.query import Filter, ListQuery
from kith.crm.specs import SPECS, ObjectSpec
from kith.db.base import RecordMixin
from kith.search.models import SearchDocument
from kith.search.query import matching_ids
from kith.search.tokenize import index_terms

# Up to this many search matches, a list reads its page by the matching ids.
SEARCH_IDS_FIRST = 5000


class RecordRepository:
    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    # --- scoping -------------------------------------------------------------

    def scoped(self, spec: ObjectSpec, action: Action) -> Select[tuple[Any]]:
        return select(spec.model).where(*self._scope(spec, action))

    def _scope(self, spec: ObjectSpec, action: Action) -> tuple[ColumnElement[bool], ...]:
        model = spec.model
        return (
            policy.row_filter(self.principal, model, spec.name, action),
            model.deleted_at.is_(None),
        )

    def find(self, spec: ObjectSpec, record_id: str) -> RecordMixin | None:
        """The live record in the principal's tenant, regardless of record scope."""
        model = spec.model
        stmt = select(model).where(
            model.id == record_id,
            model.tenant_id == self.principal.tenant_id,
            model.deleted_at.is_(None),
        )
        return self.session.scalars(stmt).first()

    def exists(self, object_type: str, record_id: str) -> bool:
        model = SPECS[object_type].model
        stmt = select(model.id).where(
            model.id == record_id,
            model.tenant_id == self.principal.tenant_id,
            model.deleted_at.is_(None),
        )
        return self.session.scalar(stmt) is not None

    def find_by(self, spec: ObjectSpec, **criteria: Any) -> RecordMixin | None:
        model = spec.model
        conditions = [getattr(model, k) == v for k, v in criteria.items()]
        stmt = select(model).where(
            model.tenant_id == self.principal.tenant_id, model.deleted_at.is_(None), *conditions
        )
        return self.session.scalars(stmt.limit(1)).first()

    def find_by_casefold(self, spec: ObjectSpec, column: str, value: str) -> RecordMixin | None:
        """The first live record whose ``column`` equals ``value`` ignoring case (e-mail
        addresses: ``JINGHE@mail.example`` is jinghe@mail.example). Served by the
        ``lower(email)`` indexes of contacts and leads."""
        model = spec.model
        stmt = select(model).where(
            model.tenant_id == self.principal.tenant_id,
            model.deleted_at.is_(None),
            func.lower(getattr(model, column)) == value.strip().lower(),
        )
        return self.session.scalars(stmt.order_by(model.created_at, model.id).limit(1)).first()

    # --- listing -------------------------------------------------------------

    def page(self, spec: ObjectSpec, query: ListQuery) -> tuple[Sequence[Any], str | None]:
        """One page and the sort value + id of its last row when more rows follow."""
        model = spec.model
        stmt = self._matching(spec, query)
        column = getattr(model, query.sort.field)
        # NULL handling only where NULLs can occur: for NOT NULL columns an index
        # on (…, column, id) can then deliver the order without a sort.
        nullable = bool(spec.columns[query.sort.field].columns[0].nullable)
        if query.cursor is not None:
            stmt = stmt.where(
                _after(column, model.id, query.cursor, query.sort.descending, nullable)
            )
        order = (column.desc(), model.id.desc()) if query.sort.descending else (column, model.id)
        if nullable:
            order = (column.is_(None), *order)
        rows = self.session.scalars(stmt.order_by(*order).limit(query.limit + 1)).all()
        more = len(rows) > query.limit
        return rows[: query.limit], ("more" if more else None)

    def _matching(self, spec: ObjectSpec, query: ListQuery) -> Select[tuple[Any]]:
        """The readable rows that pass the query's filters and full-text search."""
        stmt = self.scoped(spec, "read")
        stmt = stmt.where(*(self.filter_condition(spec, f) for f in query.filters))
        if query.q:
            stmt = stmt.where(self._search_condition(spec, query.q))
        return stmt

    def _search_condition(self, spec: ObjectSpec, q: str) -> ColumnElement[bool]:
        """Rows whose search document matches ``q``, ids first: the matching ids are read
        on their own (one full-text index lookup) and, when there are few, the page is
        read by those ids. Left as a sub-select, PostgreSQL without exact statistics
        walks the sort index backwards testing every row (seconds at 1M contacts, for a
        name with 33 matches); dense matches keep the sub-select, found fast in order."""
        ids = matching_ids(self.session, self.principal.tenant_id, spec.name, q)
        found = list(self.session.scalars(ids.limit(SEARCH_IDS_FIRST + 1)))
        if len(found) <= SEARCH_IDS_FIRST:
            return spec.model.id.in_(found)
        return spec.model.id.in_(ids)

    def count(self, spec: ObjectSpec, query: ListQuery) -> int:
        """How many rows the whole list has (every page): filters and search applied."""
        stmt = self._matching(spec, query)
        return int(self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)

    def aggregate(
        self, spec: ObjectSpec, query: ListQuery, measure: str | None, group_by: Sequence[str]
    ) -> list[tuple[tuple[Any, ...], int, Any]]:
        """Count (and sum ``measure``) over every row the principal may read that matches
        the query, per combination of the ``group_by`` columns: true totals, not a page."""
        model = spec.model
        keys = [getattr(model, name) for name in group_by]
        total = func.sum(getattr(model, measure)) if measure else func.count()
        stmt = (
            select(*keys, func.count(), total)
            .select_from(model)
            .where(*self._scope(spec, "read"))
            .where(*(self.filter_condition(spec, f) for f in query.filters))
        )
        if query.q:
            stmt = stmt.where(self._search_condition(spec, query.q))
        if keys:
            stmt = stmt.group_by(*keys)
        width = len(keys)
        return [
            (tuple(row[:width]), int(row[width]), row[width + 1] if measure else None)
            for row in self.session.execute(stmt)
        ]

    def filter_condition(self, spec: ObjectSpec, flt: Filter) -> ColumnElement[bool]:
        """The SQL condition of one parsed list filter (``kith.crm.query.Filter``).

        Public for other contexts that select records by the list filter language (saved
        segments); use it under ``scoped()`` so the row scoping still applies. A filter on a
        field hidden from the principal is refused here, so that no caller can reveal it
        row by row (``amount:gt:N`` halves the range each time).
        """
        self.refuse_hidden(spec, [(("filter",), flt.field)])
        model = spec.model
        if flt.custom_type is not None:
            raw = model.custom[flt.field.removeprefix("custom.")]
            column: Any = {
                "number": raw.as_float(),
                "bool": raw.as_boolean(),
            }.get(flt.custom_type, raw.as_string())
            value: Any = flt.value
            if flt.custom_type == "number":
                value = [float(v) for v in value] if isinstance(value, list) else float(value)
            elif flt.custom_type == "date":
                value = (
                    [v.isoformat() for v in value]
                    if isinstance(value, list)
                    else (value.isoformat() if hasattr(value, "isoformat") else value)
                )
        else:
            column = getattr(model, flt.field)
            value = flt.value
        return _apply_op(column, flt.op, value)

    def refuse_hidden(self, spec: ObjectSpec, used: Sequence[tuple[tuple[str, ...], str]]) -> None:
        """Refuse, naming each one, the fields among ``used`` (error path, field) that the
        principal may not see: filtering, sorting, grouping or summing by one would reveal it."""
        hidden = policy.hidden_fields(self.principal, spec.name)
        if not hidden:
            return
        errors = [
            FieldError([*where], f"{name} is hidden from you")
            for where, name in used
            if name in hidden
        ]
        if errors:
            raise PermissionDenied(f"{spec.plural}: hidden fields cannot be queried", errors)

    # --- search index ----------------------------------------------------------

    def index_for_search(self, spec: ObjectSpec, record: RecordMixin, *, new: bool = False) -> None:
        """Write the record's search document; ``new``: the record was just created with
        an id generated here, so it has no document to look up."""
        if not spec.search_fields:
            return
        terms = index_terms(_search_values(spec, record))
        doc = None if new else self.session.get(SearchDocument, (spec.name, record.id))
        if doc is None:
            self.session.add(
                SearchDocument(
                    tenant_id=record.tenant_id,
                    object_type=spec.name,
                    record_id=record.id,
                    terms=terms,
                )
            )
        elif doc.terms != terms:
            doc.terms = terms

    def unindex(self, spec: ObjectSpec, record_id: str) -> None:
        self.session.execute(
            delete(SearchDocument).where(
                SearchDocument.object_type == spec.name, SearchDocument.record_id == record_id
            )
        )

    # --- configuration lookups ------------------------------------------------

    def search(self, spec: ObjectSpec, q: str, limit: int) -> Sequence[Any]:
        """Up to ``limit`` readable records of one type whose search terms match ``q``."""
        stmt = self.scoped(spec, "read").where(self._search_condition(spec, q)).limit(limit)
        return self.session.scalars(stmt).all()

    def field_definitions(self, object_type: str | None = None) -> Sequence[FieldDefinition]:
        """The tenant's custom field definitions (of one object type), by type and name."""
        fd = FieldDefinition
        stmt = select(fd).where(fd.tenant_id == self.principal.tenant_id)
        if object_type:
            stmt = stmt.where(fd.object_type == object_type)
        return self.session.scalars(stmt.order_by(fd.object_type, fd.name)).all()

    def custom_fields(self, object_type: str) -> dict[str, FieldDefinition]:
        """The object type's custom field definitions by name (transient copies, cached per
        tenant until its configuration changes: every create reads them)."""
        tenant_id = self.principal.tenant_id

        def load() -> dict[str, FieldDefinition]:
            stmt = select(FieldDefinition).where(
                FieldDefinition.tenant_id == tenant_id,
                FieldDefinition.object_type == object_type,
            )
            return {d.name: snapshot(d) for d in self.session.scalars(stmt)}

        cached = TENANT_CACHE.get(self.session, tenant_id, f"custom_fields:{object_type}", load)
        return dict(cached)

    def sla_policies(self) -> dict[str, tuple[int, int]]:
        """(first response, resolution) minutes by ticket priority, as the tenant set them
        (cached per tenant until its configuration changes)."""
        tenant_id = self.principal.tenant_id

        def load() -> dict[str, tuple[int, int]]:
            p = SlaPolicy
            stmt = select(p.priority, p.first_response_minutes, p.resolution_minutes).where(
                p.tenant_id == tenant_id
            )
            found: dict[str, tuple[int, int]] = {}
            for priority, first, resolution in self.session.execute(stmt):
                found.setdefault(priority, (first, resolution))
            return found

        return TENANT_CACHE.get(self.session, tenant_id, "sla_policies", load)

    def default_pipeline(self) -> Pipeline | None:
        stmt = (
            select(Pipeline)
            .where(Pipeline.tenant_id == self.principal.tenant_id, Pipeline.deleted_at.is_(None))
            .order_by(Pipeline.is_default.desc(), Pipeline.created_at)
        )
        return self.session.scalars(stmt.limit(1)).first()

    def stages(self, pipeline_id: str) -> list[PipelineStage]:
        stmt = (
            select(PipelineStage)
            .where(
                PipelineStage.pipeline_id == pipeline_id,
                PipelineStage.tenant_id == self.principal.tenant_id,
            )
            .order_by(PipelineStage.position)
        )
        return list(self.session.scalars(stmt))

    def next_in_sequence(self, name: str) -> int:
        """The next value of a per-tenant counter.

        ``UPDATE ... RETURNING`` takes the row lock, so concurrent transactions on
        PostgreSQL get distinct values (SQLite serialises writers anyway). The first
        use creates the row inside a savepoint; a concurrent first use loses the
        insert race and simply increments.
        """
        tenant_id = self.principal.tenant_id
        for _ in range(2):
            params = {"sequence_tenant": tenant_id, "sequence_name": name}
            value = self.session.scalar(_NEXT_VALUE, params)
            if value is not None:
                return int(value)
            try:
                with self.session.begin_nested():
                    self.session.add(RecordSequence(tenant_id=tenant_id, name=name, value=1))
                return 1
            except IntegrityError:
                continue
        raise RuntimeError(f"could not allocate a value of sequence {name}")

    def stage(self, stage_id: str) -> PipelineStage | None:
        stage = self.session.get(PipelineStage, stage_id)
        if stage is None or stage.tenant_id != self.principal.tenant_id:
            return None
        return stage

    # --- bulk writes (imports) ---------------------------------------------------
    # One query per batch instead of one per row; callers check permissions first.

    def live_ids(self, object_type: str, ids: Collection[str]) -> set[str]:
        """Those of ``ids`` that are live records of the type in the tenant."""
        model = SPECS[object_type].model
        found: set[str] = set()
        for chunk in _chunks(sorted(ids)):
            stmt = select(model.id).where(
                model.id.in_(chunk),
                model.tenant_id == self.principal.tenant_id,
                model.deleted_at.is_(None),
            )
            found.update(self.session.scalars(stmt))
        return found

    def tenant_user_ids(self, ids: Collection[str]) -> set[str]:
        """Those of ``ids`` that are users of the tenant (candidate record owners)."""
        found: set[str] = set()
        for chunk in _chunks(sorted(ids)):
            stmt = select(User.id).where(
                User.id.in_(chunk), User.tenant_id == self.principal.tenant_id
            )
            found.update(self.session.scalars(stmt))
        return found

    def live_records_by(
        self, spec: ObjectSpec, field: str, values: Collection[str], case_insensitive: bool = False
    ) -> list[RecordMixin]:
        """Live records whose ``field`` is one of ``values`` (lower case if ``case_insensitive``).

        One key per query: an OR of several keys makes SQLite (without ANALYZE
        statistics) scan every row of the tenant instead of using each index.
        """
        model = spec.model
        column = getattr(model, field)
        key = func.lower(column) if case_insensitive else column
        found: list[RecordMixin] = []
        for chunk in _chunks(sorted(values)):
            stmt = select(model).where(
                model.tenant_id == self.principal.tenant_id,
                model.deleted_at.is_(None),
                key.in_(chunk),
            )
            found.extend(self.session.scalars(stmt))
        return found

    def insert_records(self, spec: ObjectSpec, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert new records with Core ``executemany``: no ORM unit of work, no flush per row.

        Rows are keyed by attribute name; rows with the same keys go in one statement.
        """
        renamed = _renamed_columns(spec)
        groups: dict[frozenset[str], list[Mapping[str, Any]]] = {}
        for row in rows:
            params = {renamed.get(k, k): v for k, v in row.items()} if renamed else row
            groups.setdefault(frozenset(params), []).append(params)
        for group in groups.values():
            self.session.execute(insert(_table(spec.model)), group)

    def insert_search_documents(self, spec: ObjectSpec, rows: Sequence[Mapping[str, Any]]) -> None:
        """``index_for_search`` for records inserted by ``insert_records``."""
        if not spec.search_fields or not rows:
            return
        documents = [
            {
                "tenant_id": row["tenant_id"],
                "object_type": spec.name,
                "record_id": row["id"],
                "terms": index_terms(_row_search_values(spec, row)),
            }
            for row in rows
        ]
        self.session.execute(insert(_table(SearchDocument)), documents)

    def reindex(self, spec: ObjectSpec, batch: int = 2000) -> int:
        """Rebuild the search documents of every record of ``spec`` in the principal's
        workspace (after a type becomes searchable, or to repair the index); returns
        how many records were indexed."""
        tenant_id = self.principal.tenant_id
        self.session.execute(
            delete(SearchDocument).where(
                SearchDocument.tenant_id == tenant_id, SearchDocument.object_type == spec.name
            )
        )
        if not spec.search_fields:
            return 0
        model = spec.model
        columns = [model.id, model.tenant_id, *(getattr(model, f) for f in spec.search_fields)]
        if hasattr(model, "channels"):
            columns.append(model.channels)
        stmt = (
            select(*columns)
            .where(model.tenant_id == tenant_id, model.deleted_at.is_(None))
            .order_by(model.id)
        )
        done = 0
        for part in self.session.execute(stmt).mappings().partitions(batch):
            self.insert_search_documents(spec, [dict(row) for row in part])
            done += len(part)
        return done

    def settle_after_bulk_load(self, spec: ObjectSpec) -> None:
        """Refresh planner statistics and merge the search index after a bulk load.

        SQLite has no autovacuum: without ANALYZE it plans every search as a scan
        of all the tenant's records. PostgreSQL queues new GIN entries in a
        pending list that every search reads until (auto)vacuum merges it; right
        after 100,000 inserts searches took 1-4 s instead of under 0.3 s.
        """
        dialect = self.session.get_bind().dialect
        for table in (_table(spec.model), _table(SearchDocument)):
            self.session.execute(text(f"ANALYZE {dialect.identifier_preparer.quote(table.name)}"))
        if dialect.name == "postgresql":
            self.session.execute(
                text("SELECT gin_clean_pending_list(CAST(:index AS regclass))"),
                {"index": SEARCH_GIN_INDEX},
            )


def _search_values(spec: ObjectSpec, record: RecordMixin) -> list[str | None]:
    values: list[str | None] = [getattr(record, f) for f in spec.search_fields]
    channels = getattr(record, "channels", None)
    if isinstance(channels, list):
        values.extend(str(c.get("value")) for c in channels if isinstance(c, dict))
    return values


def _apply_op(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    if op == "eq":
        return column == value  # type: ignore[no-any-return]
    if op == "ne":
        return or_(column != value, column.is_(None))
    if op == "lt":
        return column < value  # type: ignore[no-any-return]
    if op == "lte":
        return column <= value  # type: ignore[no-any-return]
    if op == "gt":
        return column > value  # type: ignore[no-any-return]
    if op == "gte":
        return column >= value  # type: ignore[no-any-return]
    if op == "in":
        return column.in_(value)  # type: ignore[no-any-return]
    if op == "contains":
        return column.contains(value, autoescape=True)  # type: ignore[no-any-return]
    return column.is_(None) if value else column.is_not(None)  # type: ignore[no-any-return]


def _after(
    column: Any, id_column: Any, cursor: tuple[Any, str], descending: bool, nullable: bool
) -> Any:
    """Keyset condition: rows strictly after (value, id) in the list's order (nulls last)."""
    value, last_id = cursor
    beyond_id = id_column < last_id if descending else id_column > last_id
    if column is id_column:
        return beyond_id
    if value is None:
        return and_(column.is_(None), beyond_id)
    beyond_value = column < value if descending else column > value
    after = or_(beyond_value, and_(column == value, beyond_id))
    return or_(after, column.is_(None)) if nullable else after


# --- bulk write helpers ----------------------------------------------------------

# Bound parameters per IN list: far below SQLite's 32766 and PostgreSQL's 65535 limits.
IN_CHUNK = 5000
# The GIN index over search_documents (migration 0001, PostgreSQL only).
SEARCH_GIN_INDEX = "ix_search_documents_tsv"


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _renamed_columns(spec: ObjectSpec) -> dict[str, str]:
    """Attributes whose column has another name (``Interaction.meta`` is ``metadata``)."""
    return {
        key: attr.columns[0].name
        for key, attr in spec.columns.items()
        if attr.columns[0].name != key
    }


def _row_search_values(spec: ObjectSpec, row: Mapping[str, Any]) -> list[str | None]:
    """``_search_values`` for a row that is a mapping rather than an ORM record."""
    values: list[str | None] = [row.get(f) for f in spec.search_fields]
    channels = row.get("channels")
    if isinstance(channels, list):
        values.extend(str(c.get("value")) for c in channels if isinstance(c, dict))
    return values


_SEQUENCES = cast(Table, RecordSequence.__table__)
# Built once (bound parameters): every ticket number takes one.
_NEXT_VALUE = (
    update(_SEQUENCES)
    .where(
        _SEQUENCES.c.tenant_id == bindparam("sequence_tenant"),
        _SEQUENCES.c.name == bindparam("sequence_name"),
    )
    .values(value=_SEQUENCES.c.value + 1)
    .returning(_SEQUENCES.c.value)
)
