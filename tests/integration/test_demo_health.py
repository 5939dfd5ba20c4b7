"""The demo's customer health (S14): CSAT and NPS answers exist after resolved tickets,
telemetry carries failures, the default concept is published and every customer has
a value or a stated reason; the Harbin cohort is less reliable than other owners."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime

from sqlalchemy import select

from kith.access import service as access
from kith.concepts.models import ConceptValue, ConceptVersion
from kith.concepts.sources import survey_score
from kith.container import Container
from kith.crm.models import Interaction
from kith.demo.loader import load_demo

ANCHOR = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def test_demo_health_has_real_inputs(container: Container) -> None:
    load_demo(
        container, tenant_slug="demo", password="kith-demo-2026", seed=42, scale=0.05, anchor=ANCHOR
    )
    with container.uow() as uow:
        tenant = access.ensure_tenant(uow.session, "demo", "x")
        metas = uow.session.scalars(
            select(Interaction.meta).where(
                Interaction.tenant_id == tenant.id, Interaction.channel.in_(("web", "iot"))
            )
        ).all()
        csat = [v for m in metas if (v := survey_score(m, "csat")) is not None]
        nps = [v for m in metas if (v := survey_score(m, "nps")) is not None]
        faults = [m for m in metas if isinstance(m, dict) and m.get("fault_code")]
        # At this small scale a few dozen tickets are resolved; about 70 % answer.
        assert len(csat) >= 5 and len(nps) >= 2 and faults
        assert 2.5 < statistics.fmean(csat) < 4.9  # mostly satisfied, not all
        assert len(set(csat)) >= 2
        version = uow.session.scalars(
            select(ConceptVersion).where(ConceptVersion.tenant_id == tenant.id)
        ).one()
        assert (version.concept_key, version.status) == ("customer_health", "published")
        values = uow.session.scalars(
            select(ConceptValue).where(ConceptValue.tenant_id == tenant.id)
        ).all()
        known = [v for v in values if v.value is not None]
        assert len(known) >= 10
        assert len({v.band for v in known}) >= 2  # the demo's health is not one flat band
        assert all(v.reasons for v in values if v.value is None)
