"""Architecture rules of issue 13 that ``lint-imports`` does not check, read from the
source's syntax trees (no imports, no database):

- no module imports an underscore name from another package, nor reaches an underscore
  attribute of a module it imported from another package;
- no module is over 600 lines, except the ones listed (migrations, i18n tables, demo
  vocabulary);
- no package of ``src/kith`` sits in an import cycle (module-level imports,
  ``TYPE_CHECKING`` blocks excluded: what ``/work/shared/tools/package_cycles.py`` counts);
- the composition root is the only place that constructs the gateway and the agents'
  collaboration hub;
- no HTTP or web module filters by tenant itself (row scoping lives in repositories).

Each checker is a function over source text, so the tests below also show it can fail.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
KITH = SRC / "kith"
MAX_LINES = 600
# Modules allowed over MAX_LINES: tables, not logic. Paths relative to src/.
LONG_ALLOWED = {
    "kith/web/i18n.py",  # the UI's zh/en string table
    "kith/core/event_types.py",  # the event catalogue: one constant and zh/en line per type
    "kith/demo/vocab.py",  # the demo data's vocabulary
    "kith/knowledge/demo.py",  # the demo knowledge documents (zh/en text)
    "kith/intelligence/scoring/sentiment_corpus.py",  # the sentiment corpus's zh/en phrase tables
}
LONG_ALLOWED_DIRS = ("kith/db/migrations/",)  # schema snapshots
# Only the composition root builds these (everything else receives them).
BUILT_ONLY_IN_BOOTSTRAP = ("Gateway", "CollaborationHub")


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(KITH.rglob("*.py")):
        rel = path.relative_to(SRC).with_suffix("")
        parts = rel.parts[:-1] if rel.parts[-1] == "__init__" else rel.parts
        yield ".".join(parts), path


def package_of(module: str) -> str:
    """``kith.gateway.gateway`` → ``gateway``; a top-level module is its own package."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_crossings(module: str, source: str) -> list[str]:
    """Where ``module`` uses another package's underscore names: ``from kith.x import _y``,
    ``from kith.x._y import z``, ``import kith.x._y`` and ``m._y`` for a module ``m``
    imported from another package."""
    own = package_of(module)
    found: list[str] = []
    foreign_modules: set[str] = set()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not node.module.startswith("kith.") or package_of(node.module) == own:
                continue
            if any(_private(p) for p in node.module.split(".")):
                found.append(f"{node.lineno}: from {node.module} import ...")
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{node.lineno}: from {node.module} import {alias.name}")
                else:
                    foreign_modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if not alias.name.startswith("kith.") or package_of(alias.name) == own:
                    continue
                if any(_private(p) for p in alias.name.split(".")):
                    found.append(f"{node.lineno}: import {alias.name}")
                if alias.asname:
                    foreign_modules.add(alias.asname)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in foreign_modules
        ):
            found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
    return found


def constructions(source: str, names: tuple[str, ...]) -> list[str]:
    """Calls that construct one of ``names`` (``Gateway(...)``, ``x.Gateway(...)``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            if name in names:
                found.append(f"{node.lineno}: {name}(...)")
    return found


def module_level_imports(source: str) -> Iterator[str]:
    """Imported module names at module level (functions' lazy imports and TYPE_CHECKING
    blocks excluded), with ``from m import n`` also giving ``m.n``."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for n in ast.walk(node):
            if isinstance(n, ast.Import):
                yield from (a.name for a in n.names)
            elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
                yield n.module
                yield from (f"{n.module}.{a.name}" for a in n.names)


