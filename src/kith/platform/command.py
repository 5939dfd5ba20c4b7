"""``kith webhooks ...``: outbound webhook subscriptions from the command line — list,
create (prints the secret once), show, pause/enable, delete, deliveries, redeliver, test
and the event catalogue. Exit 2 with the reason on bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from kith.clikit import JsonFlag, TenantOpt, fail, fail_kith, open_container, report

webhooks_app = typer.Typer(help="Outbound webhooks: subscriptions, deliveries, test sends.")

Types = Annotated[
    list[str],
    typer.Option("--event", "-e", help="Event type to send (repeat), or '*' for all."),
]


def _run(tenant: str, action: Callable[[Any, Any, Any], Any], owner: str | None = None) -> Any:
    """Run ``action(service, container, uow)`` for the workspace as ``owner`` (an e-mail;
    default Kith itself, or for ``create`` the first active administrator)."""
    from kith.access.repository import AccessRepository
    from kith.access.service import principal_for_user, system_principal
    from kith.core.errors import KithError
    from kith.platform.repository import WebhookRepository
    from kith.platform.service import WebhookService

    container = open_container()
    with container.uow() as uow:
        access = AccessRepository(uow.session)
        workspace = access.tenant_by_slug(tenant)
        if workspace is None:
            fail(f"no workspace {tenant!r}; run 'kith init' first")
        principal = system_principal(workspace.id, "kith webhooks")
        if owner is not None:
            repo = WebhookRepository(uow.session)
            user = None
            if owner:
                user = access.user_in_tenant(workspace.id, owner)
            else:
                admins = repo.active_admin_ids(workspace.id)
                user = repo.user(workspace.id, admins[0]) if admins else None
            if user is None or not user.is_active:
                fail(f"no active user {owner!r} in {tenant!r}" if owner else "no active admin")
            principal = principal_for_user(uow.session, user)
        try:
            result = action(WebhookService(uow, principal, container.clock), container, uow)
        except KithError as exc:
            fail_kith(exc)
        uow.commit()
        return result


def _line(hook: dict[str, Any]) -> str:
    state = "active" if hook["active"] else f"disabled ({hook['disabled_reason'] or 'paused'})"
    return f"{hook['id']}  {hook['name']}  {hook['url']}  {','.join(hook['event_types'])}  {state}"


@webhooks_app.command("list")
def list_command(tenant: TenantOpt = "default", as_json: JsonFlag = False) -> None:
    """The workspace's subscriptions."""
    from kith.platform.views import webhook_out

    rows = _run(
        tenant,
        lambda s, c, u: [webhook_out(s, r).model_dump(mode="json") for r in s.subscriptions()],
    )
    report(rows, as_json, "\n".join(_line(r) for r in rows) or "no webhook subscriptions")


