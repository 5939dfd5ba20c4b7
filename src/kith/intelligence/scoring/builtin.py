"""Models on Kith's own records: deal win, lead conversion, customer churn,
interaction sentiment, stalled deals and the revenue forecast.

Each dataset builder returns one row per record with features computed from the
tenant's records; rows with a known outcome train the model, the others (open
deals, working leads, today's customers) are scored. Churn is framed in time:
features as of ``CHURN_WINDOW`` days ago, label "no interaction or order
since", then today's features are scored with the same model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from kith.core.errors import KithError
from kith.core.lazy import lazy_module
from kith.crm import models as m
from kith.intelligence.scoring import sentiment
from kith.intelligence.service import IntelligenceService, ScoreRow, version_ref
from kith.intelligence.training import guards
from kith.intelligence.training.classifier import ClassifierModel

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")

CHURN_WINDOW = timedelta(days=90)
STALL_QUANTILE = 0.8  # stalled: longer in the stage than 80 % of the deals that left it
WON, LOST = "won", "lost"

# The top churn factor mapped to what the Retention agent can do about it.
INTERVENTIONS: dict[str, tuple[str, str, str]] = {
    "days_since_contact": (
        "activities.create",
        "安排客户经理回访电话",
        "Schedule a check-in call from the account owner",
    ),
    "negative_share": (
        "coupons.issue",
        "服务补救：跟进未结工单并致歉，附赠关怀券",
        "Service recovery: chase open tickets, apologise, offer a goodwill coupon",
    ),
    "tickets": (
        "coupons.issue",
        "服务补救：跟进未结工单并致歉，附赠关怀券",
        "Service recovery: chase open tickets, apologise, offer a goodwill coupon",
    ),
    "interactions_90d": (
        "campaigns.enroll",
        "加入再激活营销活动",
        "Enrol in the re-engagement campaign",
    ),
    "orders": ("coupons.issue", "发放复购优惠券", "Send a win-back offer"),
    "spend": ("coupons.issue", "发放复购优惠券", "Send a win-back offer"),
}
DEFAULT_INTERVENTION = ("messages.send", "发送关怀消息", "Send a personal check-in message")


def _frame(session: Session, stmt: Any) -> pd.DataFrame:
    result = session.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _naive(value: datetime) -> np.datetime64:
    return np.datetime64(value.replace(tzinfo=None))


def _to_naive(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True).dt.tz_localize(None)


# -- datasets ------------------------------------------------------------------
def interaction_sentiment(session: Session, tenant_id: str) -> pd.DataFrame:
    frame = _frame(
        session,
        select(
            m.Interaction.id,
            m.Interaction.contact_id,
            m.Interaction.account_id,
            m.Interaction.deal_id,
            m.Interaction.occurred_at,
            m.Interaction.direction,
            m.Interaction.channel,
            m.Interaction.text,
            m.Interaction.subject,
        ).where(m.Interaction.tenant_id == tenant_id, m.Interaction.deleted_at.is_(None)),
    )
    if frame.empty:
        return frame.assign(sentiment=[], negative=[])
    readings = [
        _read_interaction(channel, subject, text)
        for channel, subject, text in zip(
            frame["channel"], frame["subject"], frame["text"], strict=True
        )
    ]
    frame["sentiment"] = [r.score for r in readings]
    frame["label"] = [r.label for r in readings]
    frame["anger"] = [r.anger for r in readings]
    frame["urgency"] = [r.urgency for r in readings]
    frame["negative"] = frame["label"] == "negative"
    frame["occurred_at"] = _to_naive(frame["occurred_at"])
    return frame


# Readings by machines (telemetry, page views) and records with only a title carry no
# one's opinion: reading "电池遥测 Battery telemetry" for sentiment would only add noise.
MACHINE_CHANNELS = frozenset({"iot", "web"})
NO_OPINION = sentiment.Sentiment("neutral", 0.0, False, False, ())


def _read_interaction(channel: Any, subject: Any, text: Any) -> sentiment.Sentiment:
    if channel in MACHINE_CHANNELS or not isinstance(text, str) or not text.strip():
        return NO_OPINION
    return sentiment.analyse(" ".join(p for p in (subject, text) if isinstance(p, str)))


def deal_dataset(
    session: Session, tenant_id: str, interactions: pd.DataFrame, now: datetime
) -> pd.DataFrame:
    """One row per deal; activity and interaction features count only what was
    known at the label's date: the close for a closed deal, ``now`` for an open one
    (a note logged after a win must not teach the model that notes mean wins)."""
    deals = _frame(
        session,
        select(
            m.Deal.id,
            m.Deal.account_id,
            m.Deal.contact_id,
            m.Deal.status,
            m.Deal.amount,
            m.Deal.source,
            m.Deal.owner_id.label("owner"),
            m.Deal.created_at,
            m.Deal.closed_at,
            m.Pipeline.name.label("pipeline"),
            m.Account.industry,
            m.Account.tier,
            m.Account.employees,
        )
        .join(m.Pipeline, m.Pipeline.id == m.Deal.pipeline_id)
        .outerjoin(m.Account, m.Account.id == m.Deal.account_id)
        .where(m.Deal.tenant_id == tenant_id, m.Deal.deleted_at.is_(None)),
    )
    if deals.empty:
        return deals
    activities = _frame(
        session,
        select(m.Activity.deal_id, m.Activity.kind, m.Activity.created_at).where(
            m.Activity.tenant_id == tenant_id,
            m.Activity.deleted_at.is_(None),
            m.Activity.deal_id.is_not(None),
        ),
    )
    closed = deals["status"].isin([WON, LOST]) & deals["closed_at"].notna()
    as_of = pd.Series(_naive(now), index=deals.index)
    as_of[closed] = _to_naive(deals.loc[closed, "closed_at"])
    cutoff = pd.Series(as_of.to_numpy(), index=deals["id"])
    if not activities.empty:
        activities = activities[
            _to_naive(activities["created_at"]).to_numpy()
            <= activities["deal_id"].map(cutoff).to_numpy()
        ]
    counts = activities.groupby("deal_id").size() if not activities.empty else pd.Series()
    meetings = (
        activities[activities["kind"] == "meeting"].groupby("deal_id").size()
        if not activities.empty
        else pd.Series()
    )
    deals["activities"] = deals["id"].map(counts).fillna(0).astype(float)
    deals["meetings"] = deals["id"].map(meetings).fillna(0).astype(float)
    linked = interactions[interactions["deal_id"].notna()] if not interactions.empty else None
    if linked is not None and not linked.empty:
        known = linked["occurred_at"].to_numpy() <= linked["deal_id"].map(cutoff).to_numpy()
        linked = linked[known]
    if linked is not None and not linked.empty:
        grouped = linked.groupby("deal_id")
        deals["interactions"] = deals["id"].map(grouped.size()).fillna(0).astype(float)
        deals["deal_sentiment"] = deals["id"].map(grouped["sentiment"].mean())
    else:
        deals["interactions"] = 0.0
        deals["deal_sentiment"] = np.nan
    deals["amount"] = pd.to_numeric(deals["amount"], errors="coerce").astype(float)
    deals["employees"] = pd.to_numeric(deals["employees"], errors="coerce").astype(float)
    deals["outcome"] = deals["status"].map({WON: "won", LOST: "lost"})
    return deals


DEAL_FEATURES = [
    "amount", "source", "pipeline", "industry", "tier", "employees", "owner",
    "activities", "meetings", "interactions", "deal_sentiment",
]  # fmt: skip


def lead_dataset(session: Session, tenant_id: str) -> pd.DataFrame:
    leads = _frame(
        session,
        select(
            m.Lead.id,
            m.Lead.status,
            m.Lead.source,
            m.Lead.industry,
            m.Lead.title,
            m.Lead.email,
            m.Lead.phone,
            m.Lead.description,
            m.Lead.owner_id.label("owner"),
        ).where(m.Lead.tenant_id == tenant_id, m.Lead.deleted_at.is_(None)),
    )
    if leads.empty:
        return leads
    activities = _frame(
        session,
        select(m.Activity.lead_id).where(
            m.Activity.tenant_id == tenant_id,
            m.Activity.deleted_at.is_(None),
            m.Activity.lead_id.is_not(None),
        ),
    )
    counts = activities.groupby("lead_id").size() if not activities.empty else pd.Series()
    leads["activities"] = leads["id"].map(counts).fillna(0).astype(float)
    leads["has_email"] = leads["email"].notna().astype(float)
    leads["has_phone"] = leads["phone"].notna().astype(float)
    leads["need_length"] = leads["description"].fillna("").str.len().astype(float)
    title = leads["title"].fillna("").str.lower()
    senior = ("总", "董事", "经理", "主任", "director", "head", "vp", "chief", "manager")
    leads["senior_title"] = title.apply(lambda t: float(any(w in t for w in senior)))
    leads["outcome"] = leads["status"].map(
        {"qualified": "converted", "converted": "converted", "disqualified": "not_converted"}
    )
    return leads


LEAD_FEATURES = [
    "source", "industry", "activities", "has_email", "has_phone", "need_length", "senior_title",
]  # fmt: skip


def customer_features(
    contacts: pd.DataFrame,
    interactions: pd.DataFrame,
    orders: pd.DataFrame,
    tickets: pd.DataFrame,
    as_of: np.datetime64,
) -> pd.DataFrame:
    """Behaviour of each contact up to ``as_of`` (nothing after it is looked at)."""
    out = contacts[["id", "account_id", "tier", "language"]].copy()
    seen = interactions[interactions["occurred_at"] <= as_of]
    by_contact = seen.groupby("contact_id")
    last = by_contact["occurred_at"].max()
    out["days_since_contact"] = ((as_of - out["id"].map(last)).dt.total_seconds() / 86400).astype(
        float
    )
    recent = seen[seen["occurred_at"] > as_of - np.timedelta64(90, "D")]
    out["interactions_90d"] = out["id"].map(recent.groupby("contact_id").size()).fillna(0)
    inbound = seen[seen["direction"] == "inbound"]
    out["negative_share"] = out["id"].map(inbound.groupby("contact_id")["negative"].mean())
    placed = orders[orders["ordered_at"] <= as_of]
    grouped = placed.groupby("contact_id")
    out["orders"] = out["id"].map(grouped.size()).fillna(0).astype(float)
    out["spend"] = out["id"].map(grouped["total"].sum()).fillna(0).astype(float)
    opened = tickets[tickets["created_at"] <= as_of]
    out["tickets"] = out["id"].map(opened.groupby("contact_id").size()).fillna(0).astype(float)
    out["active"] = out["id"].isin(seen["contact_id"]) | out["id"].isin(placed["contact_id"])
    return out


CHURN_FEATURES = [
    "tier", "language", "days_since_contact", "interactions_90d", "negative_share",
    "orders", "spend", "tickets",
]  # fmt: skip


def churn_dataset(
    session: Session, tenant_id: str, interactions: pd.DataFrame, now: datetime
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training rows as of ``now - CHURN_WINDOW`` with the label, today's rows)."""
    contacts = _frame(
        session,
        select(m.Contact.id, m.Contact.account_id, m.Contact.language, m.Account.tier)
        .outerjoin(m.Account, m.Account.id == m.Contact.account_id)
        .where(m.Contact.tenant_id == tenant_id, m.Contact.deleted_at.is_(None)),
    )
    orders = _frame(
        session,
        select(m.Order.contact_id, m.Order.ordered_at, m.Order.total).where(
            m.Order.tenant_id == tenant_id, m.Order.deleted_at.is_(None)
        ),
    )
    tickets = _frame(
        session,
        select(m.Ticket.contact_id, m.Ticket.created_at).where(
            m.Ticket.tenant_id == tenant_id, m.Ticket.deleted_at.is_(None)
        ),
    )
    if contacts.empty:
        return contacts, contacts
    orders["ordered_at"] = _to_naive(orders["ordered_at"])
    orders["total"] = pd.to_numeric(orders["total"], errors="coerce").astype(float)
    tickets["created_at"] = _to_naive(tickets["created_at"])
    today = _naive(now)
    cutoff = _naive(now - CHURN_WINDOW)
    past = customer_features(contacts, interactions, orders, tickets, cutoff)
    past = past[past["active"]].copy()
    after_i = interactions[interactions["occurred_at"] > cutoff]["contact_id"]
    after_o = orders[orders["ordered_at"] > cutoff]["contact_id"]
    returned = set(after_i.dropna()) | set(after_o.dropna())
    past["outcome"] = np.where(past["id"].isin(returned), "stayed", "churned")
    current = customer_features(contacts, interactions, orders, tickets, today)
    return past, current[current["active"]].copy()


