"""The identity story on demo data (issue 24, S7): the same people in the app, the
mini-program, a branch and the call centre, without a shared key, linked on arrival
and shown on their contact page; doubtful pairs wait in the review inbox, where a
person confirms one with the Y key and undoes it again — in Chinese and English, on a
390-pixel phone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kith.access.models import Tenant
from kith.app import create_app
from kith.container import Container
from kith.crm.models import Contact
from kith.demo.loader import load_demo
from kith.identity.models import IdentityNode
from tests.conftest import Api

ANCHOR = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
PASSWORD = "kith-demo-2026"
ADMIN = "zhou.ming@kith.demo"
PHONE = {"width": 390, "height": 844}


def _load(container: Container) -> str:
    result = load_demo(
        container, tenant_slug="demo", password=PASSWORD, seed=42, scale=0.05, anchor=ANCHOR
    )
    assert result.status == "loaded"
    container.clock = lambda: ANCHOR
    with container.uow() as uow:
        return str(uow.session.scalars(select(Tenant.id).where(Tenant.slug == "demo")).one())


def _story_contact(container: Container, tenant_id: str) -> str:
    """A demo contact whose app user, mini-program, branch card and call-centre phone
    were all linked to it."""
    with container.uow() as uow:
        nodes = uow.session.execute(
            select(IdentityNode.person_id, IdentityNode.kind, IdentityNode.ref).where(
                IdentityNode.tenant_id == tenant_id
            )
        ).all()
    kinds: dict[str, set[str]] = {}
    contact_of: dict[str, str] = {}
    for person_id, kind, ref in nodes:
        kinds.setdefault(str(person_id), set()).add(kind)
        if kind == "contact":
            contact_of[str(person_id)] = ref
    complete = sorted(
        contact_of[p]
        for p, k in kinds.items()
        if {"contact", "app_user_id", "open_id", "card", "phone"} <= k and p in contact_of
    )
    assert complete, "no demo person was linked across the four channels"
    return complete[0]


def test_the_demo_links_one_person_across_four_channels(container: Container) -> None:
    tenant_id = _load(container)
    contact_id = _story_contact(container, tenant_id)
    with TestClient(create_app(container)) as client:
        response = client.post("/api/v1/auth/login", json={"email": ADMIN, "password": PASSWORD})
        assert response.status_code == 200, response.text
        api = Api(client, response.json()["token"])
        person = api.get(f"/identity/contacts/{contact_id}")["person"]
        by_kind = {i["kind"]: i for i in person["identities"]}
        assert {"contact", "app_user_id", "open_id", "card", "phone"} <= set(by_kind)
        with container.uow() as uow:
            contact = uow.session.get(Contact, contact_id)
            assert contact is not None
            name = contact.name
        # No shared key: the app has pinyin, the branch traditional characters, the
        # call centre a surname and a title, the mini-program no name at all.
        assert (
            by_kind["app_user_id"]["features"]["name_key"]
            == by_kind["contact"]["features"]["name_key"]
        )
        assert by_kind["open_id"]["features"]["name_key"] is None
        assert by_kind["phone"]["features"]["name_partial"] == 1
        assert by_kind["card"]["features"]["phone"] is None  # the branch: name and city only
        assert name not in str(by_kind["app_user_id"]["features"])
        assert person["links"], "the links that joined them are kept with their evidence"

        quality = api.get("/identity/quality")
        # Linking recognises more than shared keys alone would have.
        assert quality["resolution_rate"] > quality["resolution_rate_exact_keys"] > 0
        assert quality["review_backlog"] > 0
        assert quality["ghost_identities"] >= 4
        inbox = api.get("/identity/proposals")["items"]
        assert inbox and all(p["probability"] >= 0.5 for p in inbox)


def test_review_inbox_confirm_and_unmerge_in_the_browser(
    container: Container, live_server: str, browser: Any
) -> None:
    _load(container)
    for locale, confirm, unmerge, merged, unmerged in (
        ("zh-CN", "确认是同一人", "撤销合并", "已合并", "已撤销合并"),
        ("en", "Same person: merge", "Unmerge", "Merged.", "Unmerged"),
    ):
        page = browser.new_page(viewport=PHONE, locale=locale)
        page.clock.set_fixed_time(ANCHOR)
        errors: list[str] = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        page.goto(f"{live_server}/login")
        page.fill("#login-email", ADMIN)
        page.fill("#login-password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        if locale == "en":
            page.goto(f"{live_server}/lang/en?next=/identity")
        page.goto(f"{live_server}/identity")
        page.wait_for_selector("#page[aria-busy=false]")
        page.wait_for_selector(".identity-pair")
        first = page.locator(".identity-pair").first
        assert first.locator("button", has_text=confirm).is_visible()
        assert first.locator(".evidence-list li").count() >= 1
        # Nothing wider than the phone's screen.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        first.focus()
        page.keyboard.press("y")
        page.wait_for_selector(".identity-pair .notice")
        assert merged in first.inner_text(), first.inner_text()
        page.locator(".identity-pair button", has_text=unmerge).first.click()
        page.wait_for_selector(f".identity-pair .notice-ok:has-text('{unmerged}')")
        assert not errors, errors
        page.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_contact_page_shows_the_person(
    container: Container, live_server: str, browser: Any, locale: str
) -> None:
    tenant_id = _load(container)
    contact_id = _story_contact(container, tenant_id)
    page = browser.new_page(viewport=PHONE, locale=locale)
    page.clock.set_fixed_time(ANCHOR)
    page.goto(f"{live_server}/login")
    page.fill("#login-email", ADMIN)
    page.fill("#login-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    if locale == "en":
        page.goto(f"{live_server}/lang/en?next=/")
    page.goto(f"{live_server}/o/contacts/{contact_id}")
    page.wait_for_selector(".identity-card .identity-node")
    text = page.locator(".identity-card").inner_text()
    expected = (
        ("App 用户", "小程序用户", "会员卡")
        if locale == "zh-CN"
        else ("App user", "Mini-program user", "Loyalty card")
    )
    for label in expected:
        assert label in text, (label, text)
    page.close()
