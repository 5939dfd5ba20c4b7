"""Where each indicator's raw value comes from: each source system's own measure, read
from the CRM's records for a set of customers (contacts or accounts) in one pass.

- ``csat``: mean CSAT (1-5) of survey responses (interactions whose ``meta.survey`` is
  ``csat``), the call centre's measure.
- ``nps``: Net Promoter Score (-100..100) of NPS answers (0-10; 9-10 promote, 0-6 detract).
- ``mtbf``: mean days between failures from IoT telemetry (channel ``iot``; a reading
  with ``meta.fault_code`` is a failure): the window's days divided by the failures, the
  whole window when nothing failed; missing when no device reported in the window.
- ``renewal_slope``: finance's renewal trend: the least-squares slope of the monthly
  order totals in the window, relative to their mean (0.05 = +5 % a month); missing
  with fewer than two orders.
- ``usage``: inbound app events per 30 days; missing for customers without an app user.
- ``sentiment``: mean sentiment (-1..1, kith.intelligence's business-message model) of
  the newest 20 inbound messages people wrote (not telemetry, page views or surveys).
- ``field:<object>.[custom.]<name>``: any numeric field of tickets, orders, contacts or
  accounts, custom fields included (``kith.concepts.fields``).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from kith.concepts import fields
from kith.concepts.compute import Reading
from kith.concepts.schemas import ConceptDefinition, ConceptIndicator
from kith.crm.models import Contact, Interaction, Order

SURVEY_CHANNEL = "web"
MACHINE_CHANNELS = frozenset({"iot", "web"})
SENTIMENT_MESSAGES = 20
MONTH = timedelta(days=30)


@dataclass(frozen=True)
class SourceInfo:
    label_en: str
    label_zh: str
    unit: str
    system_en: str
    system_zh: str


SOURCES: dict[str, SourceInfo] = {
    "csat": SourceInfo("CSAT after tickets", "工单满意度 CSAT", "1-5", "Call centre", "呼叫中心"),
    "nps": SourceInfo("Net Promoter Score", "净推荐值 NPS", "-100..100", "Surveys", "问卷"),
    "mtbf": SourceInfo(
        "Mean time between failures", "平均故障间隔 MTBF", "days", "IoT telemetry", "物联网遥测"
    ),
    "renewal_slope": SourceInfo(
        "Renewal trend (order slope)", "续约趋势(订单斜率)", "/month", "Finance", "财务"
    ),
    "usage": SourceInfo("App usage", "App 使用量", "events/30d", "App", "App"),
    "sentiment": SourceInfo("Message sentiment", "互动情绪", "-1..1", "Messages", "消息"),
}


def survey_score(meta: Any, kind: str) -> float | None:
    """The score of a survey answer of ``kind`` in an interaction's metadata, if valid."""
    if not isinstance(meta, dict) or meta.get("survey") != kind:
        return None
    score = meta.get("score")
    if isinstance(score, bool) or not isinstance(score, int | float):
        return None
    high = 5 if kind == "csat" else 10
    low = 1 if kind == "csat" else 0
    return float(score) if low <= score <= high else None


def read(
    session: Session,
    tenant_id: str,
    definition: ConceptDefinition,
    subject_type: str,
    now: datetime,
    subject_ids: Collection[str] | None = None,
) -> dict[str, dict[str, Reading]]:
    """subject id → indicator key → reading, for every subject with any data (or only
    ``subject_ids``). Inputs after ``now`` are not seen."""
    loader = _Loader(session, tenant_id, subject_type, now, subject_ids)
    out: dict[str, dict[str, Reading]] = defaultdict(dict)
    for ind in definition.indicators:
        for subject_id, reading in loader.source(ind).items():
            out[subject_id][ind.key] = reading
    return dict(out)


