"""The sign-in page's second step, in zh-CN and en: the code (or a recovery code) after
the password, and enrolment with recovery codes for a role that requires it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from kith.access import signin, twofactor
from kith.access.models import Role, User
from kith.container import Container
from kith.web.i18n import EN, ZH_CN
from tests.conftest import PASSWORD, Workspace

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
STEP_KEYS = ("login.code_title", "login.code", "login.use_recovery", "login.enrol_title")


def test_the_sign_in_page_carries_the_code_step_in_both_languages(
    app_client: TestClient,
) -> None:
    zh = app_client.get("/login").text
    en = app_client.get("/login", headers={"Accept-Language": "en"}).text
    for key in STEP_KEYS:
        assert ZH_CN[key] in zh and EN[key] in en, key
        assert ZH_CN[key] != EN[key], key
    assert 'autocomplete="one-time-code"' in zh
    assert 'id="code-form"' in zh and 'id="enrol-form"' in zh


def _enrol(container: Container, user_id: str) -> tuple[str, list[str]]:
    with container.uow() as uow:
        user = uow.session.get(User, user_id)
        assert user is not None
        secret = signin.start_enrolment(uow.session, user, "Kith").secret
        ctx = signin.SignInContext.of(container.settings, T0, "127.0.0.1")
        actor = signin.SYSTEM_SIGN_IN
        codes = signin.confirm_enrolment(
            uow.session, user, twofactor.code_at(secret, T0), ctx, actor
        )
        uow.commit()
    return secret, codes


def _browser_page(browser: Any, locale: str) -> tuple[Any, list[str]]:
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1100, "height": 800}, locale=locale)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def test_browser_signs_in_with_a_code_then_a_recovery_code(
    live_server: str, browser: Any, container: Container, workspace: Workspace
) -> None:
    user = workspace.users["sales"]
    secret, codes = _enrol(container, user.id)
    container.clock = lambda: T0.replace(minute=5)
    page, errors = _browser_page(browser, "en-US")
    page.goto(f"{live_server}/login")
    page.fill("#login-email", user.email)
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#code-form:not([hidden])")
    assert page.locator("#code-heading").inner_text() == "Two-step verification"
    page.fill("#login-code", "000000")
    page.click("#code-form button[type=submit]")
    page.wait_for_selector("#login-code-error:has-text('That code is not right.')")
    page.click("#code-switch")
    page.fill("#login-recovery", codes[0])
    page.click("#code-form button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.wait_for_selector("#me-name")
    assert not errors, errors
    page.close()
    # a second sign-in in Chinese, with the authenticator's code, in a fresh browser
    # context: clearing the cookies of the signed-in page lets its own scripts race
    # the next navigation (they redirect to /login on the first 401)
    page, errors = _browser_page(browser, "en-US")
    page.goto(f"{live_server}/lang/zh-CN?next=/login")
    page.fill("#login-email", user.email)
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#code-form:not([hidden])")
    assert page.locator("#code-heading").inner_text() == "两步验证"
    page.fill("#login-code", twofactor.code_at(secret, T0.replace(minute=5)))
    page.click("#code-form button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    assert not errors, errors


def test_browser_enrols_a_user_whose_role_requires_it(
    live_server: str, browser: Any, container: Container, workspace: Workspace
) -> None:
    with container.uow() as uow:
        role = uow.session.scalars(
            select(Role).where(Role.tenant_id == workspace.tenant_id, Role.name == "service")
        ).one()
        role.requires_2fa = True
        uow.commit()
    container.clock = lambda: T0
    page, errors = _browser_page(browser, "zh-CN")
    page.goto(f"{live_server}/login")
    page.fill("#login-email", workspace.users["service"].email)
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#enrol-form:not([hidden])")
    assert page.locator("#enrol-heading").inner_text() == "设置两步验证"
    secret = page.locator("#enrol-secret").inner_text()
    assert page.locator("#enrol-uri").get_attribute("href").startswith("otpauth://totp/")
    page.fill("#enrol-code", twofactor.code_at(secret, T0))
    page.click("#enrol-form button[type=submit]")
    page.wait_for_selector("#recovery-panel:not([hidden])")
    shown = page.locator("#recovery-codes li").all_inner_texts()
    assert len(shown) == 10 and all(re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", c) for c in shown)
    page.click("#recovery-continue")
    page.wait_for_url(f"{live_server}/")
    page.wait_for_selector("#me-name")
    assert not errors, errors
