"""The Product Insight agent: aggregates telemetry by model, region and cell batch,
answers other agents' questions about it, and flags cell batches that age too
fast for R&D (S1's fleet analysis, S11's detection)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from statistics import fmean, median
from typing import Any

from kith.agents.builtin import common
from kith.agents.collaboration import AnalysisAnswer, AnalysisRequest, AnswerContext
from kith.agents.memory import MemoryStore, Subject
from kith.agents.reasoning import Language
from kith.agents.repository import Reading, require_read, telemetry
from kith.agents.sdk import (
    Agent,
    AgentSpec,
    Assessment,
    DataScope,
    Perception,
    ProposedAction,
    Purpose,
    StepContext,
    on,
)
from kith.events.types import EventType
from kith.gateway.contracts import ExecutionResult, Factor

DEGRADATION_CATEGORY = "battery_degradation"
FAST_LOSS_PCT_PER_MONTH = 0.8  # a healthy pack loses roughly 0.1–0.3 % SOH a month
MIN_FAST_VEHICLES = 3
MIN_FAST_SHARE = 0.5
HISTORY = timedelta(days=365)
MIN_SPAN_DAYS = 60
COLD_C = 5.0
MILD_C = 10.0
COLD_RANGE_DROP = 0.15  # range per % of charge this much lower in the cold: cold explains it
MIN_SAMPLE = 3
DAYS_PER_MONTH = 30.4


def is_cell_batch_flag(envelope: Any) -> bool:
    """The R&D flag Product Insight opened: the signal Retention and Service act on."""
    record = common.snapshot(envelope)
    return common.by_agent(envelope) and record.get("category") == DEGRADATION_CATEGORY


def ask_about_cohort(
    ctx: StepContext,
    assessment: Assessment,
    purpose: Purpose,
    then: Callable[[Mapping[str, Any]], Sequence[ProposedAction]],
) -> ProposedAction:
    """Ask Product Insight who is in the flagged cohort; ``then`` gets its findings
    (region, cell batch, owners)."""
    flag = assessment.perception.facts["ticket"]
    request = AnalysisRequest(
        agent="product_insight",
        kind="cohort_owners",
        params={"ticket_id": flag["id"]},
        ticket_id=flag["id"],
        trace_id=ctx.trace_id,
    )

    def with_findings(result: ExecutionResult) -> Sequence[ProposedAction]:
        answer = common.output(result).get("answer") or {}
        return then(answer.get("findings") or {})

    return ctx.propose(
        "agents.request_analysis",
        request.model_dump(exclude_none=True),
        purpose=purpose,
        summary="ask product_insight which owners are affected",
        assessment=assessment,
        then=with_findings,
    )


def _soh_reading(envelope: Any) -> bool:
    record = common.snapshot(envelope)
    return record.get("channel") == "iot" and "soh_pct" in common.meta_of(envelope)


def loss_per_month(readings: Sequence[Reading]) -> float | None:
    """SOH points lost per month between the first and last reading (None if too short)."""
    points = [(r.at, soh) for r in readings if (soh := r.number("soh_pct")) is not None]
    if len(points) < 2:
        return None
    (first_at, first), (last_at, last) = points[0], points[-1]
    span = (last_at - first_at).days
    if span < MIN_SPAN_DAYS:
        return None
    return (first - last) / (span / DAYS_PER_MONTH)


def vehicle_profile(readings: Sequence[Reading]) -> dict[str, Any]:
    """The latest known model, region and cell batch of a vehicle."""
    profile: dict[str, Any] = {}
    for reading in readings:
        profile.update(
            {k: reading.meta[k] for k in ("model", "region", "cell_batch") if reading.meta.get(k)}
        )
    return profile


def by_vehicle(readings: Sequence[Reading]) -> dict[str, list[Reading]]:
    grouped: dict[str, list[Reading]] = defaultdict(list)
    for reading in readings:
        if reading.contact_id:
            grouped[reading.contact_id].append(reading)
    return grouped


class ProductInsightAgent(Agent):
    spec = AgentSpec(
        name="product_insight",
        label_zh="产品洞察智能体",
        label_en="Product insight agent",
        description="Aggregates telemetry and feedback by product and model; answers questions",
        scope=DataScope(
            objects={
                "interaction": ("read",),
                "product": ("read",),
                "contact": ("read",),
                "account": ("read",),
                "ticket": ("read", "create"),
                "activity": ("read", "create"),
                "user": ("read",),
                "notification": ("create",),
            },
            hidden_fields=common.PII_HIDDEN,
        ),
        subscriptions=(on(EventType.INTERACTION_RECEIVED, _soh_reading),),
        tools=frozenset({"tickets.create", "notes.add", "users.notify"}),
        purpose="service",
        answers=frozenset({"fleet_telemetry", "cohort_owners"}),
        budget_per_hour=60,
    )

    # --- detecting fast-ageing cell batches (S11) ------------------------------------------

    def perceive(self, ctx: StepContext) -> Perception | None:
        """Only a vehicle that itself ages fast is worth looking at its cohort for."""
        contact_id = ctx.record.get("contact_id")
        if not contact_id:
            return None
        require_read(ctx.principal, "interaction")
        own = telemetry(
            ctx.uow.session, ctx.principal.tenant_id, ctx.now - HISTORY, contact_id=contact_id
        )
        rate = loss_per_month(own)
        if rate is None or rate < FAST_LOSS_PCT_PER_MONTH:
            return None
        # A reading may not say where the car is or which cells it has; its history does.
        meta = {**vehicle_profile(own), **common.meta_of(ctx.envelope)}
        region, batch = meta.get("region"), meta.get("cell_batch")
        if not (region and batch):
            return None
        if ctx.memory.items(Subject.segment(str(region), str(batch)), ["fact"]):
            return None  # this cohort is already flagged
        return Perception(
            summary=f"{meta.get('model')} in {region}, cell batch {batch}: -{rate:.2f}% SOH/month",
            facts={"region": region, "cell_batch": batch, "model": meta.get("model"), "rate": rate},
        )

    def understand(self, perception: Perception, ctx: StepContext) -> Assessment:
        facts = perception.facts
        cohort = telemetry(
            ctx.uow.session,
            ctx.principal.tenant_id,
            ctx.now - HISTORY,
            region=facts["region"],
            cell_batch=facts["cell_batch"],
        )
        rates = {
            contact: rate
            for contact, readings in by_vehicle(cohort).items()
            if (rate := loss_per_month(readings)) is not None
        }
        fast = sorted(c for c, rate in rates.items() if rate >= FAST_LOSS_PCT_PER_MONTH)
        share = len(fast) / len(rates) if rates else 0.0
        typical = median(rates.values()) if rates else 0.0
        flagged = len(fast) >= MIN_FAST_VEHICLES and share >= MIN_FAST_SHARE
        return Assessment(
            perception,
            intent="flag_cell_batch" if flagged else "watch",
            labels={"owners": fast, "rate": typical, "readings": len(cohort), "share": share},
            factors=(
                Factor("median_soh_loss_pct_per_month", round(typical, 2), 0.5),
                Factor("fast_ageing_vehicles", len(fast), 0.3, f"of {len(rates)} with history"),
                Factor("share_fast", round(share, 2), 0.2),
            ),
            confidence=round(min(0.95, 0.5 + share / 2), 2),
            threshold=FAST_LOSS_PCT_PER_MONTH,
        )

    def decide(self, assessment: Assessment, ctx: StepContext) -> list[ProposedAction]:
        if assessment.intent != "flag_cell_batch":
            return []
        facts, labels = assessment.perception.facts, assessment.labels
        subject, description = common.draft(
            ctx,
            "rnd_flag",
            "zh",
            {
                "region": facts["region"],
                "batch": facts["cell_batch"],
                "vehicles": len(labels["owners"]),
                "rate": f"{labels['rate']:.2f}",
                "threshold": FAST_LOSS_PCT_PER_MONTH,
                "readings": labels["readings"],
            },
        )
        args = {
            "subject": subject[:300],
            "description": description,
            "priority": "high",
            "severity": "s3",
            "category": DEGRADATION_CATEGORY,
            "channel": "iot",
        }
        return [
            ctx.propose(
                "tickets.create",
                args,
                purpose="service",
                summary=f"flag cell batch {facts['cell_batch']} ({facts['region']}) for R&D",
                assessment=assessment,
            )
        ]

    def evaluate(self, assessment: Assessment, ctx: StepContext) -> None:
        flag = next((o for o in ctx.outcomes if o.executed and o.result is not None), None)
        if flag is None or flag.result is None:
            return
        facts = assessment.perception.facts
        ticket_id = str(common.output(flag.result)["id"])
        cohort = {
            "region": facts["region"],
            "cell_batch": facts["cell_batch"],
            "ticket_id": ticket_id,
            "owners": list(assessment.labels["owners"]),
            "rate": round(assessment.labels["rate"], 2),
        }
        text = f"cell batch {facts['cell_batch']} in {facts['region']} flagged for R&D"
        # Keyed twice: by the cohort (flag it once) and by the ticket (answer questions about it).
        ctx.memory.remember(
            Subject.segment(facts["region"], facts["cell_batch"]), "fact", text, cohort
        )
        ctx.memory.remember(Subject.segment("ticket", ticket_id), "fact", text, cohort)

    # --- answering other agents ------------------------------------------------------------

    def answer(self, request: AnalysisRequest, ctx: AnswerContext) -> AnalysisAnswer:
        require_read(ctx.principal, "interaction")
        if request.kind == "cohort_owners":
            return cohort_answer(ctx.memory, str(request.params.get("ticket_id")))
        params = request.params
        days = int(params.get("days", 30))
        readings = telemetry(
            ctx.uow.session,
            ctx.principal.tenant_id,
            ctx.now - timedelta(days=days),
            model=str(params["model"]),
        )
        language: Language = "en" if params.get("language") == "en" else "zh"
        region = str(params["region"]) if params.get("region") else None
        return fleet_answer(str(params["model"]), days, readings, language, region)


def cohort_answer(memory: MemoryStore, ticket_id: str) -> AnalysisAnswer:
    facts = memory.items(Subject.segment("ticket", ticket_id), ["fact"])
    if not facts:
        return AnalysisAnswer(summary="no flagged cohort for this ticket", conclusion="unknown")
    cohort: Mapping[str, Any] = facts[0].meta
    return AnalysisAnswer(
        summary=f"{len(cohort['owners'])} owners in {cohort['region']} "
        f"(cell batch {cohort['cell_batch']}) age fast",
        conclusion=DEGRADATION_CATEGORY,
        findings=dict(cohort),
        confidence=0.9,
    )


def fleet_answer(
    model: str, days: int, readings: Sequence[Reading], language: Language, region: str | None
) -> AnalysisAnswer:
    """Is the model's range loss explained by cold? Compares range per % of charge in
    cold and mild readings across the fleet; without range data, looks at how cold
    the customer's region is. Temperatures are the outside air's when the vehicle
    reports it (what drains range in winter: cabin and pack heating), else the pack's."""
    temps = [t for r in readings if (t := _temperature(r)) is not None]
    if not temps:
        return AnalysisAnswer(
            summary=f"no {model} telemetry in the last {days} days", conclusion="no_data"
        )
    regional = [r for r in readings if region and r.meta.get("region") == region]
    local_temps = [t for r in regional if (t := _temperature(r)) is not None] or temps
    battery = [t for r in regional or readings if (t := r.number("battery_temp_c")) is not None]
    findings: dict[str, Any] = {
        "model": model,
        "days": days,
        "readings": len(readings),
        "vehicles": len(by_vehicle(readings)),
        "region": region if regional else None,
        "mean_temp_c": round(fmean(local_temps), 1),
        "mean_battery_temp_c": round(fmean(battery), 1) if battery else None,
        "share_below_0c": round(sum(1 for t in local_temps if t < 0) / len(local_temps), 2),
        "cold_range_drop": _cold_range_drop(readings),
    }
    cold = _explained_by_cold(findings)
    return AnalysisAnswer(
        summary=_fleet_summary(findings, cold, language),
        conclusion="cold_weather_range_loss" if cold else "no_temperature_effect",
        findings=findings,
        confidence=round(min(0.95, 0.55 + findings["share_below_0c"] / 2), 2) if cold else 0.6,
    )


