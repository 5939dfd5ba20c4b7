"""Loading a demo plan: people and pipelines first, then every step through the record service.

Nothing is written around the service layer: each step is a ``RecordService``
create or update made by the step's actor (a person, or an integration's API
key), with the service's clock set to when the step happened. So the outbox,
the timeline, stage and status histories and the search index come out
exactly as they would from real use — only backdated.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kith.access import service as access
from kith.access.models import ApiKey, Team, User
from kith.access.principal import Principal
from kith.container import Container
from kith.core.clock import utcnow
from kith.core.errors import KithError
from kith.core.ids import new_id
from kith.crm import models as m
from kith.crm import schemas as s
from kith.crm.repository import RecordRepository
from kith.crm.service import RecordService
from kith.crm.specs import PATCH_SCHEMAS, SPECS
from kith.demo.concepts import seed_health_story
from kith.demo.fieldservice import seed_field_story
from kith.demo.flows import seed_flows
from kith.demo.generator import build_plan
from kith.demo.identity import seed_identity_story
from kith.demo.inbox import seed_inbox
from kith.demo.knowledge import seed_knowledge_story
from kith.demo.payments import seed_payment_story
from kith.demo.plan import EXTERNAL_ID_PREFIX, Plan, Ref, Step
from kith.demo.playbooks import seed_playbooks
from kith.events.models import OutboxEvent
from kith.privacy.schemas import ConsentIn
from kith.privacy.service import ConsentService
from kith.search.models import SearchDocument
from kith.timeline.models import TimelineEntry

# The fleet pipeline is created in the first commit; finding it means the demo is loaded.
MARKER_EXTERNAL_ID = EXTERNAL_ID_PREFIX + "pipeline:fleet"
BATCH_SIZE = 400  # steps per commit
TENANT_NAME = "华辰科技 Huachen (demo)"
# The demo's channel names where the consent ledger's differ.
CONSENT_CHANNELS = {"app": "app_push"}
CONSENT_EVENTS = {"consent.granted": "granted", "consent.revoked": "revoked"}

Progress = Callable[[int, int], None]  # (steps done, steps in total)


class DemoLoadError(Exception):
    """A step the service refused; the message names the step and the reason.

    ``partial`` tells whether earlier batches were already committed.
    """

    def __init__(self, message: str, partial: bool) -> None:
        super().__init__(message)
        self.partial = partial


@dataclass(frozen=True)
class DemoResult:
    status: Literal["loaded", "already_loaded"]
    tenant: str
    seconds: float
    counts: dict[str, int]
    seed: int | None = None
    scale: float | None = None
    anchor: datetime | None = None


class SettableClock:
    """The ``clock`` handed to the record service: returns whatever time the loader set."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def load_demo(
    container: Container,
    *,
    tenant_slug: str,
    password: str,
    seed: int,
    scale: float,
    anchor: datetime,
    enforce_strength: bool = False,
    on_progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> DemoResult:
    """Load the demo into ``tenant_slug`` (created if missing) unless it is already there."""
    started = time.perf_counter()
    with container.uow() as uow:
        tenant = access.ensure_tenant(uow.session, tenant_slug, TENANT_NAME)
        loaded = demo_present(uow.session, tenant.id)
        uow.commit()
    if loaded:
        counts = count_records(container, tenant.id)
        return DemoResult("already_loaded", tenant_slug, time.perf_counter() - started, counts)
    plan = build_plan(seed, scale, anchor)
    loader = PlanLoader(container, tenant.id, plan)
    loader.set_up(password, enforce_strength)
    loader.replay(batch_size, on_progress)
    seed_payment_story(container, tenant.id, plan.anchor)
    seed_knowledge_story(container, tenant.id, plan.anchor)
    seed_identity_story(container, tenant.id, plan.anchor)
    seed_playbooks(container, tenant.id, plan.anchor, seed)
    seed_flows(container, tenant.id)
    seed_field_story(container, tenant.id, plan.anchor)
    seed_health_story(container, tenant.id, plan.anchor)
    seed_inbox(container, tenant.id, plan.anchor)
    archive_history(container, tenant.id)
    return DemoResult(
        "loaded",
        tenant_slug,
        time.perf_counter() - started,
        count_records(container, tenant.id),
        seed,
        scale,
        plan.anchor,
    )


