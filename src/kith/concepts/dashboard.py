"""The health dashboard by segment: for the published version of a concept, each saved
segment of the subject type (and everyone) with its members' spread over the bands and
how many moved up or down by at least ``MOVE_POINTS`` in the last 7 and 30 days, plus the
biggest mover. Stored segment membership is read here (intelligence sits below)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from kith.access import policy
from kith.access.principal import Principal
from kith.concepts.models import ConceptValue
from kith.concepts.repository import ConceptRepository
from kith.core.errors import NotFound
from kith.db.uow import UnitOfWork
from kith.intelligence.segments.repository import SegmentRepository, member_ids

MOVE_POINTS = 5.0  # a smaller change is noise, not a move
WINDOWS = (7, 30)


def _summary(
    ids: Collection[str] | None,
    values: Mapping[str, ConceptValue],
    bands: list[str],
    before: Mapping[int, Mapping[str, float | None]],
) -> dict[str, Any]:
    chosen = values if ids is None else {i: values[i] for i in ids if i in values}
    counts = dict.fromkeys([*bands, "unknown"], 0)
    for row in chosen.values():
        counts[row.band if row.band in counts else "unknown"] += 1
    moved: dict[str, dict[str, int]] = {}
    biggest: dict[str, Any] | None = None
    for days in WINDOWS:
        up = down = 0
        for subject_id, row in chosen.items():
            old = before[days].get(subject_id)
            if old is None or row.value is None:
                continue
            delta = row.value - old
            up += int(delta >= MOVE_POINTS)
            down += int(delta <= -MOVE_POINTS)
            if (
                days == max(WINDOWS)
                and abs(delta) >= MOVE_POINTS
                and (biggest is None or abs(delta) > abs(biggest["delta"]))
            ):
                biggest = {
                    "subject_id": subject_id,
                    "before": old,
                    "after": row.value,
                    "delta": round(delta, 1),
                }
        moved[str(days)] = {"up": up, "down": down}
    return {
        "members": len(ids) if ids is not None else len(values),
        "with_value": len(chosen),
        "bands": counts,
        "moved": moved,
        "biggest_mover": biggest,
    }


def by_segment(
    uow: UnitOfWork, principal: Principal, concept_key: str, subject_type: str, now: datetime
) -> dict[str, Any]:
    policy.require(principal, "concept", "read")
    policy.require(principal, "segment", "read")
    concepts = ConceptRepository(uow.session, principal.tenant_id)
    published = concepts.published(concept_key)
    if not published:
        raise NotFound(f"No published version of {concept_key}")
    version = published[0]
    bands = [str(b["name"]) for b in version.definition.get("bands") or ()]
    values = concepts.values(concept_key, subject_type)
    before = {
        d: concepts.value_before(concept_key, subject_type, now - timedelta(days=d))
        for d in WINDOWS
    }
    segments = [
        s
        for s in SegmentRepository(uow.session, principal.tenant_id).all()
        if s.object_type == subject_type
    ]
    members = {s.id: member_ids(uow.session, principal.tenant_id, s.id) for s in segments}
    rows = [
        {
            "segment_id": None,
            "name": None,
            "label_zh": "全部客户",
            "label_en": "All customers",
            **_summary(None, values, bands, before),
        }
    ]
    for s in segments:
        rows.append(
            {
                "segment_id": s.id,
                "name": s.name,
                "label_zh": s.label_zh,
                "label_en": s.label_en,
                **_summary(members[s.id], values, bands, before),
            }
        )
    shown = [r["biggest_mover"] for r in rows if r["biggest_mover"]]
    names = concepts.names(subject_type, {m["subject_id"] for m in shown})
    for mover in shown:
        mover["name"] = names.get(mover["subject_id"], mover["subject_id"])
    return {
        "concept_key": concept_key,
        "version": version.version,
        "subject_type": subject_type,
        "bands": [
            {"name": str(b["name"]), "label_zh": b.get("label_zh"), "label_en": b.get("label_en")}
            for b in version.definition.get("bands") or ()
        ],
        "move_points": MOVE_POINTS,
        "windows": list(WINDOWS),
        "segments": rows,
    }
