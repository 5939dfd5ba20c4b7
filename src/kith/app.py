"""The FastAPI application: every context's router, problem+json errors and the web UI.

It sits at the top with the CLI: it assembles the contexts' endpoints; the HTTP
kit they use (dependencies, responses, problems) is ``kith.api``."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Route
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from kith import __version__
from kith.agents.endpoints import router as agents_router
from kith.api import problems
from kith.api.access_endpoints import router as access_router
from kith.api.deps import public_route
from kith.api.edge import RequestGuard, SecurityHeaders
from kith.api.responses import KithJSON
from kith.bootstrap import build_container
from kith.concepts.endpoints import router as concepts_router
from kith.container import Container
from kith.crm.inbound_endpoints import router as inbound_router
from kith.events.endpoints import router as events_router
from kith.fieldservice.endpoints import router as fieldservice_router
from kith.flows.endpoints import router as flows_router
from kith.gateway.endpoints import router as gateway_router
from kith.gateway.record_endpoints import router as crm_router
from kith.identity.endpoints import router as identity_router
from kith.intelligence.endpoints import router as intelligence_router
from kith.intelligence.performance_endpoints import router as performance_router
from kith.intelligence.segment_endpoints import router as segments_router
from kith.knowledge.endpoints import router as knowledge_router
from kith.language.endpoints import router as language_router
from kith.platform.endpoints import router as webhooks_router
from kith.platform.mcp import KithMcp
from kith.platform.ratelimit import RateLimitHeaders
from kith.playbooks.endpoints import router as playbooks_router
from kith.privacy.endpoints import router as privacy_router
from kith.realtime.endpoints import router as realtime_router
from kith.scheduling.endpoints import router as scheduling_router

DESCRIPTION = """
Kith's REST API. Every object supports create, read, update (send the
`version` you read; a stale version gets 409 and changes nothing), delete,
list with `filter=field:op:value`, `sort=-field`, cursor pagination and
full-text search (`q=`, Chinese included), and a timeline.

Errors are `application/problem+json` with field paths in `errors[].loc`.
Authenticate with `Authorization: Bearer <token>` from `POST /api/v1/auth/login`
or an API key.
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Embedded mode: the relay and consumers run inside the server process."""
    from kith import runtime

    container: Container = app.state.container
    stop = runtime.start_embedded(container) if container.settings.embedded_runtime else None
    try:
        async with app.state.mcp.running():
            yield
    finally:
        if stop is not None:
            stop()


def create_app(container: Container | None = None) -> FastAPI:
    container = container or build_container()
    app = FastAPI(
        lifespan=_lifespan,
        title="Kith",
        version=__version__,
        description=DESCRIPTION,
        default_response_class=KithJSON,
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container
    problems.install(app)
    app.add_middleware(RateLimitHeaders)  # innermost: sees the request's state
    app.add_middleware(RequestGuard)
    app.add_middleware(SecurityHeaders)  # outermost: the guard's answers get headers too
    app.include_router(access_router)
    app.include_router(crm_router)
    app.include_router(inbound_router)
    app.include_router(events_router)
    app.include_router(gateway_router)
    app.include_router(agents_router)
    app.include_router(intelligence_router)
    app.include_router(segments_router)
    app.include_router(performance_router)
    app.include_router(knowledge_router)
    app.include_router(language_router)
    app.include_router(privacy_router)
    app.include_router(identity_router)
    app.include_router(scheduling_router)
    app.include_router(realtime_router)
    app.include_router(playbooks_router)
    app.include_router(flows_router)
    app.include_router(fieldservice_router)
    app.include_router(concepts_router)
    app.include_router(webhooks_router)

    _install_mcp(app, container)
    _install_offline_docs(app)
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]

    @app.get("/healthz", tags=["Health"], include_in_schema=False, dependencies=[public_route()])
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    from kith.web.routes import install as install_web

    install_web(app)
    return app


def _install_mcp(app: FastAPI, container: Container) -> None:
    """The MCP door at ``/mcp`` (streamable HTTP; it authenticates each request itself,
    so it is not one of the API's declared routes)."""
    mcp_http = KithMcp(container).http_app()
    app.state.mcp = mcp_http
    app.router.routes.append(Route("/mcp", mcp_http, methods=["GET", "POST", "DELETE"]))


def _install_offline_docs(app: FastAPI) -> None:
    """Swagger UI from the swagger-ui-bundle package: the docs work without a CDN."""
    app.mount("/api/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/api/docs", include_in_schema=False, dependencies=[public_route()])
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="Kith API",
            swagger_js_url="/api/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs-assets/swagger-ui.css",
            swagger_favicon_url="/api/docs-assets/favicon-32x32.png",
        )
        page.headers["Content-Security-Policy"] = docs_csp(bytes(page.body).decode())
        return page


def docs_csp(html: str) -> str:
    """Scripts and styles from this origin only, plus the page's own inline boot script
    (allowed by its hash, so nothing injected could run)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    )
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' {hashes}".strip(),
            # Swagger UI sets element styles from JavaScript
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "font-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with the problem+json error answers of every operation."""
    if app.openapi_schema is None:
        app.openapi_schema = problems.document(
            get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
        )
    return app.openapi_schema
