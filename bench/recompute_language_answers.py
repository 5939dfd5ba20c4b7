"""Re-run the SQL behind every question of the independent language set on today's demo
and report (or, with ``--write``, update) the answers whose result changed.

    KITH_SECRET_KEY=… PYTHONPATH=src python bench/recompute_language_answers.py [--write]

The demo grows (a context adds its own demo records), and a question's expected answer
is defined by its SQL in tests/data/language_heldout2_sql.md, not by the number written
down the day the set was made. Only the answer of an entry whose SQL result changed is
touched, and only when it is a plain count/sum (first cell) or a list of names (first
column); anything else is reported for a person to decide. Prints ids and results only,
never the questions.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SQL_FILE = DATA / "language_heldout2_sql.md"
SETS = (DATA / "language_independent_dev.jsonl", DATA / "language_independent_heldout.jsonl")
SECTION = re.compile(
    r"^## (?P<id>h\d+) .*?```sql\n(?P<sql>.*?)\n```.*?Result: `(?P<result>.*?)`"
    r"(?: → answer `(?P<answer>.*?)`)?$",
    re.S | re.M,
)


def sections() -> list[dict[str, str]]:
    text = SQL_FILE.read_text(encoding="utf-8")
    return [m.groupdict() for m in SECTION.finditer(text)]


def _derive(old_answer: dict[str, Any], old_result: Any, rows: list[list[Any]]) -> Any:
    """The new answer when the old one was read off the result plainly, else None."""
    if "names" in old_answer and sorted(str(r[0]) for r in old_result) == sorted(
        map(str, old_answer["names"])
    ):
        return {"names": sorted(str(r[0]) for r in rows)}
    if (
        "numbers" in old_answer
        and len(old_answer["numbers"]) == 1
        and old_result
        and old_result[0]
        and old_result[0][0] == old_answer["numbers"][0]
        and rows
        and rows[0]
    ):
        return {"numbers": [rows[0][0]]}
    return None


def _rewrite_sql_file(changed: dict[str, Any], results: dict[str, Any]) -> None:
    """The recorded result and answer of each changed section, as of today's demo."""
    text = SQL_FILE.read_text(encoding="utf-8")

    def fix(match: re.Match[str]) -> str:
        entry = match.group("id")
        if entry not in changed:
            return match.group(0)
        head = match.group(0)[: match.start("result") - match.start(0)]
        result = json.dumps(results[entry], ensure_ascii=False)
        answer = json.dumps(changed[entry], ensure_ascii=False)
        return f"{head}{result}` → answer `{answer}`"

    SQL_FILE.write_text(SECTION.sub(fix, text), encoding="utf-8")


def main(write: bool) -> int:
    from kith.bench.harness import demo_workspace

    with tempfile.TemporaryDirectory() as tmp:
        demo_workspace(Path(tmp)).engine.dispose()
        db = sqlite3.connect(Path(tmp) / "kith.db")
        changed: dict[str, Any] = {}
        results: dict[str, Any] = {}
        undecided: list[str] = []
        for section in sections():
            rows = [list(r) for r in db.execute(section["sql"]).fetchall()]
            old = json.loads(section["result"])
            if sorted(map(str, rows)) == sorted(map(str, old)):
                continue
            answer = json.loads(section["answer"]) if section["answer"] else {}
            new = _derive(answer, old, rows)
            print(json.dumps({"id": section["id"], "old": old, "new": rows, "answer": new}))
            if new is None:
                undecided.append(section["id"])
            else:
                changed[section["id"]] = new
                results[section["id"]] = rows
    if write and changed:
        _rewrite_sql_file(changed, results)
        for path in SETS:
            lines = path.read_text(encoding="utf-8").splitlines()
            out = []
            for line in lines:
                entry = json.loads(line)
                if entry.get("id") in changed:
                    entry["answer"] = changed[entry["id"]]
                    line = json.dumps(entry, ensure_ascii=False)
                out.append(line)
            path.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(json.dumps({"changed": sorted(changed), "for_a_person": undecided}))
    return 1 if undecided else 0


if __name__ == "__main__":
    sys.exit(main("--write" in sys.argv[1:]))
