"""Placeholder until the web UI lands: a page pointing at the API docs."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse


def install(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    def index() -> str:
        return "<!doctype html><title>Kith</title><h1>Kith</h1><a href='/api/docs'>API</a>"