# -- training and scoring ---------------------------------------------------------
@dataclass
class BuiltinOutcome:
    kind: str
    status: str  # trained | skipped
    version: str | None = None
    reason: str | None = None
    metrics: dict[str, Any] | None = None
    baseline: dict[str, Any] | None = None
    scored: int = 0
    band_changes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _factors(factors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keep = ("name", "contribution", "value", "support", "note")
    return [{k: f[k] for k in keep if k in f} for f in factors]


class BuiltinModels:
    """Trains the built-in models on a tenant's records and writes the scores."""

    def __init__(self, service: IntelligenceService) -> None:
        self.service = service
        self.session = service.uow.session
        self.tenant_id = service.tenant_id

    def _train_and_score(
        self,
        kind: str,
        object_type: str,
        frame: pd.DataFrame,
        features: Sequence[str],
        to_score: pd.DataFrame,
        positive: str,
        extra: Any = None,
    ) -> BuiltinOutcome:
        labelled = frame[frame["outcome"].notna()]
        train = labelled[[*features, "outcome"]].copy()
        train["outcome"] = (train["outcome"] == positive).astype(int)
        try:
            version, trained = self.service.train_classifier(
                kind, f"kith:{object_type}", train, "outcome", None
            )
        except KithError as exc:
            return BuiltinOutcome(kind, "skipped", reason=exc.detail)
        champion = self.service.repo.champion(kind)
        unfit = (
            guards.version_unfit(champion)
            if champion is not None
            else guards.version_unfit(version)
            or {"zh": "数据不足，无法评分。", "en": "Not enough data to score."}
        )
        if champion is None or unfit is not None:
            # Registered for the record, but it scores nothing (training/guards.py).
            return BuiltinOutcome(
                kind,
                "trained",
                version=version_ref(version),
                reason=(unfit or {}).get("en"),
                metrics={
                    k: trained.metrics[k]
                    for k in ("auc", "accuracy", "brier", "better_than_baseline")
                },
                baseline=trained.baseline,
            )
        model: ClassifierModel = self.service.classifier(champion)
        label = version_ref(champion)
        rows: list[ScoreRow] = []
        if not to_score.empty:
            scores, factors = model.top_factors(to_score[list(features)], 3)
            for i, (_, record) in enumerate(to_score.iterrows()):
                detail = extra(record, factors[i]) if extra else None
                rows.append(
                    ScoreRow(
                        record_id=str(record["id"]),
                        score=float(scores[i]),
                        factors=_factors(factors[i]),
                        account_id=_opt(record.get("account_id")),
                        contact_id=str(record["id"])
                        if object_type == "contact"
                        else _opt(record.get("contact_id")),
                        detail=detail,
                    )
                )
        counts = self.service.record_scores(kind, object_type, label, champion.id, rows)
        return BuiltinOutcome(
            kind,
            "trained",
            version=version_ref(version),
            metrics={
                k: trained.metrics[k] for k in ("auc", "accuracy", "brier", "better_than_baseline")
            },
            baseline=trained.baseline,
            scored=counts["scored"],
            band_changes=counts["band_changes"],
        )

    def run(self) -> list[BuiltinOutcome]:
        now = self.service.clock()
        interactions = interaction_sentiment(self.session, self.tenant_id)
        outcomes = [self._sentiment(interactions)]
        deals = deal_dataset(self.session, self.tenant_id, interactions, now)
        if deals.empty:
            outcomes.append(BuiltinOutcome("deal_win", "skipped", reason="no deals"))
        else:
            open_deals = deals[deals["status"] == "open"]
            outcomes.append(
                self._train_and_score("deal_win", "deal", deals, DEAL_FEATURES, open_deals, "won")
            )
        leads = lead_dataset(self.session, self.tenant_id)
        if leads.empty:
            outcomes.append(BuiltinOutcome("lead_conversion", "skipped", reason="no leads"))
        else:
            working = leads[leads["outcome"].isna()]
            outcomes.append(
                self._train_and_score(
                    "lead_conversion", "lead", leads, LEAD_FEATURES, working, "converted"
                )
            )
        past, current = churn_dataset(self.session, self.tenant_id, interactions, now)
        if past.empty:
            outcomes.append(BuiltinOutcome("churn", "skipped", reason="no customer history"))
        else:
            outcomes.append(
                self._train_and_score(
                    "churn", "contact", past, CHURN_FEATURES, current, "churned", _intervention
                )
            )
        return outcomes

    def _sentiment(self, interactions: pd.DataFrame) -> BuiltinOutcome:
        rows = [
            ScoreRow(
                record_id=str(r.id),
                score=(float(r.sentiment) + 1) / 2,
                factors=[],
                account_id=_opt(r.account_id),
                contact_id=_opt(r.contact_id),
                detail={"label": r.label, "anger": bool(r.anger), "urgency": bool(r.urgency)},
            )
            for r in interactions.itertuples()
        ]
        counts = self.service.record_scores(
            "sentiment",
            "interaction",
            sentiment.VERSION,
            None,
            rows,
            emit=False,
            band=_sentiment_label,
        )
        return BuiltinOutcome(
            "sentiment",
            "scored",
            version=sentiment.VERSION,
            scored=counts["scored"],
            band_changes=counts["band_changes"],
        )


def _sentiment_label(row: ScoreRow) -> str:
    # The reader's own label: its neutral band differs by language (sentiment.py), so a
    # fixed threshold on the score would disagree with it.
    return str((row.detail or {})["label"])


def _opt(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def _intervention(record: Any, factors: list[dict[str, Any]]) -> dict[str, Any]:
    """The strongest factor pushing towards churn decides the suggested action."""
    pushing = [f for f in factors if f["contribution"] > 0]
    tool, zh, en = (
        INTERVENTIONS.get(pushing[0]["name"], DEFAULT_INTERVENTION)
        if pushing
        else DEFAULT_INTERVENTION
    )
    return {"intervention": {"tool": tool, "zh": zh, "en": en}}


# -- stalled deals -------------------------------------------------------------------
def stalled_deals(
    session: Session, tenant_id: str, now: datetime, deal_filter: ColumnElement[bool] | None = None
) -> list[dict[str, Any]]:
    """Open deals in their stage longer than ``STALL_QUANTILE`` of the deals that left it."""
    history = _frame(
        session,
        select(
            m.DealStageChange.from_stage_id.label("stage_id"),
            m.DealStageChange.seconds_in_previous.label("seconds"),
        ).where(
            m.DealStageChange.tenant_id == tenant_id,
            m.DealStageChange.from_stage_id.is_not(None),
            m.DealStageChange.seconds_in_previous.is_not(None),
        ),
    )
    if history.empty:
        return []
    limits = history.groupby("stage_id")["seconds"].agg(
        limit=lambda s: float(np.quantile(s, STALL_QUANTILE)), median="median", n="size"
    )
    limits = limits[limits["n"] >= 5]
    open_deals = _frame(
        session,
        select(
            m.Deal.id,
            m.Deal.name,
            m.Deal.stage_id,
            m.Deal.stage_entered_at,
            m.PipelineStage.name.label("stage"),
        )
        .join(m.PipelineStage, m.PipelineStage.id == m.Deal.stage_id)
        .where(
            m.Deal.tenant_id == tenant_id,
            m.Deal.deleted_at.is_(None),
            m.Deal.status == "open",
            m.Deal.stage_entered_at.is_not(None),
            deal_filter if deal_filter is not None else true(),
        ),
    )
    last_touch = _frame(
        session,
        select(m.Activity.deal_id, m.Activity.created_at).where(
            m.Activity.tenant_id == tenant_id, m.Activity.deal_id.is_not(None)
        ),
    )
    touched = (
        last_touch.assign(created_at=_to_naive(last_touch["created_at"]))
        .groupby("deal_id")["created_at"]
        .max()
        if not last_touch.empty
        else pd.Series(dtype="datetime64[ns]")
    )
    today = _naive(now)
    out: list[dict[str, Any]] = []
    for deal in open_deals.itertuples():
        if deal.stage_id not in limits.index:
            continue
        limit = limits.loc[deal.stage_id]
        entered = _naive(pd.Timestamp(deal.stage_entered_at).to_pydatetime())
        seconds = float((today - entered) / np.timedelta64(1, "s"))
        if seconds <= limit["limit"]:
            continue
        last = touched.get(deal.id)
        idle_days = None if last is None else float((today - last) / np.timedelta64(1, "D"))
        if idle_days is None or idle_days > 14:
            cause = "no_recent_activity"
            step = ("安排下一次客户会议", "Book the next meeting with the customer")
        else:
            cause = "stuck_despite_activity"
            step = (
                "找到决策人并确认采购流程",
                "Reach the decision maker and confirm the buying process",
            )
        out.append(
            {
                "deal_id": deal.id,
                "name": deal.name,
                "stage": deal.stage,
                # Unrounded: rounding both sides can make a stalled deal read 18.3 > 18.3.
                "days_in_stage": seconds / 86400,
                "usual_days": float(limit["median"]) / 86400,
                "limit_days": float(limit["limit"]) / 86400,
                "days_since_activity": idle_days,
                "likely_cause": cause,
                "next_step": {"zh": step[0], "en": step[1]},
            }
        )
    return sorted(out, key=lambda d: -d["days_in_stage"] / max(d["limit_days"], 0.1))
