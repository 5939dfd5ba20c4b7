"""HTTP: webhook subscriptions, their deliveries (with every attempt), redelivery, test
sends and the catalogue of what a receiver can get (``/api/v1/webhooks/...``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from kith.api.deps import CurrentPrincipal, UoW, get_container, requires_scope
from kith.api.edge import INT64_MAX
from kith.api.responses import KithJSON
from kith.container import Container
from kith.core.event_types import CATALOG
from kith.platform import signing
from kith.platform.delivery import DeliveryPolicy, deliver
from kith.platform.schemas import (
    DeliveryOut,
    DeliveryPage,
    WebhookBody,
    WebhookCatalogue,
    WebhookEventType,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
    WebhookWithSecret,
)
from kith.platform.sender import client as http_client
from kith.platform.service import WebhookService
from kith.platform.views import delivery_out, webhook_out

router = APIRouter(prefix="/api/v1/webhooks", default_response_class=KithJSON, tags=["Webhooks"])

Id = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
ContainerDep = Annotated[Container, Depends(get_container)]
STATUSES = r"^(pending|succeeded|failed|test)$"


def _service(uow: Any, principal: Any, container: Container) -> WebhookService:
    return WebhookService(uow, principal, container.clock)


@router.post(
    "",
    status_code=201,
    response_model=WebhookWithSecret,
    dependencies=[requires_scope("webhooks:write")],
    summary="Subscribe a URL to events (the signing secret is shown only in this answer)",
)
def create_webhook(
    body: WebhookIn, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> KithJSON:
    service = _service(uow, principal, container)
    row, secret = service.create(body)
    uow.session.flush()
    out = WebhookWithSecret(**webhook_out(service, row).model_dump(), secret=secret)
    uow.commit()
    return KithJSON(out.model_dump(mode="json"), status_code=201)


@router.get(
    "",
    response_model=list[WebhookOut],
    dependencies=[requires_scope("webhooks:read")],
    summary="The workspace's webhook subscriptions",
)
def list_webhooks(uow: UoW, principal: CurrentPrincipal, container: ContainerDep) -> Any:
    service = _service(uow, principal, container)
    return [webhook_out(service, row) for row in service.subscriptions()]


@router.get(
    "/event-types",
    response_model=WebhookCatalogue,
    dependencies=[requires_scope("webhooks:read")],
    summary="What a receiver can get: the body's JSON Schema, the headers, every event type",
)
def webhook_catalogue(principal: CurrentPrincipal) -> WebhookCatalogue:
    return WebhookCatalogue(
        body_schema=WebhookBody.model_json_schema(),
        headers={
            signing.SIGNATURE_HEADER: "t=<unix seconds>,v1=<hex HMAC-SHA256 of "
            "'<t>.' + raw body, keyed by the subscription secret>",
            signing.EVENT_ID_HEADER: "The event id (same on every retry): de-duplicate on it",
            signing.EVENT_TYPE_HEADER: "The event type, e.g. deal.stage_changed",
            signing.DELIVERY_ID_HEADER: "This delivery (one per subscription and event)",
            signing.ATTEMPT_HEADER: "1 for the first attempt, then 2, 3, …",
        },
        items=[
            WebhookEventType(
                type=info.type.value,
                producer=info.producer,
                description={"en": info.en, "zh": info.zh},
                data_schema=info.payload.model_json_schema() if info.payload else None,
            )
            for info in CATALOG.values()
        ],
    )


@router.get(
    "/deliveries/{delivery_id}",
    response_model=DeliveryOut,
    dependencies=[requires_scope("webhooks:read")],
    summary="One delivery with every attempt",
)
def get_delivery(
    delivery_id: Id, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> DeliveryOut:
    service = _service(uow, principal, container)
    row = service.delivery(delivery_id)
    return delivery_out(row, service.attempts_of([row])[row.id])


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    response_model=DeliveryOut,
    dependencies=[requires_scope("webhooks:write")],
    summary="Send a delivery again (same event id; the attempt count goes on)",
)
def redeliver(
    delivery_id: Id, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> DeliveryOut:
    service = _service(uow, principal, container)
    row = service.redeliver(delivery_id)
    out = delivery_out(row, service.attempts_of([row])[row.id])
    uow.commit()
    return out


@router.get(
    "/{webhook_id}",
    response_model=WebhookOut,
    dependencies=[requires_scope("webhooks:read")],
    summary="One webhook subscription",
)
def get_webhook(
    webhook_id: Id, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> WebhookOut:
    service = _service(uow, principal, container)
    return webhook_out(service, service.get(webhook_id))


@router.patch(
    "/{webhook_id}",
    response_model=WebhookOut,
    dependencies=[requires_scope("webhooks:write")],
    summary="Change, pause or re-enable a subscription (send the version you read)",
)
def update_webhook(
    webhook_id: Id,
    body: WebhookPatch,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> WebhookOut:
    service = _service(uow, principal, container)
    row = service.update(webhook_id, body)
    out = webhook_out(service, row)
    uow.commit()
    return out


@router.delete(
    "/{webhook_id}",
    status_code=204,
    dependencies=[requires_scope("webhooks:write")],
    summary="Delete a subscription; its open deliveries are not sent",
)
def delete_webhook(
    webhook_id: Id, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> Response:
    _service(uow, principal, container).delete(webhook_id)
    uow.commit()
    return Response(status_code=204)


@router.post(
    "/{webhook_id}/rotate-secret",
    response_model=WebhookWithSecret,
    dependencies=[requires_scope("webhooks:write")],
    summary="Replace the signing secret (the new one is shown only in this answer)",
)
def rotate_secret(
    webhook_id: Id, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> WebhookWithSecret:
    service = _service(uow, principal, container)
    row, secret = service.rotate_secret(webhook_id)
    out = WebhookWithSecret(**webhook_out(service, row).model_dump(), secret=secret)
    uow.commit()
    return out


@router.post(
    "/{webhook_id}/test",
    response_model=DeliveryOut,
    dependencies=[requires_scope("webhooks:write")],
    summary="Send a signed webhook.test event now and report the receiver's answer",
)
def test_send(
    webhook_id: Id, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> DeliveryOut:
    row = _service(uow, principal, container).queue_test(webhook_id)
    delivery_id = row.id
    uow.commit()
    policy = DeliveryPolicy.from_settings(container.settings)
    with http_client(policy.timeout) as client:
        deliver(container, delivery_id, client, policy, retry=False)
    with container.uow() as fresh:
        service = _service(fresh, principal, container)
        done = service.delivery(delivery_id)
        return delivery_out(done, service.attempts_of([done])[done.id])


@router.get(
    "/{webhook_id}/deliveries",
    response_model=DeliveryPage,
    dependencies=[requires_scope("webhooks:read")],
    summary="A subscription's deliveries, newest first, with every attempt",
)
def list_deliveries(
    webhook_id: Id,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    status: Annotated[str | None, Query(pattern=STATUSES)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before_seq: Annotated[int | None, Query(ge=0, le=INT64_MAX)] = None,
) -> DeliveryPage:
    service = _service(uow, principal, container)
    rows = service.deliveries(webhook_id, status, limit, before_seq)
    attempts = service.attempts_of(rows)
    items = [delivery_out(row, attempts[row.id]) for row in rows]
    more = len(rows) == limit and rows[-1].seq > 0
    return DeliveryPage(items=items, next_before_seq=rows[-1].seq if more else None)
