"""The bulk write path: create or update many records of one type per call.

``RecordService.create`` flushes once per record and runs several queries per
record; an import of 100,000 rows cannot afford that. ``BulkWriter.write``
takes a batch of rows and, for the whole batch, checks the object permission
once, loads custom field definitions once, checks each reference field with
one ``IN`` query, finds upsert matches with one query, inserts new records,
their search documents and their ``<type>.created`` events in bulk.

The rules are the API's: the same input schemas, field write rules, owner and
reference checks, custom-field validation and object rules (run on the unsaved
record, so no flush per row), and the same events. Rows that match
an existing record (by id, ``external_id``, then the natural key: email for
contacts and leads, sku for products, number for orders) are rare in practice
and go through ``RecordService.update`` so every update rule applies.

A row that matches an existing record is an update: it is validated as a
patch, so ``id,city`` or a row without the required ``name`` changes just the
fields it gives; a row that matches nothing must be a whole valid record.
A row's validation error rejects only that row. Database errors propagate: the
caller rolls the batch back and retries it row by row to isolate the bad row.
Like every service, this never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy import JSON

from kith.access import policy
from kith.access.principal import Principal
from kith.core.clock import as_utc, utcnow
from kith.core.errors import FieldError, KithError, PermissionDenied
from kith.core.ids import new_id
from kith.crm import custom_fields
from kith.crm.models import FieldDefinition
from kith.crm.repository import RecordRepository
from kith.crm.rules import RULE_CHECKS, RULES, RuleContext
from kith.crm.service import RecordService, jsonable
from kith.crm.specs import PATCH_SCHEMAS, SPECS, ObjectSpec
from kith.db.base import RecordMixin
from kith.db.uow import UnitOfWork
from kith.events.types import DomainEvent, record_event


@dataclass(frozen=True)
class NaturalKey:
    """The field a type is matched on after id and external_id."""

    field: str
    case_insensitive: bool
    # A unique key (sku, order number) matches whatever the external_id says:
    # a second record with it could not be inserted anyway.
    unique: bool


NATURAL_KEYS: dict[str, NaturalKey] = {
    "contact": NaturalKey("email", case_insensitive=True, unique=False),
    "lead": NaturalKey("email", case_insensitive=True, unique=False),
    "product": NaturalKey("sku", case_insensitive=False, unique=True),
    "order": NaturalKey("number", case_insensitive=False, unique=True),
}
Status = Literal["created", "updated", "unchanged", "rejected"]
MatchKey = tuple[str, str]


@dataclass(frozen=True)
class RowIn:
    """One input row: field name -> value, custom field values under ``custom``.

    ``id`` is accepted as a match key only; a new record always gets a new id.
    """

    line: int
    values: Mapping[str, Any]


@dataclass
class RowResult:
    line: int
    status: Status
    record_id: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    # Set by the type's rule on a created record, e.g. "reimport_after_erasure".
    flags: list[str] = field(default_factory=list)


@dataclass
class _Prepared:
    """A row that passed its input schema, or the patch schema when it can only update.

    A row that is not a whole new record (``id,city``; a file without the
    required ``name``) may still change the record it matches: it is validated
    as a patch and, when it matches nothing, rejected with its create errors.
    """

    position: int
    row: RowIn
    values: dict[str, Any]  # the fields the row sets, as stored
    defaults: dict[str, Any]  # every input field, schema defaults included
    custom: dict[str, Any]
    keys: tuple[MatchKey, ...]
    # Why the row cannot create a record (None: it can); ``update_errors``: nor update one.
    create_errors: list[FieldError] | None = None
    update_errors: list[FieldError] | None = None


class BulkWriter:
    def __init__(
        self,
        uow: UnitOfWork,
        principal: Principal,
        object_type: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.spec = SPECS[object_type]
        self.clock = clock
        self.repo = RecordRepository(uow.session, principal)
        self.service = RecordService(uow, principal, clock)
        self._definitions: dict[str, FieldDefinition] | None = None
        self._columns = frozenset(self.spec.columns)
        self._json_fields = _json_fields(self.spec)
        self._datetime_fields = _datetime_fields(self.spec)
        self._flags: dict[str, list[str]] = {}  # new record id -> its rule's flags

    @property
    def definitions(self) -> dict[str, FieldDefinition]:
        """Custom field definitions, loaded once per writer rather than per row."""
        if self._definitions is None:
            self._definitions = self.repo.custom_fields(self.spec.name)
        return self._definitions

    def write(self, rows: Sequence[RowIn]) -> list[RowResult]:
        """One result per row, in input order."""
        results: list[RowResult | None] = [None] * len(rows)
        prepared: list[_Prepared] = []
        for position, row in enumerate(rows):
            outcome = self._prepare(position, row)
            if isinstance(outcome, RowResult):
                results[position] = outcome
            else:
                prepared.append(outcome)
        for segment in _segments(prepared):
            for item, result in zip(segment, self._write_segment(segment), strict=True):
                results[item.position] = result
        return [r for r in results if r is not None]

    # --- per row: input schema ------------------------------------------------

    def _prepare(self, position: int, row: RowIn) -> _Prepared | RowResult:
        raw = dict(row.values)
        record_id = _text(raw.pop("id", None))
        try:
            payload = self.spec.input_schema.model_validate(raw)
        except ValidationError as exc:
            return self._prepare_patch(position, row, raw, record_id, _schema_errors(exc))
        defaults = self._stored(payload)
        custom = defaults.pop("custom")
        values = {k: defaults[k] for k in payload.model_fields_set if k != "custom"}
        keys = _match_keys(self.spec, record_id, values)
        return _Prepared(position, row, values, defaults, custom, keys)

    def _prepare_patch(
        self,
        position: int,
        row: RowIn,
        raw: dict[str, Any],
        record_id: str | None,
        create_errors: list[FieldError],
    ) -> _Prepared | RowResult:
        """A row that cannot create a record, kept in case it matches one it may update."""
        try:
            patch = PATCH_SCHEMAS[self.spec.name].model_validate({**raw, "version": 0})
        except ValidationError as exc:
            update_errors = [e for e in _schema_errors(exc) if e.path != ["version"]]
            # Key fields that are valid still find the record the errors are about.
            bad = {str(e.path[0]) for e in update_errors if e.path}
            keys = _match_keys(self.spec, record_id, {k: v for k, v in raw.items() if k not in bad})
            if not keys:
                return _rejected(row, create_errors)
            return _Prepared(position, row, {}, {}, {}, keys, create_errors, update_errors)
        stored = self._stored(patch)
        values = {k: stored[k] for k in patch.model_fields_set if k not in ("custom", "version")}
        keys = _match_keys(self.spec, record_id, values)
        if not keys:
            return _rejected(row, create_errors)
        custom = stored.get("custom") or {}
        return _Prepared(position, row, values, {}, custom, keys, create_errors)

    def _stored(self, model: BaseModel) -> dict[str, Any]:
        """A validated row's fields as they are stored (JSON fields in JSON form, UTC times)."""
        values = model.model_dump()
        if self._json_fields:
            values.update(model.model_dump(mode="json", include=self._json_fields))
        for name in self._datetime_fields:
            if name in values:
                values[name] = _utc(values[name])
        return values

    # --- per segment: match, then update or create ------------------------------

    def _write_segment(self, segment: list[_Prepared]) -> list[RowResult]:
        matches = self._find_matches(segment)
        results: dict[int, RowResult] = {}
        new: list[_Prepared] = []
        for item in segment:
            record = self._match(item, matches)
            if record is None and item.create_errors is not None:
                results[item.position] = _rejected(item.row, item.create_errors)
            elif record is None:
                new.append(item)
            elif item.update_errors is not None:
                results[item.position] = _rejected(item.row, item.update_errors)
            else:
                results[item.position] = self._update(item, record)
        for item, result in zip(new, self._create(new), strict=True):
            results[item.position] = result
        return [results[item.position] for item in segment]

    def _match(self, item: _Prepared, matches: dict[MatchKey, RecordMixin]) -> RecordMixin | None:
        """The record a row updates: by its most specific key that matches.

        A shared email does not make two people one: a record that already has
        another external_id is not matched by email.
        """
        natural = NATURAL_KEYS.get(self.spec.name)
        external_id = item.values.get("external_id")
        for key in item.keys:
            record = matches.get(key)
            if record is None:
                continue
            rekeys = external_id and record.external_id and record.external_id != external_id
            if natural and key[0] == natural.field and not natural.unique and rekeys:
                continue
            return record
        return None

    def _find_matches(self, segment: list[_Prepared]) -> dict[MatchKey, RecordMixin]:
        """Records the segment's rows may update, by key: one indexed query per key kind.

        Rows matched by a more specific key are not looked up by the next one, so
        re-importing a file with external ids never searches by email.
        """
        natural = NATURAL_KEYS.get(self.spec.name)
        kinds = ["id", "external_id"] + ([natural.field] if natural else [])
        matches: dict[MatchKey, RecordMixin] = {}
        pending = segment
        for kind in kinds:
            values = {value for item in pending for name, value in item.keys if name == kind}
            if not values:
                continue
            folded = natural is not None and kind == natural.field and natural.case_insensitive
            for record in self.repo.live_records_by(self.spec, kind, values, folded):
                for key in _record_keys(self.spec, record):
                    known = matches.get(key)
                    if known is None or record.id < known.id:  # the oldest record wins a key
                        matches[key] = record
            pending = [item for item in pending if self._match(item, matches) is None]
        return matches

    def _update(self, item: _Prepared, record: RecordMixin) -> RowResult:
        spec = self.spec
        if not policy.may_act_on(self.principal, spec.name, "read", record.owner_id):
            problem = f"matches an existing {spec.name} outside your record scope"
            return _rejected(item.row, [FieldError([], problem, "permission_error")])
        changes = {k: v for k, v in item.values.items() if not _same(getattr(record, k), v)}
        current_custom = record.custom or {}
        custom = {k: v for k, v in item.custom.items() if current_custom.get(k) != v}
        if not changes and not custom:
            return RowResult(item.row.line, "unchanged", record.id)
        patch_values: dict[str, Any] = {**changes, "version": record.version}
        if custom:
            patch_values["custom"] = custom
        try:
            patch = PATCH_SCHEMAS[spec.name].model_validate(patch_values)
            self.service.update(spec.name, record.id, patch)
        except ValidationError as exc:
            return _rejected(item.row, _schema_errors(exc))
        except KithError as exc:
            return _rejected(item.row, _kith_errors(exc))
        return RowResult(item.row.line, "updated", record.id)

    def _create(self, items: list[_Prepared]) -> list[RowResult]:
        if not items:
            return []
        if policy.scope_for(self.principal, self.spec.name, "create") is None:
            denied = f"{self.principal.kind} may not create {self.spec.name} records"
            return [_rejected(i.row, [FieldError([], denied, "permission_error")]) for i in items]
        errors = self._owner_errors(items)
        for position, found in self._reference_errors(items).items():
            errors.setdefault(position, []).extend(found)
        results: list[RowResult] = []
        rows: list[dict[str, Any]] = []
        rule_events: list[DomainEvent] = []
        for item in items:
            outcome = self._new_row(item, errors.get(item.position, []))
            if isinstance(outcome, RowResult):
                results.append(outcome)
                continue
            row, events = outcome
            rows.append(row)
            rule_events.extend(events)
            flags = self._flags.pop(row["id"], [])
            results.append(RowResult(item.row.line, "created", row["id"], flags=flags))
        self._insert(rows, rule_events)
        return results

    def _new_row(
        self, item: _Prepared, errors: list[FieldError]
    ) -> tuple[dict[str, Any], list[DomainEvent]] | RowResult:
        """The insert values of a new record and its rule's events, or the row's rejection."""
        spec = self.spec
        try:
            policy.require_writable(self.principal, spec.name, item.values)
        except PermissionDenied as exc:
            errors = _kith_errors(exc) + errors
        try:
            custom = custom_fields.validate(self.definitions, item.custom, creating=True)
        except KithError as exc:
            errors = errors + _kith_errors(exc)
        if errors:
            return _rejected(item.row, errors)
        now = self.clock()
        actor = self.principal.actor
        row: dict[str, Any] = {
            **item.defaults,
            "id": new_id(),
            "tenant_id": self.principal.tenant_id,
            "owner_id": item.values.get("owner_id") or self.principal.user_id,
            "custom": custom,
            "version": 1,
            "created_by_kind": actor.kind,
            "created_by_id": actor.id,
            "updated_by_kind": actor.kind,
            "updated_by_id": actor.id,
            "created_at": now,
            "updated_at": now,
        }
        try:
            return self._apply_rule(row, set(item.values) - {"owner_id"}, now)
        except KithError as exc:
            return _rejected(item.row, _kith_errors(exc))

    def _apply_rule(
        self, row: dict[str, Any], changed: set[str], now: datetime
    ) -> tuple[dict[str, Any], list[DomainEvent]]:
        """Run the type's create rule on the unsaved record, as the service does after flush.

        Rules derive fields (deal stage, ticket number and SLA, order total),
        may add history rows to the session and query the database, but they run
        before the batch is inserted: a rule must not need rows of its own batch.
        """
        rule = RULES.get(self.spec.name)
        if rule is None:
            return row, []
        ctx = RuleContext(self.repo, self.principal, now, {}, True)
        check = RULE_CHECKS.get(self.spec.name)
        if check is not None and not check(ctx, row):
            return row, []  # building a record per row would cost more than the import
        record = self.spec.model(**row)
        events = rule(ctx, record, changed)
        if ctx.flags:
            self._flags[row["id"]] = ctx.flags
        derived = {k: getattr(record, k) for k in self.spec.columns}
        return {**row, **{k: v for k, v in derived.items() if k in row or v is not None}}, events

    def _owner_errors(self, items: list[_Prepared]) -> dict[int, list[FieldError]]:
        wanted = {i.values["owner_id"] for i in items if i.values.get("owner_id")}
        if not wanted:
            return {}
        known = self.repo.tenant_user_ids(wanted)
        errors: dict[int, list[FieldError]] = {}
        for item in items:
            owner = item.values.get("owner_id")
            if not owner:
                continue
            if owner not in known:
                errors[item.position] = [FieldError(["owner_id"], "no such user")]
            elif not policy.may_act_on(self.principal, self.spec.name, "create", owner):
                problem = "you cannot assign records to this user"
                errors[item.position] = [FieldError(["owner_id"], problem)]
        return errors

    def _reference_errors(self, items: list[_Prepared]) -> dict[int, list[FieldError]]:
        errors: dict[int, list[FieldError]] = {}
        for name, target in self.spec.references.items():
            wanted = {i.values[name] for i in items if i.values.get(name)}
            if not wanted:
                continue
            known = self.repo.live_ids(target, wanted)
            for item in items:
                value = item.values.get(name)
                if value and value not in known:
                    problem = f"no {target} with this id"
                    errors.setdefault(item.position, []).append(FieldError([name], problem))
        return errors

    def _insert(self, rows: list[dict[str, Any]], rule_events: list[DomainEvent]) -> None:
        if not rows:
            return
        self.repo.insert_records(self.spec, rows)
        self.repo.insert_search_documents(self.spec, rows)
        for row in rows:
            self.uow.emit(self._created_event(row))
        for event in rule_events:
            self.uow.emit(event)

    def _snapshot(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The service's created-event snapshot: set values, never sensitive ones."""
        sensitive = self.spec.sensitive_fields
        return {
            k: jsonable(v)
            for k, v in row.items()
            if k in self._columns and k not in sensitive and v is not None and v != [] and v != {}
        }

    def _created_event(self, row: Mapping[str, Any]) -> DomainEvent:
        """The event ``RecordService.create`` emits for the same record."""
        spec = self.spec
        verb = "created"
        if spec.name == "interaction":
            verb = "received" if row.get("direction") == "inbound" else "sent"
        account_id, contact_id = _customer_refs(spec, row)
        title = row.get(spec.title_field) or row["id"]
        return DomainEvent(
            type=record_event(spec.name, verb),
            tenant_id=row["tenant_id"],
            subject_type=spec.name,
            subject_id=row["id"],
            actor=self.principal.actor,
            payload={"version": 1, "record": self._snapshot(row)},
            account_id=account_id,
            contact_id=contact_id,
            summary=f"{spec.name} {verb}: {title}"[:500],
            occurred_at=row["created_at"],
        )


# --- helpers -------------------------------------------------------------------


def _segments(items: list[_Prepared]) -> Iterator[list[_Prepared]]:
    """Cut before a row that shares a key with an earlier row of the segment.

    The second row must see the first one's record, so it is matched only after
    the first segment is written (in the same transaction).
    """
    segment: list[_Prepared] = []
    seen: set[MatchKey] = set()
    for item in items:
        if seen.intersection(item.keys):
            yield segment
            segment, seen = [], set()
        segment.append(item)
        seen.update(item.keys)
    if segment:
        yield segment


def _match_keys(
    spec: ObjectSpec, record_id: str | None, values: Mapping[str, Any]
) -> tuple[MatchKey, ...]:
    """The keys a row is matched on, most specific first."""
    keys: list[MatchKey] = []
    if record_id:
        keys.append(("id", record_id))
    if values.get("external_id"):
        keys.append(("external_id", values["external_id"]))
    natural = NATURAL_KEYS.get(spec.name)
    if natural and values.get(natural.field):
        value = str(values[natural.field])
        keys.append((natural.field, value.lower() if natural.case_insensitive else value))
    return tuple(keys)


def _record_keys(spec: ObjectSpec, record: RecordMixin) -> tuple[MatchKey, ...]:
    return _match_keys(spec, record.id, {k: getattr(record, k) for k in _key_fields(spec)})


def _key_fields(spec: ObjectSpec) -> tuple[str, ...]:
    natural = NATURAL_KEYS.get(spec.name)
    return ("external_id", natural.field) if natural else ("external_id",)


def _customer_refs(spec: ObjectSpec, row: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """``service.customer_refs`` for a row: the account and contact it belongs to."""
    if spec.name == "account":
        return row["id"], None
    if spec.name == "contact":
        return row.get("account_id"), row["id"]
    return row.get("account_id"), row.get("contact_id")


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, datetime) and isinstance(new, datetime):
        return as_utc(current) == as_utc(new)
    return bool(current == new)


def _utc(value: Any) -> Any:
    """Timestamps without a zone are UTC, the zone Kith stores (as in list filters)."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _json_fields(spec: ObjectSpec) -> set[str]:
    """Input fields stored as JSON: saved in their JSON form, as the service does."""
    inputs = spec.input_schema.model_fields
    return {
        name
        for name, attr in spec.columns.items()
        if name in inputs and name != "custom" and isinstance(attr.columns[0].type, JSON)
    }


def _datetime_fields(spec: ObjectSpec) -> tuple[str, ...]:
    inputs = spec.input_schema.model_fields
    return tuple(n for n in inputs if n in spec.columns and spec.python_type(n) is datetime)


def _rejected(row: RowIn, errors: list[FieldError]) -> RowResult:
    return RowResult(row.line, "rejected", None, errors)


def _schema_errors(exc: ValidationError) -> list[FieldError]:
    return [FieldError(list(e["loc"]), e["msg"], e["type"]) for e in exc.errors(include_url=False)]


def _kith_errors(exc: KithError) -> list[FieldError]:
    """Field errors without the HTTP ``body`` prefix; the detail when there are none."""
    if not exc.errors:
        return [FieldError([], exc.detail, "permission_error" if exc.status == 403 else "error")]
    return [
        FieldError(e.path[1:] if e.path[:1] == ["body"] else e.path, e.message, e.type)
        for e in exc.errors
    ]
