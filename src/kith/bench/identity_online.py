"""``kith bench identity-online``: one arriving identity matched against a stored graph
of a million identities on SQLite (issue 24: p99 <= 50 ms).

The graph is built fast, not through the gateway: generated identities
(``kith.identity.generator``, chunks of seeds ``SEED + chunk``) are written with bulk
inserts — a person per generated person (the truth stands in for a linked graph), a
node per identity with its features, its blocking keys — into their own SQLite
workspace under ``KITH_HOME/bench/identity-online/`` (kept and reused by the next run
of the same size). The arrivals are identities of the first chunk held out of the
graph: each goes through ``IdentityIngest.ingest`` (blocking lookups, scoring, the
decision, the node, keys, person, link and event writes) and its unit of work
commits, one at a time, timed; afterwards the arrivals' rows are removed so the graph
keeps its size. ``--profile`` prints the cProfile top of the arrivals.
"""

from __future__ import annotations

import cProfile
import hashlib
import io
import pstats
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select

from kith.access.service import ensure_tenant, system_principal
from kith.bench.harness import generated_key, machine
from kith.bootstrap import build_container
from kith.container import Container
from kith.core.ids import new_id
from kith.core.settings import Settings
from kith.core.stats import percentile
from kith.db.engine import make_engine
from kith.db.migrate import upgrade
from kith.identity.generator import generate
from kith.identity.ingest import IdentityIngest, blocking_keys
from kith.identity.model import features
from kith.identity.models import IdentityKey, IdentityLink, IdentityNode, IdentityPerson

SEED = 500
CHUNK_PERSONS = 20_000  # about 50,000 identities per generated chunk
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
KINDS = {"app": "app_user_id", "mini_program": "open_id", "branch": "card"}


def _chunks(identities: int) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    total, chunk = 0, 0
    while total < identities:
        rows = []
        for identity in generate(CHUNK_PERSONS, seed=SEED + chunk):
            row = identity.row()
            row["record_id"] = f"{chunk}-{row['record_id']}"
            row["person_id"] = f"{chunk}-{row['person_id']}"
            rows.append(row)
        rows = rows[: identities - total]
        total += len(rows)
        yield chunk, rows
        chunk += 1


def person_key(generated: str) -> str:
    """The stored person of a generated person (its id derived, so the truth of an
    arrival's attachment can be checked on a reused graph)."""
    return hashlib.md5(f"{SEED}:{generated}".encode(), usedforsecurity=False).hexdigest()