def archive_history(container: Container, tenant_id: str) -> None:
    """The demo's 18 months are history, not news: mark its events as relayed so the
    agents that `kith serve` starts react only to what happens from now on."""
    with container.uow() as uow:
        uow.session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.tenant_id == tenant_id, OutboxEvent.published_at.is_(None))
            .values(published_at=utcnow())
        )
        uow.commit()


def demo_present(session: Session, tenant_id: str) -> bool:
    repo = RecordRepository(session, access.system_principal(tenant_id))
    return repo.find_by(SPECS["pipeline"], external_id=MARKER_EXTERNAL_ID) is not None


class PlanLoader:
    def __init__(self, container: Container, tenant_id: str, plan: Plan) -> None:
        self.container = container
        self.tenant_id = tenant_id
        self.plan = plan
        self.clock = SettableClock(plan.start)
        self.ids: dict[str, str] = {}  # plan key -> database id
        self.versions: dict[str, int] = {}  # plan key -> last version seen
        self.principals: dict[str, Principal] = {}  # actor key -> who acts

    # --- people, integrations and pipelines ------------------------------------------

    def set_up(self, password: str, enforce_strength: bool) -> None:
        with self.container.uow() as uow:
            try:
                users = self._create_people(uow.session, password, enforce_strength)
                self._create_integrations(uow.session, users[self.plan.admin])
                self._create_pipelines(uow.session, RecordService(uow, self._admin, self.clock))
            except KithError as exc:
                message = f"setting up the demo workspace: {describe(exc)}"
                raise DemoLoadError(message, partial=False) from exc
            uow.commit()

    @property
    def _admin(self) -> Principal:
        return self.principals[self.plan.admin]

    def _create_people(
        self, session: Session, password: str, enforce_strength: bool
    ) -> dict[str, User]:
        users: dict[str, User] = {}
        for u in self.plan.users:
            users[u.key] = access.create_user(
                session,
                self.tenant_id,
                email=u.email,
                name=u.name,
                password=password,
                roles=list(u.roles),
                title=u.title,
                locale=u.locale,
                enforce_strength=enforce_strength,
            )
            self.ids[u.key] = users[u.key].id
        for t in self.plan.teams:
            members = [users[k] for k in t.members]
            team = access.add_team(session, self.tenant_id, t.name, users[t.manager], members)
            self.ids[t.key] = team.id
        # Principals after the teams exist: team scopes depend on membership.
        for key, user in users.items():
            self.principals[key] = access.principal_for_user(session, user)
        return users

    def _create_integrations(self, session: Session, admin: User) -> None:
        """One API key per integration; its secret is discarded, nobody can sign in with it."""
        for integration in self.plan.integrations:
            key, _secret = access.create_api_key(
                session, admin, integration.name, list(integration.scopes)
            )
            self.principals[integration.key] = access.principal_for_user(
                session,
                admin,
                kind="api_key",
                principal_id=key.id,
                name=f"API key {key.name}",
                api_scopes=frozenset(key.scopes),
            )

    def _create_pipelines(self, session: Session, records: RecordService) -> None:
        for pipeline in self.plan.pipelines:
            self.clock.now = pipeline.created
            created = records.create(
                "pipeline",
                s.PipelineIn(
                    name=pipeline.name,
                    is_default=pipeline.is_default,
                    external_id=EXTERNAL_ID_PREFIX + pipeline.key,
                ),
            )
            self.ids[pipeline.key] = created["id"]
            for position, stage in enumerate(pipeline.stages):
                row = m.PipelineStage(
                    id=new_id(),
                    tenant_id=self.tenant_id,
                    pipeline_id=created["id"],
                    name=stage.name,
                    position=position,
                    probability=stage.probability,
                    kind=stage.kind,
                    created_at=pipeline.created,
                    updated_at=pipeline.created,
                )
                session.add(row)
                self.ids[f"stage:{pipeline.key}:{stage.name}"] = row.id
        session.flush()

    # --- the steps -------------------------------------------------------------------

    def replay(self, batch_size: int, on_progress: Progress | None) -> None:
        steps = self.plan.ordered_steps()
        for first in range(0, len(steps), batch_size):
            batch = steps[first : first + batch_size]
            with self.container.uow() as uow:
                services: dict[str, RecordService] = {}
                for done, step in enumerate(batch, start=first + 1):
                    if step.actor not in services:
                        principal = self.principals[step.actor]
                        services[step.actor] = RecordService(uow, principal, self.clock)
                    try:
                        self._apply(services[step.actor], step)
                    except (KithError, ValidationError) as exc:
                        message = (
                            f"{step.actor} could not {step.op} {step.object_type} {step.key} "
                            f"at {step.at:%Y-%m-%d %H:%M}: {describe(exc)}"
                        )
                        # The set-up (people, pipelines) is always committed by now.
                        raise DemoLoadError(message, partial=True) from exc
                    if on_progress is not None and done % 50 == 0:
                        on_progress(done, len(steps))
                uow.commit()
        if on_progress is not None:
            on_progress(len(steps), len(steps))

    def _apply(self, records: RecordService, step: Step) -> None:
        """One create or update, as the step's actor, at the step's time."""
        self.clock.now = step.at
        fields = self._resolve(step.fields)
        if step.op == "create":
            payload = SPECS[step.object_type].input_schema(**fields)
            result = records.create(step.object_type, payload)
            self.ids[step.key] = result["id"]
            if step.object_type == "interaction":
                self._record_consent(records, fields, step.at)
        else:
            patch = PATCH_SCHEMAS[step.object_type](version=self.versions[step.key], **fields)
            result = records.update(step.object_type, self.ids[step.key], patch)
        self.versions[step.key] = result["version"]

    def _record_consent(self, records: RecordService, fields: dict[str, Any], at: datetime) -> None:
        """A consent statement the person made (an app setting, a call) goes into the
        consent ledger too: the gateway checks the ledger, not interactions."""
        meta = fields.get("meta") or {}
        state = CONSENT_EVENTS.get(str(meta.get("event")))
        if state is None:
            return
        ledger = ConsentService(records.uow, records.principal, self.clock)
        for channel in meta.get("channels") or ["*"]:
            statement = ConsentIn.model_validate(
                {
                    "purpose": meta["purpose"],
                    "channel": CONSENT_CHANNELS.get(channel, channel),
                    "state": state,
                    "source": "app",
                    "at": at,
                    "evidence": fields.get("text") or fields.get("subject"),
                }
            )
            ledger.record(fields["contact_id"], statement)

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, Ref):
            return self.ids[value.key]
        if isinstance(value, dict):
            return {k: self._resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        return value


def describe(exc: Exception) -> str:
    if isinstance(exc, KithError):
        details = "; ".join(f"{'.'.join(map(str, e.path))}: {e.message}" for e in exc.errors)
        return f"{exc.detail} ({details})" if details else exc.detail
    return str(exc)


# --- what is in the workspace ----------------------------------------------------------

RECORD_TABLES: dict[str, Any] = {
    "accounts": m.Account,
    "contacts": m.Contact,
    "leads": m.Lead,
    "pipelines": m.Pipeline,
    "deals": m.Deal,
    "tickets": m.Ticket,
    "activities": m.Activity,
    "interactions": m.Interaction,
    "products": m.Product,
    "orders": m.Order,
}
OTHER_TABLES: dict[str, Any] = {
    "users": User,
    "teams": Team,
    "api_keys": ApiKey,
    "pipeline_stages": m.PipelineStage,
    "deal_stage_changes": m.DealStageChange,
    "ticket_status_changes": m.TicketStatusChange,
    "timeline_entries": TimelineEntry,
    "events": OutboxEvent,
    "search_documents": SearchDocument,
}


def count_records(container: Container, tenant_id: str) -> dict[str, int]:
    """Live rows per table in the tenant (soft-deleted records are not counted)."""
    counts: dict[str, int] = {}
    with container.uow() as uow:
        for name, model in RECORD_TABLES.items():
            stmt = select(func.count()).where(
                model.tenant_id == tenant_id, model.deleted_at.is_(None)
            )
            counts[name] = int(uow.session.scalar(stmt) or 0)
        for name, model in OTHER_TABLES.items():
            stmt = select(func.count()).where(model.tenant_id == tenant_id)
            counts[name] = int(uow.session.scalar(stmt) or 0)
    return counts
