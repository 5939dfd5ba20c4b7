"""``kith identity ...``: identity resolution from the command line.

``kith identity resolve --data FILE.csv [--mapping M.json] --json`` links an arbitrary
file of identities with Kith's model and stores nothing: every row's cluster id and
the match weights of the links that put it there, so a user can measure Kith on
their own labelled data.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path
from typing import Annotated, Any

import typer

from kith.clikit import JsonFlag, TenantOpt, fail, open_container, report

identity_app = typer.Typer(help="Identity resolution (one person across channels).")

FIELDS = frozenset(
    {
        "record_id",
        "name",
        "phone",
        "email",
        "device_id",
        "wechat_id",
        "card_no",
        "city",
        "birth_date",
        "segment",
        "region",
    }
)
MIN_ROWS = 50  # fewer rows than this cannot estimate m and u
DUPLICATE_WARNING = 0.2  # share of rows repeating another row exactly


def read_rows(data: Path, mapping: dict[str, str | None]) -> list[dict[str, Any]]:
    """The file's rows as identity fields (columns renamed by ``mapping``; columns
    that are not identity fields are ignored)."""
    try:
        with data.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        fail(f"cannot read {data}: {exc.strerror}")
    except (UnicodeDecodeError, csv.Error) as exc:
        fail(f"{data} is not a UTF-8 CSV file: {exc}")
    out = []
    for number, row in enumerate(rows, start=1):
        record: dict[str, Any] = {}
        for column, value in row.items():
            if column is None:
                continue
            target = mapping.get(column, column.strip()) if column in mapping else column.strip()
            if target in FIELDS and value not in (None, ""):
                record[target] = value.strip()
        record.setdefault("record_id", f"row-{number}")
        record["row"] = number
        out.append(record)
    return out


def resolve_rows(rows: list[dict[str, Any]], max_cluster: int) -> dict[str, Any]:
    from kith.identity.model import features, frequencies, link
    from kith.identity.online import score

    ids = [str(r["record_id"]) for r in rows]
    if len(set(ids)) != len(ids):
        repeated = sorted(i for i, n in Counter(ids).items() if n > 1)[:10]
        fail(f"record_id values repeat (e.g. {', '.join(repeated)}); each row needs its own")
    signature = Counter(
        tuple(sorted((k, v) for k, v in r.items() if k not in ("record_id", "row"))) for r in rows
    )
    repeats = sum(n - 1 for n in signature.values())
    result = link(rows, max_cluster=max_cluster)
    rows_of = {str(r["record_id"]): features(r, r.get("region") or "CN") for r in rows}
    tf = frequencies(list(rows_of.values()), result.parameters.prior)
    links: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for pair in result.pairs:
        left, right = rows_of[pair["unique_id_l"]], rows_of[pair["unique_id_r"]]
        explained = score(left, right, result.parameters, tf).as_dict()
        explained["match_probability"] = round(pair["match_probability"], 6)  # Splink's
        for me, other in (
            (pair["unique_id_l"], pair["unique_id_r"]),
            (pair["unique_id_r"], pair["unique_id_l"]),
        ):
            links[me].append({"record_id": other, "decision": pair["decision"], **explained})
    warnings = []
    if rows and repeats / len(rows) >= DUPLICATE_WARNING:
        warnings.append(
            f"{repeats} of {len(rows)} rows ({repeats / len(rows):.0%}) repeat another row "
            "exactly: they are linked like any other rows; check the file"
        )
    for big in result.suspicious:
        warnings.append(
            f"a cluster of {big['size']} records around {big['cluster_id']} was not formed "
            f"(more than {max_cluster}): its records are left apart"
        )
    clusters = result.clusters()
    return {
        "identities": len(rows),
        "clusters": len(clusters),
        "linked_identities": sum(len(g) for g in clusters.values() if len(g) > 1),
        "review_pairs": sum(1 for p in result.pairs if p["decision"] == "review"),
        "suspicious_clusters": result.suspicious,
        "warnings": warnings,
        "prior": result.parameters.prior,
        "rows": [
            {
                "row": r["row"],
                "record_id": str(r["record_id"]),
                "cluster_id": result.cluster_of[str(r["record_id"])],
                "links": sorted(
                    links.get(str(r["record_id"]), []),
                    key=lambda x: (-x["match_weight"], x["record_id"]),
                ),
            }
            for r in rows
        ],
    }


@identity_app.command("resolve")
def resolve(
    data: Annotated[Path, typer.Option("--data", help="CSV file of identities.")],
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help='JSON {"file column": "field"} as for kith import.'),
    ] = None,
    max_cluster: Annotated[
        int, typer.Option(min=2, help="Clusters larger than this are reported, not formed.")
    ] = 50,
    as_json: JsonFlag = False,
) -> None:
    """Link a file's identities with Kith's model; stores nothing."""
    from kith.transfer.errors import UnusableInput
    from kith.transfer.mapping import load_mapping

    try:
        columns = load_mapping(mapping)
    except UnusableInput as exc:
        fail(str(exc))
    rows = read_rows(data, columns)
    usable = [r for r in rows if set(r) - {"record_id", "row", "segment", "region"}]
    if len(usable) < MIN_ROWS:
        fail(
            f"{data} has {len(usable)} rows with identity fields; at least {MIN_ROWS} are "
            f"needed to estimate the model (fields: {', '.join(sorted(FIELDS))})"
        )
    result = resolve_rows(rows, max_cluster)
    report(
        result,
        as_json,
        f"{result['identities']} identities → {result['clusters']} clusters "
        f"({result['linked_identities']} linked, {result['review_pairs']} pairs to review)"
        + "".join(f"\nwarning: {w}" for w in result["warnings"]),
    )


@identity_app.command("quality")
def quality(tenant: TenantOpt = "default", as_json: JsonFlag = False) -> None:
    """Resolution rate, cluster sizes (suspicious large clusters), review backlog."""
    from kith.access.repository import AccessRepository
    from kith.access.service import system_principal
    from kith.identity.service import IdentityService

    with open_container().uow() as uow:
        workspace = AccessRepository(uow.session).tenant_by_slug(tenant)
        if workspace is None:
            fail(f"no workspace {tenant!r}; run 'kith init' first")
        principal = system_principal(workspace.id, "identity quality")
        result = IdentityService(uow, principal).quality()
    rate = result["resolution_rate"]
    report(
        result,
        as_json,
        f"{result['identities']} identities, {result['persons']} persons, resolution rate "
        f"{'n/a' if rate is None else f'{rate:.1%}'}, review backlog {result['review_backlog']}, "
        f"{len(result['suspicious_clusters'])} suspicious clusters",
    )


@identity_app.command("link")
def link_command(
    data: Annotated[Path, typer.Option("--data", help="CSV file of identities.")],
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help='JSON {"file column": "field"} as for kith import.'),
    ] = None,
    kind: Annotated[str, typer.Option(help="Node kind of the rows (import, open_id…).")] = "import",
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Link a file's identities and store them in the workspace's identity graph:
    a person per cluster, links auto-linked or proposed for review."""
    from kith.access.repository import AccessRepository
    from kith.access.service import system_principal
    from kith.core.errors import KithError
    from kith.identity.models import NODE_KINDS
    from kith.identity.service import IdentityService
    from kith.transfer.errors import UnusableInput
    from kith.transfer.mapping import load_mapping

    if kind not in (*NODE_KINDS, "import"):
        fail(f"--kind must be one of import, {', '.join(NODE_KINDS)}")
    try:
        columns = load_mapping(mapping)
    except UnusableInput as exc:
        fail(str(exc))
    rows = read_rows(data, columns)
    if len(rows) < MIN_ROWS:
        fail(f"{data} has {len(rows)} rows; at least {MIN_ROWS} are needed to estimate the model")
    for row in rows:
        row.pop("row", None)
    with open_container().uow() as uow:
        workspace = AccessRepository(uow.session).tenant_by_slug(tenant)
        if workspace is None:
            fail(f"no workspace {tenant!r}; run 'kith init' first")
        principal = system_principal(workspace.id, "identity link")
        try:
            result = IdentityService(uow, principal).store_batch(rows, kind)
        except KithError as exc:
            fail(exc.detail)
        uow.commit()
    report(
        result,
        as_json,
        f"{result['identities']} identities → {result['persons']} persons "
        f"({result['linked_persons']} with several identities); links {result['links']}",
    )
