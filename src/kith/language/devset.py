"""The development set runner: exact plan match, per-slot accuracy, planning latency.

Each line of ``tests/data/language_devset.jsonl`` holds a text, who types it, and the
expected plan: ``kind``, the ordered ``tools``, ``slots`` (``tool.arg`` → expected
value; ``@contact:张建国``-style references are looked up by name in the demo data,
datetimes compare by their first 16 characters), ``question`` (a clarifying question
is expected or not), ``refused`` (no steps, a warning) and for questions the
``object_type`` and filters the query must contain, or the ``answer`` a person must
read: ``numbers`` each stated in the sentence or the table (万/亿 and thousands
separators read as a person reads them, within 0.5%), ``names`` the exact set of
records listed (first column).
"""

from __future__ import annotations

import json
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kith.core.stats import percentile

DEFAULT_DEVSET = Path(__file__).resolve().parents[3] / "tests" / "data" / "language_devset.jsonl"
ANCHOR = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
DEMO_PASSWORD = "kith-demo-2026"  # noqa: S105 - the demo's documented password
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 in Shanghai


def load_entries(path: str | Path | None = None) -> list[dict[str, Any]]:
    lines = Path(path or DEFAULT_DEVSET).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _refs(session: Any, tenant_id: str) -> dict[str, str]:
    from kith.access.models import User
    from kith.crm import models as crm

    out: dict[str, str] = {}
    for u in session.scalars(select(User).where(User.tenant_id == tenant_id)):
        out[f"@user:{u.name}"] = u.id
    for model, kind, attrs in (
        (crm.Contact, "contact", ("name",)),
        (crm.Account, "account", ("name", "short_name")),
        (crm.Ticket, "ticket", ("number",)),
        (crm.Deal, "deal", ("name",)),
        (crm.Order, "order", ("number",)),
    ):
        for row in session.scalars(select(model).where(model.tenant_id == tenant_id)):
            for attr in attrs:
                value = getattr(row, attr)
                if value:
                    out.setdefault(f"@{kind}:{value}", row.id)
    return out


def _value(steps: list[dict[str, Any]], key: str) -> Any:
    for step in steps:
        if key.startswith(step["tool"] + "."):
            path = key[len(step["tool"]) + 1 :]
            value: Any = step["args"]
            for part in path.split("."):
                if isinstance(value, dict):
                    value = value.get(part)
                elif isinstance(value, list) and part == "refs":
                    value = sorted(str(a.get("ref")) for a in value)
                else:
                    return None
            return value
    return None


def _same(actual: Any, expected: Any, refs: dict[str, str]) -> bool:
    if isinstance(expected, list):
        resolved = sorted(str(refs.get(e, e)) for e in expected)
        return bool(actual == resolved)
    if isinstance(expected, str) and expected.startswith("@"):
        return bool(actual == refs.get(expected, expected))
    if isinstance(expected, str) and expected.startswith("~"):
        return isinstance(actual, str) and expected[1:].lower() in actual.lower()
    if isinstance(expected, str) and len(expected) >= 16 and expected[4] == "-" and "T" in expected:
        return isinstance(actual, str) and actual[:16] == expected[:16]
    if isinstance(expected, (int, float)) and isinstance(actual, str):
        try:
            return float(actual) == float(expected)
        except ValueError:
            return False
    return bool(actual == expected)


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?\s*[万亿]?")


def _numbers_read(answer: dict[str, Any]) -> list[float]:
    """Every number a person reads in an answer: the sentence's and the table's."""
    text = " ".join(
        [str(answer.get("sentence") or "")]
        + [str(cell) for row in answer.get("rows") or [] for cell in row]
    )
    out: list[float] = []
    for match in _NUMBER.finditer(text):
        token = match.group().replace(",", "").strip()
        scale = 1.0
        if token.endswith("万"):
            token, scale = token[:-1].strip(), 1e4
        elif token.endswith("亿"):
            token, scale = token[:-1].strip(), 1e8
        try:
            out.append(float(token) * scale)
        except ValueError:
            continue
    return out


def _states(numbers: list[float], expected: float) -> bool:
    return any(abs(n - expected) <= max(0.005 * abs(expected), 0.01) for n in numbers)


def _answer_checks(entry: dict[str, Any], answer: dict[str, Any] | None) -> list[tuple[str, bool]]:
    expected = entry.get("answer")
    if not isinstance(expected, dict):
        return []
    got = answer or {}
    checks: list[tuple[str, bool]] = []
    numbers = _numbers_read(got)
    for value in expected.get("numbers", []):
        checks.append((f"answer {value}", _states(numbers, float(value))))
    if "names" in expected:
        listed = {str(row[0]) for row in got.get("rows") or [] if row}
        checks.append(("answer names", listed == {str(n) for n in expected["names"]}))
    return checks


