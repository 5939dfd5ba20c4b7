"""``kith practices ...`` and ``kith anchors ...``: micro-practice units and value anchors.

Practices are seen as a person sees them (``--as EMAIL``: a private practice only by
its creator, one in review by its creator and the senior reviewers); without
``--as`` only published and retired practices are listed. List items carry their
``state`` (private, in_review, published, retired). Bad input exits 2 with the field
paths and nothing is written.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kith.clikit import JsonFlag, TenantOpt, fail, fail_kith, open_container, report
from kith.core.errors import KithError

practices_app = typer.Typer(
    help="Micro-practice units: list, show, apply, review.", no_args_is_help=True
)
anchors_app = typer.Typer(help="Value anchors: list, show, compute.", no_args_is_help=True)

AsUser = Annotated[str | None, typer.Option("--as", help="Act as this user (email).")]
Need = Annotated[str, typer.Option("--as", help="Act as this user (email).")]
STATES = ("private", "in_review", "published", "retired")


def _principal(uow: Any, tenant: str, as_user: str | None) -> Any:
    from kith.clikit import person_or_system

    return person_or_system(uow, tenant, as_user, "kith practices")


def _practices(uow: Any, principal: Any) -> Any:
    from kith.playbooks.service import PracticeService

    return PracticeService(uow, principal)


def _line(p: dict[str, Any]) -> str:
    return f"{p['id']}  {p['state']:<10} {p['title']}"


@practices_app.command("list")
def list_command(
    state: Annotated[
        str | None, typer.Option(help="private, in_review, published, retired.")
    ] = None,
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Practices you may see, with their state."""
    if state is not None and state not in STATES:
        fail(f"--state must be one of {', '.join(STATES)}")
    container = open_container(migrated=True)
    with container.uow() as uow:
        try:
            items = _practices(uow, _principal(uow, tenant, as_user)).list(state)
        except KithError as exc:
            fail_kith(exc)
    report(items, as_json, "\n".join(_line(p) for p in items) or "(no practices)")


@practices_app.command("show")
def show_command(
    practice_id: Annotated[str, typer.Argument(help="Practice id.")],
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """A practice: its four elements, gate, reviews and measured effect."""
    container = open_container(migrated=True)
    with container.uow() as uow:
        try:
            service = _practices(uow, _principal(uow, tenant, as_user))
            data = service.get(practice_id)
            data["effect"] = service.measure(practice_id)
        except KithError as exc:
            fail_kith(exc)
    gate = data["gate"]
    lift = data["effect"]["comparison"].get("lift")
    human = "\n".join(
        [
            _line(data),
            f"gate: {gate['effective_reviews']}/{gate['required_reviews']} reviews, "
            f"customer value {'yes' if gate['customer_value'] else 'no'}",
            f"adoption: {data['effect']['adoption']['reps']} reps, "
            f"{data['effect']['adoption']['deals']} deals; lift: "
            + (f"{lift:+.1%}" if lift is not None else "not claimed (sample too small)"),
        ]
    )
    report(data, as_json, human)


@practices_app.command("apply")
def apply_command(
    practice_id: Annotated[str, typer.Argument(help="Practice id.")],
    deal: Annotated[str, typer.Option("--deal", help="Deal id.")],
    as_user: Need,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Apply a practice to a deal: its tasks through the gateway, its checks armed."""
    from kith.gateway.gateway import gateway_of
    from kith.playbooks.application import Applications

    container = open_container(migrated=True)
    with container.uow() as uow:
        try:
            principal = _principal(uow, tenant, as_user)
            data = Applications(uow, principal, gateway_of(container)).apply(practice_id, deal)
        except KithError as exc:
            fail_kith(exc)
        uow.commit()
    report(data, as_json, f"applied: {len(data['task_ids'])} task(s), status {data['status']}")


@practices_app.command("review")
def review_command(
    practice_id: Annotated[str, typer.Argument(help="Practice id.")],
    verdict: Annotated[str, typer.Option(help="effective or not_effective.")],
    comment: Annotated[str, typer.Option(help="Why (required).")],
    as_user: Need,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Review a practice in review (senior reviewers; never your own)."""
    from pydantic import ValidationError

    from kith.playbooks.schemas import ReviewIn
    from kith.playbooks.service import pydantic_failed

    container = open_container(migrated=True)
    with container.uow() as uow:
        try:
            try:
                body = ReviewIn.model_validate({"verdict": verdict, "comment": comment})
            except ValidationError as exc:
                raise pydantic_failed(exc, "options") from None
            data = _practices(uow, _principal(uow, tenant, as_user)).review(practice_id, body)
        except KithError as exc:
            fail_kith(exc)
        uow.commit()
    gate = data["gate"]
    report(
        data,
        as_json,
        f"{data['state']}: {gate['effective_reviews']}/{gate['required_reviews']} reviews",
    )


def _anchors(uow: Any, principal: Any) -> Any:
    from kith.playbooks.anchors import AnchorService

    return AnchorService(uow, principal)


def _anchor_line(a: dict[str, Any]) -> str:
    latest = a.get("latest") or {}
    on = latest.get("on_track")
    track = "not computed" if on is None else ("on track" if on else "off track")
    return (
        f"{a['id']}  {a['state']:<8} {a['name']}: {latest.get('value')} → {a['target']} ({track})"
    )


@anchors_app.command("list")
def anchors_list(
    tenant: TenantOpt = "default", as_user: AsUser = None, as_json: JsonFlag = False
) -> None:
    """Value anchors with their latest reading."""
    container = open_container(migrated=True)
    with container.uow() as uow:
        try:
            items = _anchors(uow, _principal(uow, tenant, as_user)).list()
        except KithError as exc:
            fail_kith(exc)
    report(items, as_json, "\n".join(_anchor_line(a) for a in items) or "(no anchors)")


@anchors_app.command("show")
def anchors_show(
    anchor_id: Annotated[str, typer.Argument(help="Anchor id.")],
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """An anchor: history, progress and the drivers of the gap."""
    container = open_container(migrated=True)
    with container.uow() as uow:
        try:
            data = _anchors(uow, _principal(uow, tenant, as_user)).show(anchor_id)
        except KithError as exc:
            fail_kith(exc)
    latest = data.get("latest") or {}
    human = "\n".join(
        x for x in (_anchor_line(data), latest.get("sentence_zh"), latest.get("sentence_en")) if x
    )
    report(data, as_json, human)


@anchors_app.command("compute")
def anchors_compute(
    anchor_id: Annotated[str, typer.Argument(help="Anchor id.")],
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Compute today's reading now (the anchors.compute job does it daily)."""
    container = open_container(migrated=True)
    with container.uow() as uow:
        try:
            data = _anchors(uow, _principal(uow, tenant, as_user)).compute_now(anchor_id)
        except KithError as exc:
            fail_kith(exc)
        uow.commit()
    report(data, as_json, _anchor_line(data))
