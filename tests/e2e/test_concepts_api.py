"""Concepts over HTTP: a draft whose weights do not sum to 1 is a 422 naming the field,
publish recomputes, a customer's health explains itself (contributions sum to the
value), an unknown customer is a 404, preview on real customers writes nothing, viewers
cannot draft, and the survey page works from its signed link without login, once."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from kith.container import Container
from kith.privacy import links
from tests.conftest import Api, Workspace

DRAFT: dict[str, Any] = {
    "concept_key": "customer_health",
    "label_en": "Customer health",
    "label_zh": "客户健康度",
    "definition": {
        "indicators": [
            {
                "key": "csat",
                "label_en": "CSAT",
                "label_zh": "满意度",
                "source": "csat",
                "weight": 0.6,
                "normalisation": {"method": "minmax", "min": 1, "max": 5},
            },
            {
                "key": "sentiment",
                "label_en": "Sentiment",
                "label_zh": "情绪",
                "source": "sentiment",
                "weight": 0.4,
                "normalisation": {"method": "minmax", "min": -1, "max": 1},
            },
        ],
        "min_coverage": 0.5,
    },
}


def _customer(api: Api) -> tuple[str, str]:
    contact = api.post("/contacts", {"name": "王芳", "email": "wang.fang@example.com"})["id"]
    api.post(
        "/interactions",
        {
            "channel": "web",
            "direction": "inbound",
            "contact_id": contact,
            "subject": "CSAT 4/5",
            "meta": {"survey": "csat", "score": 4},
        },
    )
    ticket = api.post("/tickets", {"subject": "车机黑屏", "contact_id": contact})
    return contact, ticket["id"]


def test_weights_must_sum_to_one_with_the_field_path(as_role: Any) -> None:
    api = as_role("admin")
    bad = copy.deepcopy(DRAFT)
    bad["definition"]["indicators"][1]["weight"] = 0.5
    problem = api.post("/concepts", bad, expected=422)
    locs = [e["loc"] for e in problem["errors"]]
    assert ["body", "definition", "indicators"] in locs
    assert "sum to 1" in str(problem)
    assert api.get("/concepts") == []  # nothing half-written


def test_publish_and_read_a_customers_health(as_role: Any) -> None:
    admin = as_role("admin")
    contact, _ = _customer(admin)
    draft = admin.post("/concepts", DRAFT)
    assert draft["status"] == "draft" and draft["version"] == 1
    preview = admin.post("/concepts/preview", {"definition": DRAFT["definition"]}, expected=200)
    assert any(r["subject_id"] == contact and r["value"] == 75.0 for r in preview["rows"])
    assert admin.get(f"/concepts/customer_health/customers/contact/{contact}")["current"] is None

    published = admin.post("/concepts/customer_health/versions/1/publish", {}, expected=200)
    assert published["version"]["status"] == "published"
    assert published["recompute"]["computed"] >= 1
    health = admin.get(f"/concepts/customer_health/customers/contact/{contact}")["current"]
    # CSAT 4 on 1-5 → 0.75, sentiment missing: 75 on 0.6 of the weight, degraded.
    assert health["value"] == 75.0 and health["band"] == "healthy" and health["degraded"]
    points = sum(c["points"] for c in health["contributions"])
    assert abs(points - health["value"]) < 0.1
    assert health["contributions"][1]["status"] == "missing"
    dist = admin.get("/concepts/customer_health/distribution")
    assert (
        dist["total"] >= 1
        and sum(b["count"] for b in dist["bands"]) + dist["unknown"] == dist["total"]
    )
    # Unknown customers are the record's 404 (another tenant's too: test_tenant_isolation).
    admin.get(f"/concepts/customer_health/customers/contact/{'0' * 32}", expected=404)
    as_role("viewer").post("/concepts", DRAFT, expected=403)


def test_survey_page_from_a_signed_link(
    app_client: TestClient, container: Container, workspace: Workspace, as_role: Any
) -> None:
    admin = as_role("admin")
    contact, ticket = _customer(admin)
    token = links.sign(
        container.settings, workspace.tenant_id, contact, datetime(2099, 1, 1, tzinfo=UTC)
    )
    page = app_client.get(
        "/surveys/ticket", params={"token": token, "ticket": ticket, "lang": "en"}
    )
    assert page.status_code == 200 and "How satisfied are you" in page.text
    form = {"token": token, "ticket": ticket, "lang": "zh", "csat": "5", "nps": "10"}
    answered = app_client.post("/surveys/ticket", data=form)
    assert answered.status_code == 200 and "感谢您的反馈" in answered.text
    again = app_client.post("/surveys/ticket", data=form)
    assert again.status_code == 409
    bad = app_client.get("/surveys/ticket", params={"token": token + "x", "ticket": ticket})
    assert bad.status_code == 403
    # Another person's ticket with this person's link: refused.
    other = admin.post("/contacts", {"name": "赵磊"})["id"]
    theirs = admin.post("/tickets", {"subject": "x", "contact_id": other})["id"]
    assert (
        app_client.get("/surveys/ticket", params={"token": token, "ticket": theirs}).status_code
        == 403
    )
    summary = admin.get("/surveys/summary")
    assert summary["csat"]["responses"] == 2 and summary["csat"]["mean"] == 4.5
    assert summary["nps"]["score"] == 100.0
    timeline = admin.get(f"/contacts/{contact}/timeline")
    assert any("CSAT 5/5" in (e.get("summary") or "") for e in timeline["items"])