def packages_in_cycles(edges: dict[str, set[str]]) -> set[str]:
    """The nodes of ``edges`` that sit in a cycle (strongly connected components > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cyclic: set[str] = set()
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cyclic.update(component)

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return cyclic


def _package_edges() -> dict[str, set[str]]:
    packages = {p.name for p in KITH.iterdir() if p.is_dir() and not p.name.startswith("__")}
    edges: dict[str, set[str]] = {p: set() for p in packages}
    for module, path in _modules():
        own = package_of(module)
        if own not in packages or "migrations" in path.parts:
            continue
        for imported in module_level_imports(path.read_text(encoding="utf-8")):
            parts = imported.split(".")
            if len(parts) > 1 and parts[0] == "kith" and parts[1] in packages and parts[1] != own:
                edges[own].add(parts[1])
    return edges


# --- the rules over src/kith ---------------------------------------------------------------


def test_no_module_uses_another_packages_underscore_names() -> None:
    crossings = {
        module: found
        for module, path in _modules()
        if (found := private_crossings(module, path.read_text(encoding="utf-8")))
    }
    assert not crossings, f"private names used across packages: {crossings}"


def test_no_module_is_over_600_lines_outside_the_listed_tables() -> None:
    too_long = {}
    for _, path in _modules():
        rel = path.relative_to(SRC).as_posix()
        if rel in LONG_ALLOWED or rel.startswith(LONG_ALLOWED_DIRS):
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            too_long[rel] = lines
    assert not too_long, f"split these by responsibility: {too_long}"
    # The exceptions exist (a renamed table must not leave a stale entry behind).
    assert all((SRC / rel).is_file() for rel in LONG_ALLOWED)


def test_no_package_sits_in_an_import_cycle() -> None:
    edges = _package_edges()
    assert len(edges) >= 15, "package discovery broke"
    assert packages_in_cycles(edges) == set()


def test_only_the_composition_root_builds_the_gateway_and_the_hub() -> None:
    builders = {
        module: found
        for module, path in _modules()
        if module != "kith.bootstrap"
        and (found := constructions(path.read_text(encoding="utf-8"), BUILT_ONLY_IN_BOOTSTRAP))
    }
    assert not builders, f"receive these from the container instead: {builders}"
    bootstrap = (KITH / "bootstrap.py").read_text(encoding="utf-8")
    assert sorted(
        {c.split(": ")[1] for c in constructions(bootstrap, BUILT_ONLY_IN_BOOTSTRAP)}
    ) == [
        "CollaborationHub(...)",
        "Gateway(...)",
    ]


def tenant_filters(source: str) -> list[str]:
    """Lines where a query is narrowed by ``….tenant_id`` (inside ``.where``, ``.filter``,
    ``.filter_by`` or ``.having``): what a repository, not an endpoint, does."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("where", "filter", "filter_by", "having")
        ):
            continue
        parts = [*node.args, *(k.value for k in node.keywords)]
        names = {k.arg for k in node.keywords}
        mentions = "tenant_id" in names or any(
            isinstance(n, ast.Compare) and _compares_tenant(n)
            for part in parts
            for n in ast.walk(part)
        )
        if mentions:
            found.append(f"{node.lineno}: .{node.func.attr}(… tenant_id …)")
    return found


def _compares_tenant(node: ast.Compare) -> bool:
    return any(
        isinstance(side, ast.Attribute) and side.attr == "tenant_id"
        for side in (node.left, *node.comparators)
    )


def _http_modules() -> Iterator[tuple[str, Path]]:
    for module, path in _modules():
        name = path.name
        if (
            name == "endpoints.py"
            or name.endswith("_endpoints.py")
            or module.startswith("kith.web.")
        ):
            yield module, path


def test_no_endpoint_filters_by_tenant() -> None:
    offenders = {
        module: found
        for module, path in _http_modules()
        if (found := tenant_filters(path.read_text(encoding="utf-8")))
    }
    assert len(list(_http_modules())) >= 20, "endpoint discovery broke"
    assert not offenders, f"move these queries into the context's repository: {offenders}"


# --- the checkers can fail -----------------------------------------------------------------


def test_the_tenant_filter_check_sees_where_filter_and_filter_by() -> None:
    source = (
        "stmt = select(m).where(m.tenant_id == p.tenant_id, m.x == 1)\n"
        "q = session.query(m).filter_by(tenant_id=t)\n"
        "ok = row.tenant_id == p.tenant_id  # a comparison, not a query filter\n"
        "rows = repo.scoped(spec).where(m.status == 'open')\n"
        "rows = repo.scoped(spec).where(m.id.in_(matching(p.tenant_id)))\n"
    )
    assert tenant_filters(source) == [
        "1: .where(… tenant_id …)",
        "2: .filter_by(… tenant_id …)",
    ]


def test_the_private_name_check_finds_each_kind_of_crossing() -> None:
    source = "\n".join(
        [
            "from kith.clikit import acting_person as _person",  # public name, private alias
            "from kith.gateway.command import _tenant_id",
            "from kith.gateway._internal import helper",
            "import kith.access._secret",
            "from kith.db import uow",
            "uow._pending.clear()",
            "from kith.language.planner import _Context",  # own package: allowed
        ]
    )
    found = private_crossings("kith.language.command", source)
    assert found == [
        "2: from kith.gateway.command import _tenant_id",
        "3: from kith.gateway._internal import ...",
        "4: import kith.access._secret",
        "6: uow._pending",
    ]


def test_the_construction_check_sees_direct_and_qualified_calls() -> None:
    source = "g = Gateway()\nh = collaboration.CollaborationHub(sf)\nGatewayResult('x')\n"
    assert constructions(source, BUILT_ONLY_IN_BOOTSTRAP) == [
        "1: Gateway(...)",
        "2: CollaborationHub(...)",
    ]


def test_the_cycle_check_finds_a_cycle_and_ignores_lazy_and_type_only_imports() -> None:
    assert packages_in_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {
        "a",
        "b",
        "c",
    }
    assert packages_in_cycles({"a": {"b"}, "b": set()}) == set()
    source = (
        "from typing import TYPE_CHECKING\n"
        "from kith.crm import service\n"
        "if TYPE_CHECKING:\n    from kith.gateway.gateway import Gateway\n"
        "def f():\n    from kith.agents import wiring\n"
    )
    imported = set(module_level_imports(source))
    assert "kith.crm" in imported and "kith.crm.service" in imported
    assert not any(m.startswith(("kith.gateway", "kith.agents")) for m in imported)
    edges: dict[str, set[str]] = defaultdict(set)
    edges["x"].add("y")
    assert packages_in_cycles(edges) == set()
