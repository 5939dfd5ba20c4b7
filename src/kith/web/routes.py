"""The web UI: server-rendered page shells, static assets, sign-out and the language switch.

Pages are thin HTML shells rendered with Jinja2. Each carries a JSON "boot"
block (locale, messages, object descriptions, which page this is) and loads
one ES module that fetches the data from the REST API with the session cookie,
exactly like any other API client. The server only decides *whether* a page
may be shown (a valid session, else a redirect to ``/login``) and in which
language.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

from kith import __version__
from kith.access import policy
from kith.access import service as access
from kith.access.admin import KNOWN_OBJECTS
from kith.access.principal import Action, Principal
from kith.api.deps import SESSION_COOKIE, public_route, session_only
from kith.container import Container
from kith.core.errors import Unauthenticated
from kith.crm.specs import SPECS_BY_PLURAL
from kith.web.api import router as web_api_router
from kith.web.dispatch import router as web_dispatch_router
from kith.web.i18n import LANG_COOKIE, LOCALES, Translator, negotiate
from kith.web.imports import router as web_import_router
from kith.web.notifications import router as web_notifications_router
from kith.web.objects import NAV, ui_objects

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
RECORD_ID = re.compile(r"^[0-9a-f]{32}$")
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600
# Work screens in the side navigation: (page, path).
WORK_NAV = (
    ("inbox", "/inbox"),
    ("board", "/board"),
    ("queue", "/queue"),
    ("approvals", "/approvals"),
    ("dashboards", "/dashboards"),
    ("playbooks", "/playbooks"),
    ("concepts", "/concepts"),
    ("agents", "/agents"),
    ("realtime", "/realtime"),
    ("knowledge", "/knowledge"),
    ("identity", "/identity"),
    ("dispatch", "/dispatch"),
    ("admin", "/admin"),
)
# What a role must be allowed for a work screen's link to show (any one of them); screens
# not listed (approvals: everyone sees their own requests) always show. Administration is
# for those who may change users or read roles, not for everyone who may read the directory.
WORK_NEEDS: dict[str, tuple[tuple[str, Action], ...]] = {
    "inbox": (("conversation", "read"),),
    "board": (("deal", "read"),),
    "queue": (("ticket", "read"),),
    "dashboards": (("deal", "read"), ("ticket", "read"), ("contact", "read"), ("account", "read")),
    "playbooks": (("practice", "read"), ("anchor", "read")),
    "agents": (("role", "read"),),
    "realtime": (("risk_rule", "read"),),
    "knowledge": (("knowledge", "read"),),
    "identity": (("contact", "update"),),
    "dispatch": (("work_order", "read"),),
    "concepts": (("concept", "read"),),
    "admin": (("user", "update"), ("role", "read")),
}


def may_open(principal: Principal | None, page: str) -> bool:
    """Does the navigation offer this work screen or object list to the principal?"""
    if principal is None:
        return True
    needs = WORK_NEEDS.get(page, ((page, "read"),) if page in NAV else ())
    return not needs or any(policy.scope_for(principal, name, act) for name, act in needs)


# Explicit types: the platform's mimetypes table differs between machines,
# and browsers refuse ES modules served with a non-JavaScript type.
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".png": "image/png",
    ".woff2": "font/woff2",
}

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

templates = Environment(
    loader=FileSystemLoader(WEB_DIR / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


class StaticAssets(StaticFiles):
    """Static files with exact content types; the browser revalidates by ETag."""

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        content_type = CONTENT_TYPES.get(Path(full_path).suffix)
        if content_type and response.status_code != 304:
            response.headers["content-type"] = content_type
        response.headers["cache-control"] = "no-cache"
        response.headers["x-content-type-options"] = "nosniff"
        return response


def safe_next(value: str | None) -> str:
    """A local path to return to after sign-in or a language switch; never another site."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def signed_in(request: Request) -> Principal | None:
    """The principal behind the session cookie, or None when it is missing or expired."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with _container(request).uow() as uow:
        try:
            return access.authenticate(uow.session, token)
        except Unauthenticated:
            return None


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin:
        return urlsplit(origin).netloc == request.headers.get("host", "")
    fetch_site = request.headers.get("sec-fetch-site")
    return fetch_site in (None, "same-origin", "none")


def locale_of(request: Request) -> str:
    return negotiate(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def _current_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _to_login(request: Request) -> RedirectResponse:
    target = _current_path(request)
    location = "/login" if target == "/" else f"/login?next={quote(target, safe='')}"
    return RedirectResponse(location, status_code=303)


def render(
    request: Request,
    template: str,
    *,
    page: str,
    title: str,
    entry: str = "app.js",
    status_code: int = 200,
    page_data: dict[str, Any] | None = None,
    active: str | None = None,
) -> HTMLResponse:
    locale = locale_of(request)
    t = Translator(locale)
    objects = ui_objects(locale)
    principal = signed_in(request) if template == "app.html" else None
    boot = {
        "locale": locale,
        "version": __version__,
        "messages": t.messages,
        "objects": objects,
        "nav": list(NAV),
        "page": {"kind": page, **(page_data or {})},
    }
    html = templates.get_template(template).render(
        t=t,
        locale=locale,
        locales=LOCALES,
        title=title,
        page=page,
        entry=entry,
        boot=boot,
        nav=[objects[name] for name in NAV if may_open(principal, name)],
        work_nav=[(work, path) for work, path in WORK_NAV if may_open(principal, work)],
        active=active,
        here=_current_path(request),
        version=__version__,
        **(page_data or {}),
    )
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


def install(app: FastAPI) -> None:
    """Mount the static assets and register the page routes."""
    app.mount("/static", StaticAssets(directory=STATIC_DIR), name="static")
    app.include_router(web_api_router)
    app.include_router(web_import_router)
    app.include_router(web_notifications_router)
    app.include_router(web_dispatch_router)

    @app.get("/favicon.ico", include_in_schema=False, dependencies=[public_route()])
    def favicon() -> RedirectResponse:
        return RedirectResponse("/static/favicon.svg", status_code=308)

    @app.get("/login", include_in_schema=False, response_model=None, dependencies=[public_route()])
    def login_page(request: Request, next: str | None = None) -> Response:
        target = safe_next(next)
        if signed_in(request) is not None:
            return RedirectResponse(target, status_code=303)
        t = Translator(locale_of(request))
        return render(
            request,
            "login.html",
            page="login",
            title=t("login.title"),
            entry="page-login.js",
            page_data={"next": target},
        )

    @app.get("/logout", include_in_schema=False, response_model=None, dependencies=[public_route()])
    def logout_page(request: Request) -> Response:
        if signed_in(request) is None:
            return RedirectResponse("/login", status_code=303)
        t = Translator(locale_of(request))
        return render(request, "logout.html", page="logout", title=t("logout.title"), entry="")

    @app.post(
        "/logout", include_in_schema=False, response_model=None, dependencies=[public_route()]
    )
    def logout_submit(request: Request) -> Response:
        if not _same_origin(request):
            return Response("cross-site sign-out refused", status_code=403)
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            with _container(request).uow() as uow:
                access.logout(uow.session, token)
                uow.commit()
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get(
        "/lang/{code}", include_in_schema=False, response_model=None, dependencies=[public_route()]
    )
    def switch_language(code: str, next: str | None = None) -> Response:
        if code not in LOCALES:
            return Response("unknown language", status_code=404)
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(
            LANG_COOKIE, code, max_age=LANG_COOKIE_MAX_AGE, samesite="lax", httponly=True
        )
        return response

    @app.get("/", include_in_schema=False, response_model=None, dependencies=[session_only()])
    def home(request: Request) -> Response:
        if signed_in(request) is None:
            return _to_login(request)
        t = Translator(locale_of(request))
        return render(request, "app.html", page="home", title=t("home.title"), active="home")

    def _work_page(request: Request, page: str, data: dict[str, Any] | None = None) -> Response:
        if signed_in(request) is None:
            return _to_login(request)
        t = Translator(locale_of(request))
        return render(
            request,
            "app.html",
            page=page,
            title=t(f"{page}.title"),
            page_data=data,
            active=page,
        )

    @app.get("/board", include_in_schema=False, response_model=None, dependencies=[session_only()])
    def board_page(request: Request, pipeline: str | None = None) -> Response:
        chosen = pipeline if pipeline and RECORD_ID.match(pipeline) else None
        return _work_page(request, "board", {"pipeline": chosen})

    @app.get("/inbox", include_in_schema=False, response_model=None, dependencies=[session_only()])
    def inbox_page(request: Request, conversation: str | None = None) -> Response:
        chosen = conversation if conversation and RECORD_ID.match(conversation) else None
        return _work_page(request, "inbox", {"conversation": chosen})

    @app.get(
        "/inbox/mailboxes",
        include_in_schema=False,
        response_model=None,
        dependencies=[session_only()],
    )
    def mailboxes_page(request: Request) -> Response:
        return _work_page(request, "mailboxes")

    @app.get("/queue", include_in_schema=False, response_model=None, dependencies=[session_only()])
    def queue_page(request: Request) -> Response:
        return _work_page(request, "queue")

    @app.get(
        "/approvals", include_in_schema=False, response_model=None, dependencies=[session_only()]
    )
    def approvals_page(request: Request) -> Response:
        return _work_page(request, "approvals")

    @app.get(
        "/notifications",
        include_in_schema=False,
        response_model=None,
        dependencies=[session_only()],
    )
    def notifications_page(request: Request) -> Response:
        return _work_page(request, "notifications")

    @app.get(
        "/identity", include_in_schema=False, response_model=None, dependencies=[session_only()]
    )
    def identity_page(request: Request) -> Response:
        return _work_page(request, "identity")

    @app.get("/agents", include_in_schema=False, response_model=None, dependencies=[session_only()])
    def agents_page(request: Request) -> Response:
        return _work_page(request, "agents")

    @app.get(
        "/realtime", include_in_schema=False, response_model=None, dependencies=[session_only()]
    )
    def realtime_page(request: Request) -> Response:
        return _work_page(request, "realtime")

    @app.get(
        "/knowledge", include_in_schema=False, response_model=None, dependencies=[session_only()]
    )
    def knowledge_page(request: Request) -> Response:
        return _work_page(request, "knowledge")

    @app.get(
        "/dispatch", include_in_schema=False, response_model=None, dependencies=[session_only()]
    )
    def dispatch_page(request: Request) -> Response:
        return _work_page(request, "dispatch")

    @app.get("/admin", include_in_schema=False, response_model=None, dependencies=[session_only()])
    def admin_page(request: Request) -> Response:
        return _work_page(request, "admin", {"object_types": sorted(KNOWN_OBJECTS)})

    @app.get(
        "/dashboards", include_in_schema=False, response_model=None, dependencies=[session_only()]
    )
    def dashboards_page(request: Request) -> Response:
        return _work_page(request, "dashboards")

    @app.get(
        "/playbooks", include_in_schema=False, response_model=None, dependencies=[session_only()]
    )
    def playbooks_page(request: Request) -> Response:
        return _work_page(request, "playbooks")

    @app.get(
        "/concepts", include_in_schema=False, response_model=None, dependencies=[session_only()]
    )
    def concepts_page(request: Request) -> Response:
        return _work_page(request, "concepts")

    @app.get(
        "/passport/{decision_id}",
        include_in_schema=False,
        response_model=None,
        dependencies=[session_only()],
    )
    def passport_page(request: Request, decision_id: str) -> Response:
        if not RECORD_ID.match(decision_id):
            if signed_in(request) is None:
                return _to_login(request)
            t = Translator(locale_of(request))
            return render(
                request, "app.html", page="notfound", title=t("notfound.title"), status_code=404
            )
        return _work_page(request, "passport", {"id": decision_id})

    @app.get("/search", include_in_schema=False, response_model=None, dependencies=[session_only()])
    def search_page(request: Request, q: str = "") -> Response:
        if signed_in(request) is None:
            return _to_login(request)
        t = Translator(locale_of(request))
        return render(
            request,
            "app.html",
            page="search",
            title=t("search.title"),
            page_data={"q": q[:200]},
        )

    def _object_page(
        request: Request, plural: str, page: str, record_id: str | None = None
    ) -> Response:
        if signed_in(request) is None:
            return _to_login(request)
        locale = locale_of(request)
        t = Translator(locale)
        spec = SPECS_BY_PLURAL.get(plural)
        if spec is None or (record_id is not None and not RECORD_ID.match(record_id)):
            return render(
                request, "app.html", page="notfound", title=t("notfound.title"), status_code=404
            )
        label = ui_objects(locale)[spec.name]["label"]
        title = t("new.title", object=t(f"object.{spec.name}")) if page == "new" else label
        data: dict[str, Any] = {"object": spec.name}
        if record_id:
            data["id"] = record_id
        return render(request, "app.html", page=page, title=title, page_data=data, active=spec.name)

    @app.get(
        "/o/{plural}", include_in_schema=False, response_model=None, dependencies=[session_only()]
    )
    def list_page(request: Request, plural: str) -> Response:
        return _object_page(request, plural, "list")

    @app.get(
        "/o/{plural}/new",
        include_in_schema=False,
        response_model=None,
        dependencies=[session_only()],
    )
    def new_page(request: Request, plural: str) -> Response:
        return _object_page(request, plural, "new")

    @app.get(
        "/o/{plural}/{record_id}",
        include_in_schema=False,
        response_model=None,
        dependencies=[session_only()],
    )
    def record_page(request: Request, plural: str, record_id: str) -> Response:
        return _object_page(request, plural, "record", record_id)
