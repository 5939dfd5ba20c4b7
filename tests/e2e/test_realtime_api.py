"""Real-time decisions over HTTP and the command line: a checkout's API key decides
(scope risk_decisions:write), an admin authors and publishes rule sets, lists and
experiments; bad input answers problem+json (HTTP) or exits 2 (CLI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from kith.realtime.defaults import PAYMENT_RULES
from tests.conftest import Api, Workspace, sign_in
from tests.e2e.test_cli import kith

BODY = {
    "customer_id": "cust-1",
    "order_id": "SO-1",
    "amount": "899.00",
    "currency": "CNY",
    "card_token_hash": "card-hash-1",
    "ip": "203.0.113.9",
    "device_fingerprint": "dev-1",
    "shipping_address": {"country": "CN", "city": "上海"},
}


def _checkout_key(admin: Api) -> Api:
    created = admin.post("/api-keys", {"name": "checkout", "scopes": ["risk_decisions:write"]})
    return Api(admin.client, created["secret"])


def test_a_checkout_key_decides_and_an_admin_publishes(
    app_client: TestClient, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    checkout = _checkout_key(admin)
    unknown = checkout.call("POST", "/decide/payment_check", 404, json=BODY)
    assert "payment_check" in unknown["detail"]

    draft = admin.post("/risk/rulesets/payment_check/versions", {"definition": PAYMENT_RULES})
    assert (draft["version"], draft["status"]) == (1, "draft")
    tested = admin.post("/risk/rulesets/payment_check/versions/1/test", {}, 200)
    assert tested["passed"] is True and len(tested["cases"]) == 3
    route = admin.post("/risk/rulesets/payment_check/publish", {"version": 1}, 200)
    assert route["champion"] == 1
    admin.post(
        "/risk/lists",
        {"list_name": "blocklist", "kind": "cidr", "value": "198.51.100.0/24", "reason": "proxy"},
    )

    passed = checkout.call("POST", "/decide/payment_check", 200, json=BODY)
    assert passed["outcome"] == "pass" and passed["reasons"] == []
    assert passed["ruleset_version"] == 1 and passed["variant"] == "champion"
    assert passed["latency_ms"] > 0 and passed["decision_id"]
    blocked = checkout.call(
        "POST",
        "/decide/payment_check",
        200,
        json={**BODY, "order_id": "SO-2", "ip": "198.51.100.4"},
        params={"budget_ms": 500},
    )
    assert blocked["outcome"] == "block" and blocked["reasons"][0]["zh"]

    # the checkout key may decide, not edit rules
    refused = checkout.client.post(
        "/api/v1/risk/rulesets/payment_check/rollback", headers=checkout.headers
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")

    missing = checkout.call(
        "POST", "/decide/payment_check", 422, json={k: v for k, v in BODY.items() if k != "ip"}
    )
    assert any(e["loc"][-1] == "ip" for e in missing["errors"])
    broken = {**PAYMENT_RULES, "rules": [{"name": "x", "when": "card.accounts_1h >="}]}
    bad = admin.call(
        "POST", "/risk/rulesets/payment_check/versions", 422, json={"definition": broken}
    )
    assert bad["errors"][0]["loc"] == ["rules", 0, "when"]

    overview = admin.get("/risk/rulesets")
    assert [v["version"] for v in overview["versions"]] == [1]
    stats = admin.get("/risk/rulesets/payment_check/stats")
    assert stats["variants"][0]["outcomes"] == {"pass": 1, "block": 1}


def _cli_ok(home: Path, *args: str) -> Any:
    result = kith(home, *args, "--json", mode="test")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_command_line_drafts_publishes_decides_and_refuses_bad_input(tmp_path: Path) -> None:
    init = kith(
        tmp_path,
        "init",
        "--admin-email",
        "root@corp.cn",
        mode="test",
        KITH_ADMIN_PASSWORD="s3cure-enough-pw",
    )
    assert init.returncode == 0, init.stderr
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(PAYMENT_RULES, ensure_ascii=False), encoding="utf-8")
    assert (
        _cli_ok(tmp_path, "rules", "draft", "payment_check", "--file", str(rules))["version"] == 1
    )
    assert _cli_ok(tmp_path, "rules", "publish", "payment_check", "1")["champion"] == 1
    _cli_ok(
        tmp_path,
        "rules",
        "lists",
        "add",
        "--list",
        "blocklist",
        "--kind",
        "device",
        "--value",
        "dev-bad",
        "--reason",
        "ring",
    )
    decided = _cli_ok(
        tmp_path,
        "decide",
        "payment_check",
        "--input",
        json.dumps({**BODY, "device_fingerprint": "dev-bad"}),
    )
    assert decided["outcome"] == "block"
    assert _cli_ok(tmp_path, "rules", "list")[0]["role"] == "champion"

    missing = kith(
        tmp_path, "decide", "payment_check", "--input", '{"customer_id": "c"}', mode="test"
    )
    assert missing.returncode == 2 and "order_id" in missing.stderr
    not_json = kith(tmp_path, "decide", "payment_check", "--input", "{nope", mode="test")
    assert not_json.returncode == 2 and "not valid JSON" in not_json.stderr
    unknown = kith(tmp_path, "decide", "refund_check", "--input", json.dumps(BODY), mode="test")
    assert unknown.returncode == 2 and "refund_check" in unknown.stderr
    rules.write_text('{"rules": [{"name": "x", "when": "card.accounts_1h >="}]}')
    broken = kith(tmp_path, "rules", "draft", "payment_check", "--file", str(rules), mode="test")
    assert broken.returncode == 2 and "rules.0.when" in broken.stderr
    rollback = kith(tmp_path, "rules", "rollback", "payment_check", mode="test")
    assert rollback.returncode == 2 and "no previous version" in rollback.stderr
    experiment = kith(
        tmp_path, "rules", "experiment", "payment_check", "--mode", "sideways", mode="test"
    )
    assert experiment.returncode == 2 and "--mode" in experiment.stderr


def test_bench_decide_prints_the_figures(tmp_path: Path) -> None:
    result = kith(
        tmp_path,
        "bench",
        "decide",
        "--rate",
        "50",
        "--seconds",
        "0.4",
        "--max-decisions",
        "40",
        "--customers",
        "30",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    for key in ("decisions_per_second", "p50_ms", "p99_ms", "p999_ms", "budget_fallbacks"):
        assert isinstance(figures[key], int | float), key
    assert figures["sustained"]["decisions"] == 20 and figures["max"]["decisions"] == 40
    assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["p999_ms"]
    assert sum(figures["outcomes"].values()) == 20
    assert [p.name for p in tmp_path.iterdir()] == ["temp"]
    assert not list((tmp_path / "temp").iterdir()), "the benchmark cleans up after itself"
