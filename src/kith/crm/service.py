"""Use cases over CRM records: create, read, update, delete, list, timeline.

Every entry point calls these; they ask ``access.policy`` for permission,
validate references and custom fields, apply the object's rules, and append
domain events to the unit of work. They never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from kith.access import policy
from kith.access.models import User
from kith.access.principal import Principal
from kith.core.clock import as_utc, utcnow
from kith.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from kith.crm import custom_fields, persons
from kith.crm.query import ListQuery, encode_cursor
from kith.crm.refs import customer_refs
from kith.crm.repository import RecordRepository
from kith.crm.rules import RULES, RuleContext
from kith.crm.specs import SPECS, ObjectSpec
from kith.db.base import RecordMixin
from kith.db.uow import UnitOfWork
from kith.events.types import DomainEvent, EventType, record_event
from kith.timeline.models import TimelineEntry

MASK = "***"


# How long an agent leaves a record alone after a person changed it.
PERSON_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class Group:
    """One group of an aggregate: its key values, how many rows, and the sum of the measure
    (None when only counting)."""

    key: dict[str, Any]
    count: int
    total: Decimal | None


def to_dict(spec: ObjectSpec, record: RecordMixin) -> dict[str, Any]:
    return {name: getattr(record, name) for name in spec.columns}


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class RecordService:
    def __init__(
        self, uow: UnitOfWork, principal: Principal, clock: Callable[[], datetime] = utcnow
    ) -> None:
        """``clock`` lets imports and the demo loader record when things really happened."""
        self.uow = uow
        self.principal = principal
        self.clock = clock
        self.repo = RecordRepository(uow.session, principal)

    # --- reads ---------------------------------------------------------------

    def get(self, object_type: str, record_id: str) -> dict[str, Any]:
        spec = SPECS[object_type]
        record = self.load(spec, record_id, "read")
        return self._present(spec, record)

    def list_page(self, object_type: str, query: ListQuery) -> Page:
        spec = SPECS[object_type]
        policy.require(self.principal, spec.name, "read")
        self._refuse_hidden(spec, query, [("query", "sort", query.sort.field)])
        rows, more = self.repo.page(spec, query)
        items = [self._present(spec, r, audit=False) for r in rows]
        cursor = None
        if more and rows:
            last = rows[-1]
            cursor = encode_cursor(getattr(last, query.sort.field), last.id)
        self._audit_sensitive_list(spec, len(items))
        return Page(items, cursor)

    def count(self, object_type: str, query: ListQuery) -> int:
        """How many records the list has over all its pages (what the caller may read)."""
        spec = SPECS[object_type]
        policy.require(self.principal, spec.name, "read")
        self._refuse_hidden(spec, query, [])
        return self.repo.count(spec, query)

    def aggregate(
        self,
        object_type: str,
        query: ListQuery,
        *,
        measure: str | None = None,
        group_by: tuple[str, ...] = (),
    ) -> list[Group]:
        """Counts and sums over every record the principal may read (row scoping as for
        lists); a hidden field can be neither filtered, summed nor grouped by."""
        spec = SPECS[object_type]
        policy.require(self.principal, spec.name, "read")
        named = [("body", "group_by", g) for g in group_by]
        if measure:
            named.append(("body", "measure", measure))
        self._refuse_hidden(spec, query, named)
        for _, key, name in named:
            if name not in spec.columns:
                raise ValidationFailed(
                    f"{name} is not a field of {spec.plural}",
                    [FieldError(["body", key], f"unknown field {name}")],
                )
        rows = self.repo.aggregate(spec, query, measure, group_by)
        return [
            Group(
                dict(zip(group_by, keys, strict=True)),
                count,
                None if not measure else Decimal(str(total or 0)),
            )
            for keys, count, total in rows
        ]

    def _refuse_hidden(
        self, spec: ObjectSpec, query: ListQuery, named: list[tuple[str, str, str]]
    ) -> None:
        """Name every hidden field the query uses in one error, before any SQL is built
        (the repository refuses a hidden filter on its own too, for every other caller)."""
        used = [(("query", "filter"), f.field) for f in query.filters]
        used += [((where, key), name) for where, key, name in named]
        self.repo.refuse_hidden(spec, used)

    def timeline(
        self, object_type: str, record_id: str, limit: int = 50, before: str | None = None
    ) -> list[dict[str, Any]]:
        spec = SPECS[object_type]
        record = self.load(spec, record_id, "read")
        entry = TimelineEntry
        about = (entry.subject_type == spec.name) & (entry.subject_id == record.id)
        if spec.name == "account":
            about = about | (entry.account_id == record.id)
        elif spec.name == "contact":
            # A person's timeline spans every contact linked to them (kith.crm.persons).
            ids = [record.id, *self.linked_contacts(record.id)]
            about = ((entry.subject_type == spec.name) & entry.subject_id.in_(ids)) | (
                entry.contact_id.in_(ids)
            )
        stmt = select(entry).where(entry.tenant_id == self.principal.tenant_id, about)
        if before:
            stmt = stmt.where(entry.id < before)
        rows = self.uow.session.scalars(
            stmt.order_by(entry.occurred_at.desc(), entry.id.desc()).limit(limit)
        )
        readable = {
            name for name in SPECS if policy.scope_for(self.principal, name, "read") is not None
        }
        return [self._present_entry(e) for e in rows if e.subject_type in readable]

    # --- writes --------------------------------------------------------------

    def create(self, object_type: str, payload: BaseModel) -> dict[str, Any]:
        spec = SPECS[object_type]
        policy.require(self.principal, spec.name, "create")
        values = _values(payload, exclude_unset=True)
        policy.require_writable(self.principal, spec.name, values)
        owner_id = values.pop("owner_id", None) or self.principal.user_id
        self._check_owner(spec, owner_id, "create")
        self._check_references(spec, values)
        custom = custom_fields.validate(
            self.repo.custom_fields(spec.name), values.pop("custom", {}), creating=True
        )
        now = self.clock()
        actor = self.principal.actor
        record = spec.model(
            tenant_id=self.principal.tenant_id,
            owner_id=owner_id,
            custom=custom,
            created_by_kind=actor.kind,
            created_by_id=actor.id,
            updated_by_kind=actor.kind,
            updated_by_id=actor.id,
            created_at=now,
            updated_at=now,
            **_defaults(payload, values),
        )
        generated_id = record.id is None
        if generated_id:
            from kith.core.ids import new_id

            record.id = new_id()
        ctx = RuleContext(self.repo, self.principal, now, {}, True)
        extra = self._apply_rule(spec, ctx, record, set(values))
        self.uow.session.add(record)
        self.uow.session.flush()
        self.repo.index_for_search(spec, record, new=generated_id)
        self.uow.emit(self._change_event(spec, record, _created_event(spec, record), {}, now))
        for event in extra:
            self.uow.emit(event)
        return self._present(spec, record, audit=False)

    def update(self, object_type: str, record_id: str, patch: BaseModel) -> dict[str, Any]:
        spec = SPECS[object_type]
        record = self.load(spec, record_id, "update")
        values = _values(patch, exclude_unset=True)
        expected = values.pop("version")
        self.check_version(spec, record, expected)
        self.check_person_lease(spec, record)
        previous = to_dict(spec, record)
        changed = {k for k, v in values.items() if k == "custom" or previous.get(k) != v}
        policy.require_writable(self.principal, spec.name, changed - {"custom"})
        self._reject_nulls(spec, values)
        if "owner_id" in changed:
            self._check_owner(spec, values["owner_id"], "update")
        self._check_references(spec, {k: values[k] for k in changed if k != "custom"})
        if "custom" in values:
            merged = {**(record.custom or {}), **values.pop("custom")}
            record.custom = custom_fields.validate(
                self.repo.custom_fields(spec.name), merged, creating=False
            )
            if record.custom == previous.get("custom"):
                changed.discard("custom")
        for name in changed - {"custom"}:
            setattr(record, name, values[name])
        if not changed:
            return self._present(spec, record, audit=False)
        now = self.clock()
        record.updated_at = now
        record.updated_by_kind = self.principal.kind
        record.updated_by_id = self.principal.id
        ctx = RuleContext(self.repo, self.principal, now, previous, False)
        extra = self._apply_rule(spec, ctx, record, changed)
        self.flush_checked(spec, record)
        self.repo.index_for_search(spec, record)
        diff = {k: [previous.get(k), getattr(record, k)] for k in changed}
        self.uow.emit(
            self._change_event(spec, record, record_event(spec.name, "updated"), diff, now)
        )
        for event in extra:
            self.uow.emit(event)
        return self._present(spec, record, audit=False)

    def delete(self, object_type: str, record_id: str, version: int) -> None:
        spec = SPECS[object_type]
        record = self.load(spec, record_id, "delete")
        self.check_version(spec, record, version)
        self.check_person_lease(spec, record)
        now = self.clock()
        record.deleted_at = now
        record.updated_at = now
        record.updated_by_kind = self.principal.kind
        record.updated_by_id = self.principal.id
        self.flush_checked(spec, record)
        self.repo.unindex(spec, record.id)
        self.uow.emit(self._change_event(spec, record, record_event(spec.name, "deleted"), {}, now))

    # --- helpers -------------------------------------------------------------

    def linked_contacts(self, contact_id: str) -> list[str]:
        """The other contacts of the same person (identity graph) this reader may see."""
        linked = persons.linked_contacts(self.uow.session, self.principal.tenant_id, contact_id)
        return [c for c in linked[1:] if self._readable(SPECS["contact"], c)]

    def person_of(self, contact_id: str) -> dict[str, Any] | None:
        """The person a contact belongs to (identity graph): its id, segment, the other
        contacts linked to it that this reader may see, and its identities."""
        spec = SPECS["contact"]
        self.load(spec, contact_id, "read")
        found = persons.person_summary(self.uow.session, self.principal, contact_id)
        if found is None:
            return None
        linked = [c for c in found["linked_contacts"] if self._readable(spec, c)]
        hidden = set(found["linked_contacts"]) - set(linked)
        identities = [
            i for i in found["identities"] if not (i["kind"] == "contact" and i["ref"] in hidden)
        ]
        return {**found, "linked_contacts": linked, "identities": identities}

    def _readable(self, spec: ObjectSpec, record_id: str) -> bool:
        record = self.repo.find(spec, record_id)
        return record is not None and policy.may_act_on(
            self.principal, spec.name, "read", record.owner_id
        )

    def load(self, spec: ObjectSpec, record_id: str, action: str) -> Any:
        """404 for records outside the tenant or the read scope; 403 beyond that."""
        policy.require(self.principal, spec.name, "read")
        record = self.repo.find(spec, record_id)
        if record is None or not policy.may_act_on(
            self.principal, spec.name, "read", record.owner_id
        ):
            raise NotFound(f"{spec.name} {record_id} not found")
        if action != "read":
            policy.require_on_record(self.principal, spec.name, action, record.owner_id)  # type: ignore[arg-type]
        return record

    def check_version(self, spec: ObjectSpec, record: RecordMixin, expected: int) -> None:
        if record.version != expected:
            changed_by = self.last_changer(spec, record)
            who = changed_by.get("name") or changed_by["kind"]
            raise Conflict(
                f"{spec.name} {record.id} was changed by {who} ({changed_by['kind']}): you "
                f"have version {expected}, the current version is {record.version}",
                [
                    FieldError(
                        ["body", "version"],
                        f"stale; current is {record.version}",
                        "version_conflict",
                    )
                ],
                changed_by=changed_by,
            )

    def check_person_lease(self, spec: ObjectSpec, record: RecordMixin) -> None:
        """An agent leaves a record alone for ``PERSON_LEASE`` after a person changed it
        (took a ticket, moved a deal), unless it works for that person: the person's
        click must not meet a 409 caused by an agent 140 ms earlier."""
        if self.principal.kind != "agent" or record.updated_by_kind != "user":
            return
        if record.version <= 1 or record.updated_by_id == self.principal.user_id:
            return
        held_for = self.clock() - as_utc(record.updated_at)
        if held_for >= PERSON_LEASE:
            return
        changed_by = self.last_changer(spec, record)
        minutes = int(held_for.total_seconds() // 60)
        raise Conflict(
            f"{changed_by.get('name') or 'a person'} changed {spec.name} {record.id} "
            f"{minutes} min ago; agents leave it to them for "
            f"{int(PERSON_LEASE.total_seconds() // 60)} minutes",
            [FieldError(["record_id"], "a person is working on this record", "person_lease")],
            changed_by=changed_by,
        )

    def last_changer(self, spec: ObjectSpec, record: RecordMixin) -> dict[str, Any]:
        """Who changed the record last, by name: a person's from the users, an agent's
        or an API key's from the record's own timeline."""
        kind, actor_id = record.updated_by_kind, record.updated_by_id
        out: dict[str, Any] = {"kind": kind, "id": actor_id, "at": record.updated_at}
        if kind == "user" and actor_id:
            user = self.uow.session.get(User, actor_id)
            out["name"] = user.name if user is not None else None
            return out
        t = TimelineEntry
        name = self.uow.session.scalar(
            select(t.actor_name)
            .where(
                t.tenant_id == self.principal.tenant_id,
                t.subject_type == spec.name,
                t.subject_id == record.id,
                t.actor_id == actor_id,
            )
            .order_by(t.occurred_at.desc())
            .limit(1)
        )
        out["name"] = name
        return out

    def flush_checked(self, spec: ObjectSpec, record: RecordMixin) -> None:
        try:
            self.uow.session.flush()
        except StaleDataError as exc:
            raise Conflict(f"{spec.name} {record.id} was changed concurrently; reload it") from exc

    def _check_owner(self, spec: ObjectSpec, owner_id: str | None, action: str) -> None:
        if owner_id is None:
            return
        user = self.uow.session.get(User, owner_id)
        if user is None or user.tenant_id != self.principal.tenant_id:
            raise ValidationFailed(
                "unknown owner", [FieldError(["body", "owner_id"], "no such user")]
            )
        if not policy.may_act_on(self.principal, spec.name, action, owner_id):  # type: ignore[arg-type]
            raise ValidationFailed(
                "owner is outside your record scope",
                [FieldError(["body", "owner_id"], "you cannot assign records to this user")],
            )

    def _check_references(self, spec: ObjectSpec, values: dict[str, Any]) -> None:
        errors = [
            FieldError(["body", name], f"no {target} with this id")
            for name, target in spec.references.items()
            if values.get(name) and not self.repo.exists(target, values[name])
        ]
        if errors:
            raise ValidationFailed("Some references do not exist", errors)

    def _reject_nulls(self, spec: ObjectSpec, values: dict[str, Any]) -> None:
        columns = spec.columns
        errors = [
            FieldError(["body", k], "may not be null")
            for k, v in values.items()
            if v is None and k in columns and not columns[k].columns[0].nullable
        ]
        if errors:
            raise ValidationFailed("Required fields cannot be cleared", errors)

    def _apply_rule(
        self, spec: ObjectSpec, ctx: RuleContext, record: RecordMixin, changed: set[str]
    ) -> list[DomainEvent]:
        rule = RULES.get(spec.name)
        return rule(ctx, record, changed) if rule else []

    def _change_event(
        self,
        spec: ObjectSpec,
        record: RecordMixin,
        type_: EventType,
        diff: dict[str, Any],
        now: datetime,
    ) -> DomainEvent:
        account_id, contact_id = customer_refs(record)
        masked = {
            k: ([MASK, MASK] if k in spec.sensitive_fields else [jsonable(a) for a in v])
            for k, v in diff.items()
        }
        title = getattr(record, spec.title_field, None) or record.id
        verb = type_.rsplit(".", 1)[1]
        payload: dict[str, Any] = {"version": record.version}
        if masked:
            payload["changes"] = masked
        if not diff and verb != "deleted":
            payload["record"] = _snapshot(spec, record)
        return DomainEvent(
            type=type_,
            tenant_id=record.tenant_id,
            subject_type=spec.name,
            subject_id=record.id,
            actor=self.principal.actor,
            payload=payload,
            account_id=account_id,
            contact_id=contact_id,
            summary=f"{spec.name} {verb}: {title}"[:500],
            occurred_at=now,
        )

    def _present(self, spec: ObjectSpec, record: RecordMixin, audit: bool = True) -> dict[str, Any]:
        data = policy.strip_hidden(self.principal, spec.name, to_dict(spec, record))
        if audit:
            shown = sorted(f for f in spec.sensitive_fields if data.get(f) is not None)
            if shown:
                self.uow.audit(
                    self.principal.tenant_id,
                    self.principal.actor,
                    "sensitive_read",
                    spec.name,
                    record.id,
                    fields=shown,
                )
        return data

    def _audit_sensitive_list(self, spec: ObjectSpec, count: int) -> None:
        visible = spec.sensitive_fields - policy.hidden_fields(self.principal, spec.name)
        if visible and count:
            self.uow.audit(
                self.principal.tenant_id,
                self.principal.actor,
                "sensitive_list",
                spec.name,
                None,
                fields=sorted(visible),
                rows=count,
            )

    def _present_entry(self, entry: TimelineEntry) -> dict[str, Any]:
        payload = dict(entry.payload or {})
        changes = payload.get("changes")
        if isinstance(changes, dict):
            payload["changes"] = policy.strip_hidden(self.principal, entry.subject_type, changes)
        return {
            "id": entry.id,
            "event_type": entry.event_type,
            "subject_type": entry.subject_type,
            "subject_id": entry.subject_id,
            "actor_kind": entry.actor_kind,
            "actor_id": entry.actor_id,
            "actor_name": entry.actor_name,
            "summary": entry.summary,
            "payload": payload,
            "occurred_at": entry.occurred_at,
        }


def _snapshot(spec: ObjectSpec, record: RecordMixin) -> dict[str, Any]:
    """The new record as consumers (agents) see it; sensitive values never travel."""
    return {
        k: jsonable(v)
        for k, v in to_dict(spec, record).items()
        if k not in spec.sensitive_fields and v is not None and v != [] and v != {}
    }


def _created_event(spec: ObjectSpec, record: RecordMixin) -> EventType:
    if spec.name == "interaction":
        inbound = record.direction == "inbound"  # type: ignore[attr-defined]
        return EventType.INTERACTION_RECEIVED if inbound else EventType.INTERACTION_SENT
    return record_event(spec.name, "created")


def _values(model: BaseModel, exclude_unset: bool) -> dict[str, Any]:
    """Python values for scalar fields, JSON-safe values for JSON columns."""
    python = model.model_dump(exclude_unset=exclude_unset)
    as_json = model.model_dump(exclude_unset=exclude_unset, mode="json")
    return {
        k: (as_json[k] if isinstance(v, list | dict) and k != "custom" else v)
        for k, v in python.items()
    }


def _defaults(payload: BaseModel, values: dict[str, Any]) -> dict[str, Any]:
    """Unset fields take the schema's defaults (e.g. ticket status 'new')."""
    full = _values(payload, exclude_unset=False)
    full.pop("owner_id", None)
    full.pop("custom", None)
    return {**full, **values}
