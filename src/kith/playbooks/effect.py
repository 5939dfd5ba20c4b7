"""The measured effect of a practice: adoption, verification points met, and the win
rate and cycle time of deals that applied it against comparable deals that did not.

Matching is exact on three keys (coarsened exact matching): the stage the deal was in
when the practice was applied (a comparable deal passed through that stage), the
industry of its account, and its size band. Each stratum's comparables are weighted
by the applied deals in it, so the comparison is "the same mix of situations without
the practice". The win-rate difference gets a Wald 95% interval:

    var = p_a(1-p_a)/n_a + Σ_s w_s² p_s(1-p_s)/m_s,   w_s = n_a,s / n_a

(``p_s``, ``m_s``: the comparables' win rate and count in stratum ``s``); the cycle
time difference likewise with sample variances (strata with one comparable add no
variance term and are reported). The normal quantile is the standard library's
``statistics.NormalDist`` (the same value as ``scipy.stats.norm.ppf``, without importing
SciPy — seconds on a cold, loaded machine — into a recommendation request).
No lift is claimed below ``MIN_SAMPLE`` matched applied deals or comparables: the
figures are shown with ``sufficient: false`` and the reason.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from kith.playbooks.features import ClosedDeal
from kith.playbooks.models import PracticeApplication

MIN_SAMPLE = 10
CONFIDENCE = 0.95


def _z() -> float:
    return statistics.NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)


def adoption(applications: Sequence[PracticeApplication]) -> dict[str, Any]:
    points = [p for a in applications for p in a.points]
    met = sum(1 for p in points if p.get("met_at"))
    return {
        "reps": len({a.applied_by for a in applications}),
        "deals": len({a.deal_id for a in applications}),
        "applications": len(applications),
        "active": sum(1 for a in applications if a.status == "active"),
        "completed": sum(1 for a in applications if a.status == "completed"),
        "stopped": sum(1 for a in applications if a.status == "stopped"),
        "points_total": len(points),
        "points_met": met,
        "points_met_share": round(met / len(points), 4) if points else None,
    }


def compare(
    applications: Sequence[PracticeApplication], closed: Sequence[ClosedDeal]
) -> dict[str, Any]:
    by_id = {d.id: d for d in closed}
    applied_ids = {a.deal_id for a in applications}
    stage_at = {a.deal_id: a.stage_id for a in applications}
    others = [d for d in closed if d.id not in applied_ids]
    strata: dict[tuple[str, str, str], list[ClosedDeal]] = defaultdict(list)
    for deal_id in sorted(applied_ids):
        deal = by_id.get(deal_id)
        if deal is not None:
            key = (stage_at.get(deal_id) or "", deal.industry or "", deal.size or "")
            strata[key].append(deal)
    applied_closed = sum(len(v) for v in strata.values())
    matched: dict[tuple[str, str, str], tuple[list[ClosedDeal], list[ClosedDeal]]] = {}
    for key, deals in strata.items():
        stage, industry, size = key
        comps = [
            c
            for c in others
            if stage in c.stages and (c.industry or "") == industry and (c.size or "") == size
        ]
        if comps:
            matched[key] = (deals, comps)
    n_a = sum(len(a) for a, _ in matched.values())
    comparables = {c.id for _, comps in matched.values() for c in comps}
    out: dict[str, Any] = {
        "applied_closed": applied_closed,
        "applied_matched": n_a,
        "comparable_deals": len(comparables),
        "strata": len(matched),
        "min_sample": MIN_SAMPLE,
        "confidence": CONFIDENCE,
        "matched_on": ["stage", "industry", "deal_size"],
    }
    if not n_a:
        out.update(sufficient=False, reason="no applied deal has closed with comparables yet")
        out.update(win_rate=None, cycle_days=None, lift=None)
        return out
    z = _z()
    weights = {k: len(a) / n_a for k, (a, _) in matched.items()}
    applied = [d for a, _ in matched.values() for d in a]
    p_a = sum(d.won for d in applied) / n_a
    p_c = 0.0
    var = p_a * (1 - p_a) / n_a
    for key, (_, comps) in matched.items():
        p_s = sum(c.won for c in comps) / len(comps)
        p_c += weights[key] * p_s
        var += weights[key] ** 2 * p_s * (1 - p_s) / len(comps)
    diff = p_a - p_c
    half = z * math.sqrt(var)
    win = {
        "applied": round(p_a, 4),
        "comparable": round(p_c, 4),
        "difference": round(diff, 4),
        "ci": [round(diff - half, 4), round(diff + half, 4)],
    }
    c_a = [d.cycle_days for d in applied]
    mean_a = statistics.fmean(c_a)
    var_c = statistics.variance(c_a) / n_a if n_a > 1 else 0.0
    mean_c = 0.0
    single = 0
    for key, (_, comps) in matched.items():
        days = [c.cycle_days for c in comps]
        mean_c += weights[key] * statistics.fmean(days)
        if len(days) > 1:
            var_c += weights[key] ** 2 * statistics.variance(days) / len(days)
        else:
            single += 1
    half_c = z * math.sqrt(var_c)
    cycle = {
        "applied": round(mean_a, 2),
        "comparable": round(mean_c, 2),
        "difference": round(mean_a - mean_c, 2),
        "ci": [round(mean_a - mean_c - half_c, 2), round(mean_a - mean_c + half_c, 2)],
        "strata_without_variance": single,
    }
    sufficient = n_a >= MIN_SAMPLE and len(comparables) >= MIN_SAMPLE
    out.update(win_rate=win, cycle_days=cycle, sufficient=sufficient)
    out["lift"] = win["difference"] if sufficient else None
    if not sufficient:  # rates and sample sizes are shown; no difference is claimed
        for figures in (win, cycle):
            figures["difference"] = None
            figures["ci"] = None
        out["reason"] = (
            f"sample too small: {n_a} applied and {len(comparables)} comparable closed deals "
            f"(at least {MIN_SAMPLE} each before a lift is claimed)"
        )
    return out


def effect(
    applications: Sequence[PracticeApplication], closed: Sequence[ClosedDeal]
) -> dict[str, Any]:
    return {"adoption": adoption(applications), "comparison": compare(applications, closed)}


def by_practice(
    applications: Sequence[PracticeApplication],
) -> dict[str, list[PracticeApplication]]:
    grouped: dict[str, list[PracticeApplication]] = defaultdict(list)
    for a in applications:
        grouped[a.practice_id].append(a)
    return dict(grouped)
