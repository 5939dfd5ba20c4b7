"""The committed OpenAPI document matches the code (run `make openapi` after API changes)."""

from __future__ import annotations

from pathlib import Path

from kith.openapi import render

COMMITTED = Path(__file__).parents[2] / "docs" / "openapi.json"


def test_committed_openapi_document_has_not_drifted() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(), (
        "docs/openapi.json is stale: run `make openapi` and commit it"
    )


def test_every_object_has_its_crud_list_and_timeline_routes() -> None:
    import json

    from kith.crm.specs import SPECS

    paths = json.loads(render())["paths"]
    for spec in SPECS.values():
        assert set(paths[f"/api/v1/{spec.plural}"]) == {"get", "post"}
        assert set(paths[f"/api/v1/{spec.plural}/{{record_id}}"]) == {"get", "patch", "delete"}
        assert "get" in paths[f"/api/v1/{spec.plural}/{{record_id}}/timeline"]