@webhooks_app.command("create")
def create_command(
    name: Annotated[str, typer.Option("--name", help="A name people recognise.")],
    url: Annotated[str, typer.Option("--url", help="Receiver URL (http/https).")],
    events: Types,
    filter_: Annotated[
        str | None, typer.Option("--filter", help="CEL condition over `event`.")
    ] = None,
    owner: Annotated[
        str, typer.Option("--owner", help="E-mail of the owner (default: first admin).")
    ] = "",
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Subscribe a URL; prints the signing secret once."""
    from pydantic import ValidationError

    from kith.platform.schemas import WebhookIn
    from kith.platform.views import webhook_out

    try:
        data = WebhookIn(name=name, url=url, event_types=events, filter=filter_)
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))

    def action(s: Any, c: Any, u: Any) -> dict[str, Any]:
        row, secret = s.create(data)
        u.session.flush()
        return {**webhook_out(s, row).model_dump(mode="json"), "secret": secret}

    out = _run(tenant, action, owner=owner)
    report(out, as_json, f"{_line(out)}\nsecret (shown once): {out['secret']}")


def _set_active(webhook_id: str, active: bool, tenant: str, as_json: bool) -> None:
    from kith.platform.schemas import WebhookPatch
    from kith.platform.views import webhook_out

    def action(s: Any, c: Any, u: Any) -> dict[str, Any]:
        row = s.get(webhook_id)
        row = s.update(webhook_id, WebhookPatch(version=row.version, active=active))
        return webhook_out(s, row).model_dump(mode="json")

    out = _run(tenant, action)
    report(out, as_json, _line(out))


@webhooks_app.command("enable")
def enable_command(
    webhook_id: str, tenant: TenantOpt = "default", as_json: JsonFlag = False
) -> None:
    """Re-enable a subscription (its failure count starts over; waiting deliveries go)."""
    _set_active(webhook_id, True, tenant, as_json)


@webhooks_app.command("pause")
def pause_command(
    webhook_id: str, tenant: TenantOpt = "default", as_json: JsonFlag = False
) -> None:
    """Pause a subscription: deliveries queue up and wait."""
    _set_active(webhook_id, False, tenant, as_json)


@webhooks_app.command("delete")
def delete_command(
    webhook_id: str, tenant: TenantOpt = "default", as_json: JsonFlag = False
) -> None:
    """Delete a subscription; its open deliveries are not sent."""
    _run(tenant, lambda s, c, u: s.delete(webhook_id))
    report({"deleted": webhook_id}, as_json, f"deleted {webhook_id}")


@webhooks_app.command("deliveries")
def deliveries_command(
    webhook_id: str,
    status: Annotated[
        str | None, typer.Option("--status", help="pending, succeeded, failed or test.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 20,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """A subscription's latest deliveries with every attempt."""
    from kith.platform.views import delivery_out

    if status not in (None, "pending", "succeeded", "failed", "test"):
        fail("--status must be pending, succeeded, failed or test")

    def action(s: Any, c: Any, u: Any) -> list[dict[str, Any]]:
        rows = s.deliveries(webhook_id, status, limit, None)
        attempts = s.attempts_of(rows)
        return [delivery_out(r, attempts[r.id]).model_dump(mode="json") for r in rows]

    rows = _run(tenant, action)
    human = "\n".join(
        f"{r['id']}  {r['event_type']}  {r['status']}  attempts={r['attempts']}"
        f"  last={r['last_status_code'] or r['last_error'] or '-'}"
        for r in rows
    )
    report(rows, as_json, human or "no deliveries")


@webhooks_app.command("redeliver")
def redeliver_command(
    delivery_id: str, tenant: TenantOpt = "default", as_json: JsonFlag = False
) -> None:
    """Queue a delivery again now (same event id); a running server or worker sends it."""
    out = _run(tenant, lambda s, c, u: s.redeliver(delivery_id).id)
    report({"queued": out}, as_json, f"queued {out}")


@webhooks_app.command("test")
def send_test_command(
    webhook_id: str, tenant: TenantOpt = "default", as_json: JsonFlag = False
) -> None:
    """Send a signed webhook.test event now and show the receiver's answer (exit 1 if it
    did not answer 2xx)."""
    from kith.platform.delivery import DeliveryPolicy, deliver
    from kith.platform.sender import client as http_client
    from kith.platform.views import delivery_out

    queued = _run(tenant, lambda s, c, u: (s.queue_test(webhook_id).id, c))
    delivery_id, container = queued
    policy = DeliveryPolicy.from_settings(container.settings)
    with http_client(policy.timeout) as client:
        deliver(container, delivery_id, client, policy, retry=False)

    def action(s: Any, c: Any, u: Any) -> dict[str, Any]:
        row = s.delivery(delivery_id)
        return delivery_out(row, s.attempts_of([row])[row.id]).model_dump(mode="json")

    out = _run(tenant, action)
    attempt = out["attempt_log"][-1] if out["attempt_log"] else {}
    report(
        out,
        as_json,
        f"{out['status']}: {attempt.get('status_code') or attempt.get('error')} "
        f"in {attempt.get('latency_ms', 0):.0f} ms",
    )
    if out["status"] != "succeeded":
        raise typer.Exit(1)


@webhooks_app.command("event-types")
def event_types_command(as_json: JsonFlag = False) -> None:
    """Every event type a subscription can name, with its zh/en description."""
    from kith.events import catalog

    rows = catalog.rows()
    report(
        rows,
        as_json,
        "\n".join(f"{r['type']:<36} {r['description']['en']}" for r in rows),
    )