def _temperature(reading: Reading) -> float | None:
    outside = reading.number("ambient_temp_c")
    return outside if outside is not None else reading.number("battery_temp_c")


def _range_per_charge(reading: Reading) -> float | None:
    range_km = reading.number("range_km_est") or reading.number("range_km")
    soc = reading.number("soc_pct")
    return range_km / soc if range_km is not None and soc else None


def _cold_range_drop(readings: Sequence[Reading]) -> float | None:
    """1 - (range per % charge below 0°C) / (the same at 10°C or more); None if unknown."""
    cold, mild = [], []
    for reading in readings:
        temp, per_charge = _temperature(reading), _range_per_charge(reading)
        if temp is None or per_charge is None:
            continue
        if temp < 0:
            cold.append(per_charge)
        elif temp >= MILD_C:
            mild.append(per_charge)
    if len(cold) < MIN_SAMPLE or len(mild) < MIN_SAMPLE:
        return None
    return round(1 - fmean(cold) / fmean(mild), 2)


def _explained_by_cold(findings: Mapping[str, Any]) -> bool:
    drop = findings["cold_range_drop"]
    if drop is not None:
        return bool(drop >= COLD_RANGE_DROP)
    return bool(findings["mean_temp_c"] < COLD_C or findings["share_below_0c"] >= 0.4)


def _fleet_summary(findings: Mapping[str, Any], cold: bool, language: Language) -> str:
    f = findings
    where = f["region"] or ("the fleet" if language == "en" else "全国")
    drop = f["cold_range_drop"]
    if language == "en":
        cause = (
            "the range loss is mainly due to low temperatures"
            if cold
            else ("temperature does not explain the range loss")
        )
        compared = f"; below 0°C range per % of charge is {drop:.0%} lower" if drop else ""
        return (
            f"{f['readings']} readings from {f['vehicles']} {f['model']} vehicles{compared}; "
            f"{where}: mean temperature {f['mean_temp_c']}°C, "
            f"{f['share_below_0c']:.0%} of readings below 0°C. So {cause}."
        )
    cause = "续航下降主要由低温导致" if cold else "温度不足以解释续航下降"
    compared = f"，低于 0°C 时每 1% 电量的续航比 10°C 以上少 {drop:.0%}" if drop else ""
    return (
        f"同款 {f['model']} 共 {f['vehicles']} 辆车 {f['readings']} 条读数{compared}；"
        f"{where}平均气温 {f['mean_temp_c']}°C，"
        f"{f['share_below_0c']:.0%} 的读数低于 0°C。{cause}。"
    )
