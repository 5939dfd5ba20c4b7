"""What the playbooks context reads about deals: a deal with its stage, account and
recent activities (for capture and the CEL ``deal`` variable), and the closed deals
the effect measurement compares. Every read is tenant-filtered; person-level scoping
of a deal is checked by the caller through ``RecordService.get`` first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kith.crm.models import Account, Activity, Deal, DealStageChange, PipelineStage
from kith.playbooks.rules import deal_features


@dataclass(frozen=True)
class AccountFacts:
    """What matching needs of an account (never its encrypted fields)."""

    name: str
    industry: str | None
    tier: str | None


@dataclass(frozen=True)
class DealContext:
    deal: Deal
    stage: PipelineStage | None
    account: AccountFacts | None

    @property
    def features(self) -> dict[str, str]:
        return deal_features(
            self.deal,
            self.stage.name if self.stage else None,
            self.account.industry if self.account else None,
            self.account.tier if self.account else None,
        )

    def cel(self) -> dict[str, Any]:
        """The ``deal`` variable of verification conditions."""
        d = self.deal
        return {
            "id": d.id,
            "status": d.status,
            "stage": self.stage.name if self.stage else "",
            "stage_kind": self.stage.kind if self.stage else "",
            "amount": float(d.amount) if d.amount is not None else 0.0,
            "probability": d.probability or 0,
        }


def deal_context(session: Session, tenant_id: str, deal_id: str) -> DealContext | None:
    deal = session.get(Deal, deal_id)
    if deal is None or deal.tenant_id != tenant_id or deal.deleted_at is not None:
        return None
    stage = session.get(PipelineStage, deal.stage_id)
    account = None
    if deal.account_id:
        row = session.execute(
            select(Account.name, Account.industry, Account.tier).where(
                Account.id == deal.account_id, Account.tenant_id == tenant_id
            )
        ).first()
        account = AccountFacts(row[0], row[1], row[2]) if row is not None else None
    return DealContext(deal, stage, account)


def recent_activities(
    session: Session, tenant_id: str, deal_id: str, limit: int = 12
) -> Sequence[Activity]:
    return session.scalars(
        select(Activity)
        .where(
            Activity.tenant_id == tenant_id,
            Activity.deal_id == deal_id,
            Activity.deleted_at.is_(None),
        )
        .order_by(Activity.created_at.desc(), Activity.id.desc())
        .limit(limit)
    ).all()


@dataclass(frozen=True)
class ClosedDeal:
    id: str
    won: bool
    cycle_days: float
    industry: str | None
    size: str | None
    stages: frozenset[str]  # every stage the deal was in
    owner_id: str | None


def closed_deals(session: Session, tenant_id: str) -> list[ClosedDeal]:
    """Every closed (won or lost) deal of the tenant with what matching needs."""
    rows = session.execute(
        select(Deal, Account.industry)
        .outerjoin(Account, Account.id == Deal.account_id)
        .where(
            Deal.tenant_id == tenant_id,
            Deal.deleted_at.is_(None),
            Deal.status.in_(("won", "lost")),
            Deal.closed_at.is_not(None),
        )
        .order_by(Deal.id)
    ).all()
    ids = [deal.id for deal, _ in rows]
    stages: dict[str, set[str]] = {i: set() for i in ids}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        for deal_id, from_id, to_id in session.execute(
            select(
                DealStageChange.deal_id, DealStageChange.from_stage_id, DealStageChange.to_stage_id
            ).where(DealStageChange.tenant_id == tenant_id, DealStageChange.deal_id.in_(part))
        ):
            stages[deal_id].add(to_id)
            if from_id:
                stages[deal_id].add(from_id)
    out = []
    for deal, industry in rows:
        closed: datetime = deal.closed_at
        cycle = (closed - deal.created_at).total_seconds() / 86400
        features = deal_features(deal, None, industry, None)
        out.append(
            ClosedDeal(
                deal.id,
                deal.status == "won",
                max(cycle, 0.0),
                features.get("industry") or (industry or None),
                features.get("deal_size"),
                frozenset(stages[deal.id] | {deal.stage_id}),
                deal.owner_id,
            )
        )
    return out