class _Loader:
    def __init__(
        self,
        session: Session,
        tenant_id: str,
        subject_type: str,
        now: datetime,
        subject_ids: Collection[str] | None,
    ) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.subject_type = subject_type
        self.now = now
        self.ids = None if subject_ids is None else list(subject_ids)
        self._interactions: dict[tuple[str, ...], list[Any]] = {}

    def source(self, ind: ConceptIndicator) -> dict[str, Reading]:
        since = self.now - timedelta(days=ind.window_days)
        if ind.source.startswith(fields.PREFIX):
            return fields.read_field(
                self.session,
                self.tenant_id,
                ind.source,
                self.subject_type,
                since,
                self.now,
                self.ids,
            )
        if ind.source in ("csat", "nps"):
            return self._survey(ind.source, since)
        if ind.source == "mtbf":
            return self._mtbf(since, ind.window_days)
        if ind.source == "renewal_slope":
            return self._renewal(since, ind.window_days)
        if ind.source == "usage":
            return self._usage(since, ind.window_days)
        return self._sentiment(since)

    # --- queries -------------------------------------------------------------------
    def _subject_col(self, model: Any) -> Any:
        return model.contact_id if self.subject_type == "contact" else model.account_id

    def _scope(self, model: Any) -> list[ColumnElement[bool]]:
        col = self._subject_col(model)
        conditions = [
            model.tenant_id == self.tenant_id,
            model.deleted_at.is_(None),
            col.is_not(None),
        ]
        if self.ids is not None:
            conditions.append(col.in_(self.ids))
        return conditions

    def _rows(self, channels: tuple[str, ...], since: datetime) -> Iterable[Any]:
        key = channels
        rows = self._interactions.get(key)
        if rows is None:
            earliest = self.now - timedelta(days=3650)
            rows = list(
                self.session.execute(
                    select(
                        self._subject_col(Interaction).label("subject"),
                        Interaction.occurred_at,
                        Interaction.direction,
                        Interaction.channel,
                        Interaction.subject.label("title"),
                        Interaction.text,
                        Interaction.meta,
                    )
                    .where(
                        *self._scope(Interaction),
                        Interaction.channel.in_(channels),
                        Interaction.occurred_at >= earliest,
                        Interaction.occurred_at <= self.now,
                    )
                    .order_by(Interaction.occurred_at)
                )
            )
            self._interactions[key] = rows
        return (r for r in rows if r.occurred_at >= since)

    # --- sources -------------------------------------------------------------------
    def _survey(self, kind: str, since: datetime) -> dict[str, Reading]:
        scores: dict[str, list[tuple[float, datetime]]] = defaultdict(list)
        for r in self._rows((SURVEY_CHANNEL,), since):
            score = survey_score(r.meta, kind)
            if score is not None:
                scores[r.subject].append((score, r.occurred_at))
        out = {}
        for subject, values in scores.items():
            nums = [v for v, _ in values]
            if kind == "csat":
                value = statistics.fmean(nums)
            else:
                value = 100.0 * (sum(v >= 9 for v in nums) - sum(v <= 6 for v in nums)) / len(nums)
            out[subject] = Reading(value, max(at for _, at in values), len(nums))
        return out

    def _mtbf(self, since: datetime, window_days: int) -> dict[str, Reading]:
        seen: dict[str, datetime] = {}
        failures: dict[str, int] = defaultdict(int)
        for r in self._rows(("iot",), since):
            seen[r.subject] = r.occurred_at
            if isinstance(r.meta, dict) and r.meta.get("fault_code"):
                failures[r.subject] += 1
        return {
            s: Reading(
                window_days / failures[s] if failures[s] else float(window_days),
                at,
                1 + failures[s],
            )
            for s, at in seen.items()
        }

    def _renewal(self, since: datetime, window_days: int) -> dict[str, Reading]:
        buckets = max(2, window_days // 30)
        totals: dict[str, list[float]] = defaultdict(lambda: [0.0] * buckets)
        counts: dict[str, int] = defaultdict(int)
        newest: dict[str, datetime] = {}
        rows = self.session.execute(
            select(self._subject_col(Order).label("subject"), Order.ordered_at, Order.total).where(
                *self._scope(Order),
                Order.status != "cancelled",
                Order.ordered_at >= since,
                Order.ordered_at <= self.now,
            )
        )
        for subject, at, total in rows:
            index = min(buckets - 1, int((at - since) / MONTH))
            totals[subject][index] += float(total or 0)
            counts[subject] += 1
            newest[subject] = max(at, newest.get(subject, at))
        out = {}
        for subject, series in totals.items():
            mean = statistics.fmean(series)
            if counts[subject] < 2 or mean <= 0:
                continue
            slope = statistics.linear_regression(range(buckets), series).slope
            out[subject] = Reading(slope / mean, newest[subject], counts[subject])
        return out

    def _usage(self, since: datetime, window_days: int) -> dict[str, Reading]:
        users = self._app_users()
        counts: dict[str, int] = defaultdict(int)
        for r in self._rows(("app",), since):
            if r.direction == "inbound":
                counts[r.subject] += 1
        months = window_days / 30
        return {s: Reading(counts[s] / months, self.now, counts[s]) for s in users}

    def _app_users(self) -> set[str]:
        col = Contact.id if self.subject_type == "contact" else Contact.account_id
        query = select(col).where(
            Contact.tenant_id == self.tenant_id,
            Contact.deleted_at.is_(None),
            Contact.app_user_id.is_not(None),
            col.is_not(None),
        )
        if self.ids is not None:
            query = query.where(col.in_(self.ids))
        return {str(v) for v in self.session.scalars(query.distinct())}

    def _sentiment(self, since: datetime) -> dict[str, Reading]:
        from kith.intelligence.scoring import sentiment

        channels = ("email", "phone", "sms", "chat", "wechat", "app", "other")
        messages: dict[str, list[Any]] = defaultdict(list)
        for r in self._rows(channels, since):
            if r.direction == "inbound" and isinstance(r.text, str) and r.text.strip():
                messages[r.subject].append(r)
        out = {}
        for subject, rows in messages.items():
            newest = rows[-SENTIMENT_MESSAGES:]
            scores = [
                sentiment.analyse(
                    " ".join(p for p in (r.title, r.text) if isinstance(p, str))
                ).score
                for r in newest
            ]
            out[subject] = Reading(statistics.fmean(scores), newest[-1].occurred_at, len(scores))
        return out
