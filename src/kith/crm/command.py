"""``kith reindex``: rebuild the full-text search index of record types."""

from __future__ import annotations

from typing import Annotated

import typer

from kith.clikit import JsonFlag, TenantOpt, fail, open_container, report


def reindex_command(
    types: Annotated[
        list[str] | None,
        typer.Argument(help="Object types (contact, interaction, …); all searchable if none."),
    ] = None,
    tenant: TenantOpt = "",
    as_json: JsonFlag = False,
) -> None:
    """Rebuild the full-text search index (every searchable type, or those named), in
    every workspace or the one given; searches keep working while it runs."""
    from sqlalchemy import select

    from kith.access.models import Tenant
    from kith.access.service import system_principal
    from kith.crm.repository import RecordRepository
    from kith.crm.specs import SPECS

    searchable = [name for name, spec in SPECS.items() if spec.search_fields]
    wanted = types or searchable
    unknown = [t for t in wanted if t not in searchable]
    if unknown:
        fail(f"not searchable: {', '.join(unknown)} (searchable: {', '.join(searchable)})")
    container = open_container(migrated=True)
    counts: dict[str, dict[str, int]] = {}
    with container.uow() as uow:
        query = select(Tenant).order_by(Tenant.slug)
        if tenant:
            query = query.where(Tenant.slug == tenant)
        tenants = list(uow.session.scalars(query))
        if tenant and not tenants:
            fail(f"no workspace {tenant!r}")
        for row in tenants:
            repo = RecordRepository(uow.session, system_principal(row.id))
            counts[row.slug] = {t: repo.reindex(SPECS[t]) for t in wanted}
        uow.commit()
    lines = [
        f"{slug}: " + ", ".join(f"{t} {n}" for t, n in c.items()) for slug, c in counts.items()
    ]
    report({"reindexed": counts}, as_json, "\n".join(lines) or "no workspace")