def score(
    entry: dict[str, Any],
    plan: dict[str, Any],
    refs: dict[str, str],
    answer: dict[str, Any] | None = None,
) -> tuple[int, int, list[str]]:
    """(slots right, slots total, what was wrong)."""
    wrong: list[str] = []
    checks: list[tuple[str, bool]] = [("kind", plan["kind"] == entry.get("kind", "command"))]
    if plan["kind"] == "question" or entry.get("kind") == "question":
        query = plan.get("query") or {}
        checks.extend(_answer_checks(entry, answer))
        if "object_type" in entry:
            checks.append(("object_type", query.get("object_type") == entry["object_type"]))
        for f in entry.get("filters", []):
            checks.append((f"filter {f}", any(x.startswith(f) for x in query.get("filters", []))))
        if "aggregate" in entry:
            checks.append(
                ("aggregate", (query.get("aggregate") or {}).get("op") == entry["aggregate"])
            )
        if "query_kind" in entry:
            checks.append(("query_kind", query.get("kind") == entry["query_kind"]))
    else:
        tools = [s["tool"] for s in plan["steps"]]
        checks.append(("tools", tools == entry.get("tools", [])))
        for key, expected in entry.get("slots", {}).items():
            checks.append((key, _same(_value(plan["steps"], key), expected, refs)))
        if "question" in entry:
            checks.append(("question", bool(plan["questions"]) == entry["question"]))
        if "needs_approval" in entry:
            flags = [s["needs_approval"] for s in plan["steps"]]
            checks.append(("needs_approval", flags == entry["needs_approval"]))
        if entry.get("refused"):
            checks.append(("refused", not plan["steps"] and bool(plan["warnings"])))
        if "flags" in entry:
            checks.append(("flags", all(f in plan["flags"] for f in entry["flags"])))
    for name, ok in checks:
        if not ok:
            wrong.append(name)
    return sum(ok for _, ok in checks), len(checks), wrong


def run_devset(
    path: str | Path | None = None, container: Any = None, gateway: Any = None
) -> dict[str, Any]:
    """Score the planner on the set at ``path`` against ``container`` (default: a fresh
    demo workspace in a temporary SQLite database). The planner previews steps with
    ``gateway``: the container's when one is given, else the caller's (the gateway does
    not depend on the database: ``gateway_of`` any container built by kith.bootstrap)."""
    from kith.access.repository import AccessRepository
    from kith.access.service import principal_for_user
    from kith.gateway.gateway import gateway_of
    from kith.language.resolve import clear_cache
    from kith.language.service import plan_and_answer

    entries = load_entries(path)
    tmp = None
    if gateway is None:
        if container is None:
            raise ValueError("run_devset needs a container or a gateway")
        gateway = gateway_of(container)
    if container is None:
        from kith.container import Container
        from kith.core.settings import Settings
        from kith.db.engine import make_engine, make_session_factory
        from kith.db.migrate import upgrade
        from kith.demo.loader import load_demo

        tmp = tempfile.TemporaryDirectory()
        home = Path(tmp.name)
        url = f"sqlite:///{home / 'kith.db'}"
        engine = make_engine(url)
        upgrade(engine)
        container = Container(
            Settings(home=home, database_url=url, mode="test"),
            engine,
            make_session_factory(engine),
            gateway=gateway,
        )
        load_demo(
            container,
            tenant_slug="default",
            password=DEMO_PASSWORD,
            seed=42,
            scale=0.05,
            anchor=ANCHOR,
        )
    clear_cache()
    latencies: list[float] = []
    cold: list[float] = []  # each user's first plan also builds their gazetteer
    exact = 0
    right = total = 0
    failures: list[dict[str, Any]] = []
    by_lang: dict[str, list[int]] = {}
    with container.uow() as uow:
        repo = AccessRepository(uow.session)
        tenant = repo.tenant_by_slug("default")
        assert tenant is not None
        refs = _refs(uow.session, tenant.id)
        principals: dict[str, Any] = {}
        warmed: set[str] = set()
        for entry in entries:
            email = entry.get("as", "wang.qiang@kith.demo")
            if email not in principals:
                user = repo.user_in_tenant(tenant.id, email)
                assert user is not None, email
                principals[email] = principal_for_user(uow.session, user)
            started = time.perf_counter()
            answer: dict[str, Any] | None = None
            try:
                made, answer = plan_and_answer(
                    uow,
                    principals[email],
                    entry["text"],
                    entry.get("lang"),
                    NOW,
                    gateway,
                    answer="answer" in entry,
                )
                plan = made.as_dict()
            except Exception as exc:  # a crash is a miss, reported
                plan = {
                    "kind": "error",
                    "steps": [],
                    "questions": [],
                    "warnings": [str(exc)],
                    "flags": [],
                    "query": None,
                }
            elapsed = (time.perf_counter() - started) * 1000
            (cold if email not in warmed else latencies).append(elapsed)
            warmed.add(email)
            ok, n, wrong = score(entry, plan, refs, answer)
            right += ok
            total += n
            hit = not wrong
            exact += hit
            by_lang.setdefault(entry.get("lang", "?"), [0, 0])
            by_lang[entry.get("lang", "?")][0] += hit
            by_lang[entry.get("lang", "?")][1] += 1
            if wrong:
                failures.append(
                    {
                        "id": entry.get("id"),
                        "text": entry["text"],
                        "wrong": wrong,
                        "tools": [s["tool"] for s in plan["steps"]],
                    }
                )
        uow.rollback()
    everything = sorted(latencies + cold)
    latencies.sort()
    if tmp is not None:
        container.engine.dispose()
        tmp.cleanup()
    return {
        "entries": len(entries),
        "exact_plan_match": round(exact / len(entries), 4),
        "slot_accuracy": round(right / total, 4),
        "by_lang": {k: round(v[0] / v[1], 4) for k, v in by_lang.items()},
        "latency_ms_p50": round(statistics.median(latencies), 2),
        "latency_ms_p99": round(percentile(latencies, 0.99), 2),
        "latency_ms_max": round(latencies[-1], 2),
        "latency_ms_p99_including_cold": round(percentile(everything, 0.99), 2),
        "cold_first_plan_ms_max": round(max(cold), 2) if cold else None,
        "latency_note": "p50/p99 exclude each user's first plan, which also loads their "
        "gazetteer (cold_first_plan_ms_max)",
        "failures": failures,
    }