def _held_out(rows: list[dict[str, Any]], arrivals: int) -> set[str]:
    rng = random.Random(SEED)
    return {r["record_id"] for r in rng.sample(rows, k=min(arrivals, len(rows) // 10))}


def _stream(
    identities: int, arrivals: int
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """(rows for the graph, arrivals) per chunk: ``identities + arrivals`` generated,
    the arrivals sampled from the first chunk, so the graph holds ``identities``."""
    for chunk, rows in _chunks(identities + arrivals):
        held = _held_out(rows, arrivals) if chunk == 0 else set()
        yield (
            [r for r in rows if r["record_id"] not in held],
            [r for r in rows if r["record_id"] in held],
        )


def _known_persons(container: Container, tenant_id: str, ids: list[str]) -> set[str]:
    with container.engine.connect() as conn:
        return set(
            conn.execute(
                select(IdentityPerson.id).where(
                    IdentityPerson.tenant_id == tenant_id, IdentityPerson.id.in_(ids)
                )
            ).scalars()
        )


def build(
    container: Container,
    tenant_id: str,
    identities: int,
    arrivals: int,
    existing: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Bulk-write the graph (the rows not in ``existing``: a smaller graph is completed
    to the size asked); returns what was written, the time and the held-out arrivals."""
    started = time.perf_counter()
    nodes = keys = persons = 0
    held: list[dict[str, Any]] = []
    with container.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
    for rows, out in _stream(identities, arrivals):
        held.extend(out)
        person_ids: dict[str, str] = {}
        node_rows: list[dict[str, Any]] = []
        key_rows: list[dict[str, Any]] = []
        for row in rows:
            if row["record_id"] in existing:
                continue
            person = person_ids.setdefault(row["person_id"], person_key(row["person_id"]))
            node_id = new_id()
            feats = features(row, "CN")
            node_rows.append(
                {
                    "id": node_id,
                    "tenant_id": tenant_id,
                    "kind": KINDS.get(str(row["source"]), "contact"),
                    "ref": row["record_id"],
                    "person_id": person,
                    "features": feats,
                    "last_activity_at": None,
                    "created_at": NOW,
                }
            )
            key_rows.extend(
                {"id": new_id(), "tenant_id": tenant_id, "rule": r, "key": k, "node_id": node_id}
                for r, k in blocking_keys(feats)
            )
        if not node_rows:
            continue
        known = (
            _known_persons(container, tenant_id, list(person_ids.values())) if existing else set()
        )
        person_rows = [
            {"id": p, "tenant_id": tenant_id, "segment": "other", "created_at": NOW}
            for p in person_ids.values()
            if p not in known
        ]
        with container.engine.begin() as conn:
            if person_rows:
                conn.execute(insert(IdentityPerson), person_rows)
            conn.execute(insert(IdentityNode), node_rows)
            conn.execute(insert(IdentityKey), key_rows)
        nodes, keys = nodes + len(node_rows), keys + len(key_rows)
        persons += len(person_rows)
    if nodes:
        with container.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {
        "identities_written": nodes,
        "persons_written": persons,
        "keys_written": keys,
        "build_seconds": round(time.perf_counter() - started, 1),
        "held": held,
    }


def _workspace(home: Path, identities: int) -> tuple[Container, str]:
    folder = home / "bench" / "identity-online"
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / f'graph-{identities}.db'}"
    generated_key()
    engine = make_engine(url)
    upgrade(engine)
    container = build_container(Settings(home=home, database_url=url, mode="test"), engine=engine)
    with container.uow() as uow:
        tenant = ensure_tenant(uow.session, "bench-identity", "Identity bench")
        uow.commit()
        tenant_id = tenant.id
    return container, tenant_id


def measure(
    container: Container, tenant_id: str, arrivals: list[dict[str, Any]], profile: bool
) -> dict[str, Any]:
    principal = system_principal(tenant_id, "identity-bench")
    latencies: list[float] = []
    decisions: dict[str, int] = {}
    right = attached = 0
    refs: list[str] = []
    profiler = cProfile.Profile() if profile else None
    for n, row in enumerate(arrivals):
        ref = f"arrival-{n}-{row['record_id']}"
        refs.append(ref)
        fields = {k: row.get(k) for k in ("name", "phone", "email", "device_id", "wechat_id")}
        fields.update({k: row.get(k) for k in ("card_no", "city", "birth_date")})
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        with container.uow() as uow:
            out = IdentityIngest(uow, principal, clock=lambda: NOW).ingest("open_id", ref, fields)
            uow.commit()
        if profiler is not None:
            profiler.disable()
        latencies.append((time.perf_counter() - started) * 1000)
        decisions[out["decision"]] = decisions.get(out["decision"], 0) + 1
        if out["decision"] == "attach":
            attached += 1
            right += out["person_id"] == person_key(str(row["person_id"]))
    _remove(container, tenant_id, refs)
    result: dict[str, Any] = {
        "arrivals": len(latencies),
        "decisions": decisions,
        "attach_precision": round(right / attached, 4) if attached else None,
        "p50_ms": round(percentile(latencies, 0.5), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2),
    }
    if profiler is not None:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
        result["profile"] = text.getvalue()
    return result


def _remove(container: Container, tenant_id: str, refs: list[str]) -> None:
    """Take the arrivals out again: the graph keeps its size for the next run."""
    with container.engine.begin() as conn:
        for first in range(0, len(refs), 500):
            chunk = refs[first : first + 500]
            rows = conn.execute(
                select(IdentityNode.id, IdentityNode.person_id).where(
                    IdentityNode.tenant_id == tenant_id, IdentityNode.ref.in_(chunk)
                )
            ).all()
            ids = [r[0] for r in rows]
            conn.execute(delete(IdentityKey).where(IdentityKey.node_id.in_(ids)))
            conn.execute(delete(IdentityLink).where(IdentityLink.other_node_id.in_(ids)))
            conn.execute(delete(IdentityNode).where(IdentityNode.id.in_(ids)))
            alone = [
                p
                for p in {r[1] for r in rows}
                if conn.execute(
                    select(func.count())
                    .select_from(IdentityNode)
                    .where(IdentityNode.tenant_id == tenant_id, IdentityNode.person_id == p)
                ).scalar_one()
                == 0
            ]
            conn.execute(delete(IdentityPerson).where(IdentityPerson.id.in_(alone)))


def run(identities: int = 1_000_000, arrivals: int = 1000, profile: bool = False) -> dict[str, Any]:
    home = Settings().home
    container, tenant_id = _workspace(home, identities)
    try:
        with container.engine.connect() as conn:
            existing = frozenset(
                conn.execute(
                    select(IdentityNode.ref).where(IdentityNode.tenant_id == tenant_id)
                ).scalars()
            )
        if len(existing) >= identities:  # built already: only the arrivals are generated
            first = next(_stream(identities, arrivals))
            graph: dict[str, Any] = {"identities_written": 0, "held": first[1]}
        else:
            graph = build(container, tenant_id, identities, arrivals, existing)
        held = graph.pop("held")
        # An arrival is never in the graph already (a graph built by an earlier version
        # of this bench may hold it).
        _remove(container, tenant_id, [r["record_id"] for r in held if r["record_id"] in existing])
        graph["reused_identities"] = len(existing)
        with container.engine.connect() as conn:
            size = conn.execute(
                select(func.count())
                .select_from(IdentityNode)
                .where(IdentityNode.tenant_id == tenant_id)
            ).scalar_one()
        online = measure(container, tenant_id, held, profile)
        return {
            "benchmark": "identity-online",
            "backend": "sqlite",
            "graph_identities": size,
            "graph": graph,
            "online": online,
            "online_p99_ms": online["p99_ms"],
            "machine": machine(container),
        }
    finally:
        container.engine.dispose()
