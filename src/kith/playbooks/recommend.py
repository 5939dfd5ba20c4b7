"""Practices for situations like this one: published practices ranked for a deal by
the similarity of their situation tags to the deal's features (industry, stage, size,
customer type; free tags against the deal's words) and by their measured effect.

    similarity = 0.8 · (matched dimensions / dimensions the practice names)
               + 0.2 · (free tags found in the deal's name, description, stage, account)
    effect     = 0.5 + lift / 2   (0.5 when no lift is claimed: too small a sample)
    score      = 0.7 · similarity + 0.3 · effect

Only practices with some similarity are suggested, never one already applied to the
deal, nor one naming industries the deal (whose industry is known) is not in.
Every suggestion carries its rationale in zh and en.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kith.core.errors import NotFound
from kith.playbooks.effect import effect
from kith.playbooks.features import closed_deals, deal_context
from kith.playbooks.repository import PlaybookRepository

DIMENSION_ZH = {
    "industry": "行业",
    "stage": "阶段",
    "deal_size": "规模",
    "customer_type": "客户类型",
    "buying_committee": "决策组织",
}


def recommend(
    session: Session, tenant_id: str, deal_id: str, limit: int = 5
) -> list[dict[str, Any]]:
    context = deal_context(session, tenant_id, deal_id)
    if context is None:
        raise NotFound(f"deal {deal_id} not found")
    features = context.features
    industry_known = bool(context.account and context.account.industry)
    deal = context.deal
    words = " ".join(
        x
        for x in (
            deal.name,
            deal.description or "",
            context.stage.name if context.stage else "",
            context.account.name if context.account else "",
            context.account.industry or "" if context.account else "",
        )
        if x
    ).lower()
    repo = PlaybookRepository(session, tenant_id)
    applied = {a.practice_id for a in repo.applications(deal_id=deal_id)}
    closed = closed_deals(session, tenant_id)
    out = []
    for practice in repo.published():
        if practice.id in applied:
            continue
        named = {d: v for d, v in (practice.situation or {}).items() if v}
        wrong_industry = features.get("industry") not in named.get("industry", ())
        if industry_known and "industry" in named and wrong_industry:
            continue  # another industry is another situation, whatever else matches
        matched = sorted(d for d in named if features.get(d) in named[d])
        tag_sim = len(matched) / len(named) if named else 0.0
        free = [t for t in practice.free_tags or [] if t]
        found = [t for t in free if t.lower() in words]
        free_sim = len(found) / len(free) if free else 0.0
        similarity = 0.8 * tag_sim + 0.2 * free_sim if free else tag_sim
        if similarity <= 0:
            continue
        measured = effect(repo.applications(practice_id=practice.id), closed)
        comparison = measured["comparison"]
        lift = comparison.get("lift")
        effect_score = 0.5 + max(-0.5, min(0.5, lift / 2)) if lift is not None else 0.5
        score = 0.7 * similarity + 0.3 * effect_score
        out.append(
            {
                "practice_id": practice.id,
                "title": practice.title,
                "score": round(score, 4),
                "similarity": round(similarity, 4),
                "matched": {d: features[d] for d in matched},
                "free_tags_found": found,
                "lift": lift,
                "sample": comparison.get("applied_matched", 0),
                "rationale_zh": _rationale_zh(matched, features, found, comparison),
                "rationale_en": _rationale_en(matched, features, found, comparison),
            }
        )
    out.sort(key=lambda r: (-float(r["score"]), str(r["title"]), str(r["practice_id"])))
    return out[:limit]


def _effect_words(comparison: dict[str, Any]) -> tuple[str, str]:
    lift = comparison.get("lift")
    n = comparison.get("applied_matched", 0)
    m = comparison.get("comparable_deals", 0)
    if lift is None:
        return (
            f"效果样本不足(应用 {n} 个、对照 {m} 个已结束商机)",
            f"effect not yet measurable ({n} applied, {m} comparable closed deals)",
        )
    ci = comparison["win_rate"]["ci"]
    pp = round(100 * lift)
    lo, hi = round(100 * ci[0]), round(100 * ci[1])
    return (
        f"赢单率 {pp:+d} 个百分点(95% 置信区间 {lo}~{hi},n={n},对照 {m})",
        f"win rate {pp:+d} pp (95% CI {lo} to {hi}, n={n}, {m} comparable)",
    )


def _rationale_zh(
    matched: list[str], features: dict[str, str], found: list[str], comparison: dict[str, Any]
) -> str:
    parts = [f"{DIMENSION_ZH.get(d, d)}相同({features[d]})" for d in matched]
    if found:
        parts.append("标签:" + "、".join(found))
    return ";".join([*parts, _effect_words(comparison)[0]])


def _rationale_en(
    matched: list[str], features: dict[str, str], found: list[str], comparison: dict[str, Any]
) -> str:
    parts = [f"same {d.replace('_', ' ')} ({features[d]})" for d in matched]
    if found:
        parts.append("tags: " + ", ".join(found))
    return "; ".join([*parts, _effect_words(comparison)[1]])
