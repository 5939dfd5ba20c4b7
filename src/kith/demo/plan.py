"""The demo plan: every record and every change the loader will make, when, and by whom.

Generating and loading are separate on purpose. The generator is pure: given
a seed, a scale and an anchor time it returns the same ``Plan`` every time, and
tests can inspect it (stage histories, persona dates) without a database. The
loader then replays the plan's steps in time order through the record service.

Records refer to each other by *keys* (``Ref("contact:zhang-jianguo")``), not
ids: ids are random and only exist once the loader has created the record.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, Literal

from kith.demo.vocab import STAGES_BY_PIPELINE, StageDef

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST, so a fixed offset is exact
WINDOW_DAYS = 548  # the dataset's history: eighteen months up to the anchor
EXTERNAL_ID_PREFIX = "demo:"

# Full-scale sizes the brief asks for; ``--scale`` multiplies them.
BASE_COUNTS: dict[str, int] = {
    "account": 200,
    "contact": 1000,
    "lead": 100,
    "deal": 500,
    "ticket": 300,
    "interaction": 5000,
    "activity": 1500,
}


@dataclass(frozen=True)
class Ref:
    """A planned record, user, team or pipeline stage; the loader swaps it for the id."""

    key: str


Op = Literal["create", "update"]


@dataclass(frozen=True)
class Step:
    """One call of the record service: who does what to which record, and when."""

    at: datetime
    seq: int  # order of planning; breaks ties between steps at the same instant
    op: Op
    object_type: str
    key: str
    actor: str  # a user key ("user:wangqiang") or an integration key ("bot:iot")
    fields: dict[str, Any]


@dataclass(frozen=True)
class UserDef:
    key: str
    email: str
    name: str
    title: str
    roles: tuple[str, ...]
    locale: str = "zh-CN"


@dataclass(frozen=True)
class TeamDef:
    key: str
    name: str
    manager: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class IntegrationDef:
    """An integration writes through an API key of the admin, narrowed to its scopes."""

    key: str
    name: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class PipelineDef:
    key: str
    name: str
    is_default: bool
    stages: tuple[StageDef, ...]
    created: datetime


# --- facts the generators share ------------------------------------------------
# Mutable while the plan is built, so later generators (deals, tickets, signals)
# can attach to what earlier ones (accounts, contacts) made.


@dataclass
class ContactFact:
    key: str
    name: str
    title: str
    account: AccountFact | None
    owner: str | None
    english: bool
    city: str
    created: datetime
    ev_model: str | None = None  # product key of the car an EV owner drives
    vin: str | None = None
    cell_batch: str | None = None
    purchased: datetime | None = None
    soh_loss_per_month: float = 0.0  # battery state-of-health lost per month, in %
    km_per_month: int = 0
    primary: bool = True  # False for the second record of a duplicated person (S7)
    persona: bool = False


@dataclass
class AccountFact:
    key: str
    name: str
    short_name: str
    industry: str
    pipeline: str
    city: str
    country: str
    currency: str
    owner: str
    english: bool
    tier: str
    created: datetime
    domain: str = "customer.example"  # web and e-mail domain
    contacts: list[ContactFact] = field(default_factory=list)
    persona: bool = False


@dataclass
class DealFact:
    key: str
    name: str
    account: AccountFact
    contact: ContactFact
    owner: str
    pipeline: str
    offer: str  # product key
    quantity: int
    amount: int
    created: datetime
    path: list[tuple[int, datetime]]  # (stage index, entered at), first = created
    persona: bool = False

    @property
    def final_stage(self) -> StageDef:
        return STAGES_BY_PIPELINE[self.pipeline][self.path[-1][0]]

    @property
    def closed_at(self) -> datetime | None:
        return self.path[-1][1] if self.final_stage.kind != "open" else None


@dataclass
class TicketFact:
    key: str
    contact: ContactFact
    account: AccountFact | None
    assignee: str
    category: str
    created: datetime
    path: list[tuple[str, datetime]]  # (status, at), first = ("new", created)


@dataclass
class Plan:
    seed: int
    scale: float
    anchor: datetime
    start: datetime
    users: tuple[UserDef, ...]
    teams: tuple[TeamDef, ...]
    integrations: tuple[IntegrationDef, ...]
    pipelines: tuple[PipelineDef, ...]
    admin: str  # the user key that sets things up (pipelines, products, API keys)
    steps: list[Step]
    deals: list[DealFact]
    tickets: list[TicketFact]
    late: list[tuple[datetime, datetime]]  # (drawn, used) for steps moved later

    def ordered_steps(self) -> list[Step]:
        """Steps in the order they happened, so events and ids follow real time."""
        return sorted(self.steps, key=lambda s: (s.at, s.seq))

    def created(self) -> Counter[str]:
        return Counter(s.object_type for s in self.steps if s.op == "create")

    def updated(self) -> Counter[str]:
        return Counter(s.object_type for s in self.steps if s.op == "update")

    def problems(self) -> list[str]:
        """Reasons the plan could not be replayed as is (empty when it can)."""
        seen: set[str] = set()
        known = {u.key for u in self.users} | {t.key for t in self.teams}
        known |= {f"stage:{p.key}:{s.name}" for p in self.pipelines for s in p.stages}
        known |= {p.key for p in self.pipelines}
        out: list[str] = []
        for step in self.ordered_steps():
            if step.at > self.anchor:
                out.append(f"{step.key} {step.op} at {step.at} is after the anchor")
            if step.op == "update" and step.key not in seen:
                out.append(f"{step.key} updated before it is created")
            for ref in refs_in(step.fields):
                if ref.key not in seen and ref.key not in known:
                    out.append(f"{step.key} refers to {ref.key} before it exists")
            if step.op == "create":
                if step.key in seen:
                    out.append(f"{step.key} created twice")
                seen.add(step.key)
        return out


def refs_in(value: Any) -> Iterator[Ref]:
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from refs_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from refs_in(item)


def scaled(name: str, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(BASE_COUNTS[name] * scale))


class PlanBuilder:
    """Collects steps; owns the one random source and the calendar helpers.

    ``create`` and ``update`` never let a step happen before the records it
    refers to exist (nor an update before the record's previous change): when
    a drawn time is too early it is moved just after, so every plan replays.
    """

    def __init__(self, seed: int, scale: float, anchor: datetime) -> None:
        if anchor.tzinfo is None:
            raise ValueError("the anchor must be timezone-aware")
        self.seed = seed
        self.scale = scale
        self.rng = random.Random(seed)
        self.anchor = anchor.astimezone(UTC)
        self.start = self.anchor - timedelta(days=WINDOW_DAYS)
        self.steps: list[Step] = []
        self.born: dict[str, datetime] = {}
        self.last_change: dict[str, datetime] = {}
        self.accounts: list[AccountFact] = []
        self.contacts: list[ContactFact] = []
        self.deals: list[DealFact] = []
        self.tickets: list[TicketFact] = []
        self.used_emails: set[str] = set()
        self.used_names: set[str] = set()  # persona names nobody else may have
        self.used_domains: set[str] = set()
        self._counters: Counter[str] = Counter()
        # Steps moved later than drawn because a record they refer to did not exist
        # yet: a generator bug if large (tests check), harmless if a few minutes.
        self.late: list[tuple[datetime, datetime]] = []

    # --- steps ---------------------------------------------------------------

    def create(
        self,
        object_type: str,
        key: str,
        at: datetime,
        actor: str,
        *,
        at_field: str | None = None,
        **fields: Any,
    ) -> datetime:
        """Plan a create; returns when it happens (``at`` or just after its references).

        ``at_field`` names the field that records when the thing happened
        (``occurred_at``, ``ordered_at``); it is set to the step's time.
        """
        when = self._not_before_refs(at, fields)
        if at_field is not None:
            fields[at_field] = when
        fields.setdefault("external_id", EXTERNAL_ID_PREFIX + key)
        self.steps.append(Step(when, len(self.steps), "create", object_type, key, actor, fields))
        self.born[key] = when
        self.last_change[key] = when
        return when

    def update(
        self, object_type: str, key: str, at: datetime, actor: str, **fields: Any
    ) -> datetime:
        previous = self.last_change[key] + timedelta(seconds=1)
        when = max(self._not_before_refs(at, fields), previous)
        self.steps.append(Step(when, len(self.steps), "update", object_type, key, actor, fields))
        self.last_change[key] = when
        return when

    def new_key(self, prefix: str) -> str:
        self._counters[prefix] += 1
        return f"{prefix}:{self._counters[prefix]:05d}"

    def count(self, object_type: str) -> int:
        return sum(1 for s in self.steps if s.op == "create" and s.object_type == object_type)

    def ready_at(self, fields: dict[str, Any]) -> datetime:
        """The first moment every record ``fields`` refers to exists."""
        born = [self.born[r.key] for r in refs_in(fields) if r.key in self.born]
        return max(born, default=self.start - timedelta(days=3650)) + timedelta(minutes=1)

    def _not_before_refs(self, at: datetime, fields: dict[str, Any]) -> datetime:
        when = max(at, self.ready_at(fields)).replace(microsecond=0)
        if when - at > timedelta(minutes=1):
            self.late.append((at, when))
        return when

    # --- calendar --------------------------------------------------------------

    def local(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A wall-clock time in China, as UTC."""
        return datetime.combine(day, time(hour, minute), CHINA).astimezone(UTC)

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(CHINA).date()

    def days_ago(self, days: float, hour: int, minute: int = 0) -> datetime:
        """``days`` before the anchor's date, at a given local time."""
        day = self.local_day(self.anchor) - timedelta(days=int(days))
        return self.local(day, hour, minute)

    def office_time(self, day: date) -> datetime:
        """A plausible working moment on ``day`` (weekends mostly become Friday)."""
        if day.weekday() >= 5 and self.rng.random() < 0.85:
            day -= timedelta(days=day.weekday() - 4)
        return self.local(day, self.rng.randint(9, 17), self.rng.choice((0, 10, 15, 20, 30, 45)))

    def any_time(self, day: date) -> datetime:
        """A moment a private person might write: mornings to late evening, any day."""
        return self.local(day, self.rng.randint(7, 22), self.rng.randint(0, 59))

    def between(self, after: datetime, before: datetime, office: bool = True) -> datetime:
        """A random moment in (after, before], on office hours when asked."""
        if before <= after:
            return after + timedelta(minutes=5)
        span = (before - after).total_seconds()
        moment = after + timedelta(seconds=self.rng.uniform(0, span))
        draw = self.office_time if office else self.any_time
        candidate = draw(self.local_day(moment))
        if after < candidate <= before:
            return candidate
        return moment.replace(microsecond=0)
