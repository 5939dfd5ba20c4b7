"""What changed between two versions of a rule set: rules added, removed, moved or
changed (field by field), thresholds, actions, the fallback, the budget and the test
cases. Used by ``GET /risk/rulesets/{key}/diff``, the web editor and ``kith rules show
--diff``."""

from __future__ import annotations

from typing import Any

RULE_FIELDS = ("when", "score", "outcome", "reason_en", "reason_zh")
SETTINGS = ("thresholds", "actions", "fallback_outcome", "budget_ms")


def _rule(rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "when": rule.get("when"),
        "score": float(rule.get("score") or 0.0),
        "outcome": rule.get("outcome"),
        "reason_en": rule.get("reason_en"),
        "reason_zh": rule.get("reason_zh"),
    }


def diff_definitions(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    before = {r["name"]: _rule(r) for r in old.get("rules", [])}
    after = {r["name"]: _rule(r) for r in new.get("rules", [])}
    changed = []
    for name in [r["name"] for r in new.get("rules", [])]:
        if name not in before or before[name] == after[name]:
            continue
        changed.append(
            {
                "name": name,
                "fields": {
                    f: {"from": before[name][f], "to": after[name][f]}
                    for f in RULE_FIELDS
                    if before[name][f] != after[name][f]
                },
            }
        )
    kept_old = [n for n in before if n in after]
    kept_new = [n for n in after if n in before]
    settings = {
        key: {"from": old.get(key), "to": new.get(key)}
        for key in SETTINGS
        if old.get(key) != new.get(key)
    }
    cases_old = {c["name"]: c for c in old.get("test_cases", [])}
    cases_new = {c["name"]: c for c in new.get("test_cases", [])}
    return {
        "added": [{"name": n, **after[n]} for n in after if n not in before],
        "removed": [{"name": n, **before[n]} for n in before if n not in after],
        "changed": changed,
        "reordered": kept_old != kept_new,
        "settings": settings,
        "test_cases": {
            "added": [n for n in cases_new if n not in cases_old],
            "removed": [n for n in cases_old if n not in cases_new],
            "changed": [n for n in cases_new if n in cases_old and cases_new[n] != cases_old[n]],
        },
        "same": not (before.keys() ^ after.keys() or changed or settings or kept_old != kept_new),
    }
