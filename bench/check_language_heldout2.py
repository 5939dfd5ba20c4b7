"""Load and check the independent language set against the demo data it is scored on:
tests/data/language_independent_dev.jsonl and language_independent_heldout.jsonl, split
from one set by sha256(id) parity.

    KITH_SECRET_KEY=dev-secret-key-0123456789abcdef0123456789 PYTHONPATH=src \
        python bench/check_language_heldout2.py [--db /tmp/v-lang-demo/kith.db]

Without ``--db`` it builds the demo (seed 42, scale 0.05, anchor 2026-11-20 09:00 Shanghai) in a
temporary directory. Checks: valid JSON, unique ids, known typing users, registered tool names,
slots only on the entry's tools, every ``@kind:NAME`` reference resolving to exactly one record, and
every listed answer name existing. Prints the counts by language, kind and tool as JSON; exits 1 on
any problem (listed on stderr).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[1] / "tests" / "data"
DATA = (
    DATA_DIR / "language_independent_dev.jsonl",
    DATA_DIR / "language_independent_heldout.jsonl",
)

REF_SQL = {
    "contact": "select count(*) from contacts where deleted_at is null and name = ?",
    "account": (
        "select count(*) from accounts where deleted_at is null and (name = ? or short_name = ?)"
    ),
    "user": "select count(*) from users where name = ?",
    "deal": "select count(*) from deals where deleted_at is null and name = ?",
    "ticket": "select count(*) from tickets where deleted_at is null and number = ?",
    "order": "select count(*) from orders where deleted_at is null and number = ?",
}
NAME_SQL = {
    "deal": "select name from deals where deleted_at is null",
    "ticket": "select number from tickets where deleted_at is null",
    "order": "select number from orders where deleted_at is null",
    "activity": "select subject from activities where deleted_at is null",
    "contact": "select name from contacts where deleted_at is null",
    "account": "select name from accounts where deleted_at is null",
    "lead": "select name from leads where deleted_at is null",
}


def load(paths: tuple[Path, ...] = DATA) -> list[dict[str, Any]]:
    """The entries of both halves, one JSON object per line."""
    return [
        json.loads(line)
        for path in paths
        for line in path.read_text(encoding="utf-8").splitlines()
        if line
    ]


def demo_db() -> Path:
    from kith.bench.harness import demo_workspace

    home = Path(tempfile.mkdtemp(prefix="kith-heldout2-"))
    demo_workspace(home)
    return home / "kith.db"


def registered_tools() -> set[str]:
    from kith.bootstrap import wire
    from kith.gateway.registry import REGISTRY

    wire()
    return {spec.name for spec in REGISTRY}


def check(entries: list[dict[str, Any]], db: Path, tools: set[str]) -> list[str]:
    con = sqlite3.connect(db)
    emails = {row[0] for row in con.execute("select email from users")}
    users = {row[0] for row in con.execute("select name from users")}
    problems: list[str] = []
    seen: set[str] = set()
    for e in entries:
        eid = e.get("id", "?")
        if eid in seen:
            problems.append(f"{eid}: duplicate id")
        seen.add(eid)
        if e.get("lang") not in ("zh", "en"):
            problems.append(f"{eid}: lang {e.get('lang')!r}")
        if e.get("as") not in emails:
            problems.append(f"{eid}: unknown user {e.get('as')!r}")
        if e.get("kind") == "question":
            answer = e.get("answer", {})
            if not answer.get("numbers") and not answer.get("names"):
                problems.append(f"{eid}: question without an answer")
            known = users | {row[0] for sql in NAME_SQL.values() for row in con.execute(sql)}
            for name in answer.get("names", []):
                if name not in known:
                    problems.append(f"{eid}: answer name {name!r} not in the demo data")
            continue
        for name in e.get("tools", []):
            if name not in tools:
                problems.append(f"{eid}: tool {name!r} is not registered")
        if (e.get("refused") or e.get("question")) and e.get("tools"):
            problems.append(f"{eid}: a refused/ask-back entry lists tools")
        for key, value in e.get("slots", {}).items():
            tool = key.rsplit(".", 1)[0]
            if tool not in e.get("tools", []):
                problems.append(f"{eid}: slot {key} is not on one of the entry's tools")
            if isinstance(value, str) and value.startswith("@"):
                kind, _, name = value[1:].partition(":")
                sql = REF_SQL.get(kind)
                if sql is None:
                    problems.append(f"{eid}: unknown reference kind in {value!r}")
                    continue
                (count,) = con.execute(sql, (name,) * sql.count("?")).fetchone()
                if count != 1:
                    problems.append(f"{eid}: {value!r} matches {count} records")
    return problems


def counts(entries: list[dict[str, Any]]) -> dict[str, Any]:
    def kind(e: dict[str, Any]) -> str:
        if e.get("kind") == "question":
            return "question"
        return "refused" if e.get("refused") else "ask_back" if e.get("question") else "command"

    return {
        "entries": len(entries),
        "by_lang": dict(Counter(e["lang"] for e in entries)),
        "by_kind": dict(Counter(kind(e) for e in entries)),
        "by_lang_kind": dict(Counter(f"{e['lang']}/{kind(e)}" for e in entries)),
        "by_tool": dict(Counter(t for e in entries for t in e.get("tools", [])).most_common()),
        "questions_by_object": dict(
            Counter(e["object_type"] for e in entries if e.get("kind") == "question").most_common()
        ),
        "multi_step": sum(1 for e in entries if len(e.get("tools", [])) > 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an already built demo SQLite file")
    args = parser.parse_args()
    entries = load()
    problems = check(entries, args.db or demo_db(), registered_tools())
    print(json.dumps(counts(entries), ensure_ascii=False, indent=2))
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
