"""The composition root: the one place that builds the container and wires Kith.

``build_container`` is what the server (``kith.app``), the CLI (``kith.cli``), the
workers (``kith.runtime``), the benchmarks and the tests call; lower layers receive the
container. It first calls ``wire``, which lists everything Kith registers at start-up —
nothing registers itself by being imported (cosmicpython's ``bootstrap.py`` is the
model) — then ``wire_services``, which builds the container's one gateway and the
agents' collaboration hub. Also here: start-up helpers (migrations, planner statistics).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from kith.access import cache as access_cache
from kith.access.models import Team
from kith.access.service import use_tenant_seeder
from kith.agents.builtin import register_builtin_agent
from kith.agents.builtin.understanding import use_mood_reader
from kith.agents.collaboration import CollaborationHub
from kith.agents.models import AgentRow
from kith.agents.wiring import agents_consumer, resolve_agent
from kith.api.deps import use_request_limiter
from kith.audit import chain as audit_chain
from kith.audit.log import write_entry
from kith.concepts.consumers import health_consumer, survey_consumer
from kith.concepts.segments import ConceptSegmentValues
from kith.container import Container
from kith.core.clock import utcnow
from kith.core.settings import Settings, get_settings
from kith.crm.inbound_types import register_inbound_type
from kith.crm.masking import set_phone_regions
from kith.crm.models import FieldDefinition, SlaPolicy
from kith.crm.persons import use_person_links
from kith.crm.rules import ErasureCheck, use_erasure_check
from kith.db.engine import engine_from_settings, make_session_factory
from kith.db.migrate import upgrade
from kith.db.uow import UowHooks, install_hooks
from kith.events.consumers import ConsumerFactory, register_consumer_factory
from kith.events.outbox import write_outbox
from kith.fieldservice import embed as dispatch_embed
from kith.fieldservice import routing
from kith.fieldservice.agent import DispatchAgent
from kith.fieldservice.inbound import INBOUND_TYPE, UnitOffLine
from kith.flows.consumer import flows_consumer
from kith.gateway.consent import use_default_consent
from kith.gateway.gateway import Gateway
from kith.gateway.models import RiskRule
from kith.gateway.principals import register_principal_resolver
from kith.gateway.registry import ToolServices
from kith.gateway.risk import seed_risk_rules
from kith.identity.consumer import identity_consumer
from kith.identity.persons import GraphPersonLinks
from kith.intelligence.monitoring.performance import performance_consumer
from kith.intelligence.scoring import sentiment
from kith.intelligence.segments.concepts import use_concept_values
from kith.platform.consumer import webhooks_consumer
from kith.platform.embed import EmbedComponent, register_component
from kith.platform.ratelimit import RequestLimits
from kith.playbooks.consumer import stop_notifier, verification_consumer
from kith.privacy import reimport
from kith.privacy.ledger import ConsentLedger
from kith.realtime.actions import risk_actions_consumer
from kith.timeline.projection import project

_wired: list[bool] = []


def wire() -> None:
    """Install every registration of the process, once (calling it again does nothing)."""
    if _wired:
        return
    # Every context's tables on Base.metadata (DSAR's person tables, key rotation).
    import kith.metadata

    # The unit of work writes the outbox and the timeline, and adds audit entries,
    # through these; the audit chain links entries at flush.
    install_hooks(UowHooks(event_writers=(write_outbox, project), audit_writer=write_entry))
    audit_chain.install()
    # Resolved principals are cached per request credential until access changes, and
    # the configuration the hot paths read on every call per tenant until it changes.
    access_cache.install()
    access_cache.watch(RiskRule, SlaPolicy, FieldDefinition, Team, AgentRow)
    # The gateway's tool catalogue (each module registers its tools with @tool) and
    # its default consent hook, the consent ledger.
    import kith.agents.tools
    import kith.concepts.tools
    import kith.fieldservice.tools
    import kith.flows.tools
    import kith.gateway.tools
    import kith.identity.tools
    import kith.inbox.tools
    import kith.intelligence.segment_enrollment
    import kith.knowledge.tools
    import kith.playbooks.tools
    import kith.realtime.tools

    use_default_consent(ConsentLedger)
    # A new workspace gets the gateway's default risk rules with it.
    use_tenant_seeder(seed_risk_rules)
    # The agents read a message's mood with the trained sentiment model (loaded on first use).
    use_mood_reader(sentiment.VERSION, sentiment.analyse)
    # Inbound event types other contexts add to POST /events, and the agents that act on
    # them (field service's dispatch agent proposes and ranks on unit.off_line).
    register_inbound_type(INBOUND_TYPE, UnitOffLine)
    register_builtin_agent(DispatchAgent)
    # Segments filter on a concept's value (customer health) through this provider.
    use_concept_values(ConceptSegmentValues())
    # Components a host system's page may embed (the platform's embed tokens open them).
    register_component(
        EmbedComponent(
            name=dispatch_embed.NAME,
            record_type=dispatch_embed.RECORD_TYPE,
            scope=dispatch_embed.SCOPE,
            script=dispatch_embed.SCRIPT,
            element=dispatch_embed.ELEMENT,
            check=dispatch_embed.check_work_order,
        )
    )
    # Request rate limits (per API key, user, workspace; sign-in per address and account).
    use_request_limiter(RequestLimits())
    # The contact rule flags people coming back after erasure (privacy's tombstones).
    use_erasure_check(ErasureCheck(reimport.FLAG, reimport.flag_if_erased, reimport.may_be_erased))
    # One person behind several contacts (consent, DSAR, timeline, the contact's read).
    use_person_links(GraphPersonLinks())
    # Who acts on approved calls: agents' principals (users, API keys, system: built in).
    register_principal_resolver("agent", resolve_agent)
    # The consumers `kith serve` and `kith worker` run (plus the kith.consumers
    # entry points of installed packages).
    for factory in CONSUMER_FACTORIES:
        register_consumer_factory(factory)
    # Scheduled jobs (each module registers its jobs with @job).
    import kith.audit.jobs
    import kith.concepts.jobs
    import kith.flows.jobs
    import kith.inbox.jobs
    import kith.intelligence.jobs
    import kith.intelligence.segments.jobs
    import kith.playbooks.jobs  # noqa: F401

    _wired.append(True)


CONSUMER_FACTORIES: tuple[ConsumerFactory, ...] = (
    agents_consumer,
    identity_consumer,
    performance_consumer,
    risk_actions_consumer,
    verification_consumer,
    stop_notifier,
    flows_consumer,
    health_consumer,
    survey_consumer,
    webhooks_consumer,
)


def build_container(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = utcnow,
    gateway: object | None = None,
    hub: CollaborationHub | None = None,
) -> Container:
    """The container for ``settings`` (default: the environment's).

    The seams for tests: pass an ``engine`` (e.g. one already migrated), a ``clock`` (a
    pinned "now"), a ``gateway`` (a fake) or a ``hub``."""
    wire()
    settings = settings or get_settings()
    set_phone_regions(settings.pii_phone_regions.split(","))
    engine = engine if engine is not None else engine_from_settings(settings)
    container = Container(settings, engine, make_session_factory(engine), clock=clock)
    wire_services(container, gateway=gateway, hub=hub)
    return container


def wire_services(
    container: Container, *, gateway: object | None = None, hub: CollaborationHub | None = None
) -> None:
    """The container's shared services, built here and nowhere else: the agents'
    collaboration hub, and the one ``Gateway`` (its tool catalogue and consent hook are
    wired above; its tools reach the hub through ``ToolServices``). Everything else
    receives them: HTTP routes through ``kith.gateway.deps``, CLI commands through
    ``open_container``, agent runtimes through ``kith.agents.wiring.build_runtime``."""
    container.hub = hub if hub is not None else CollaborationHub(container.session_factory)
    container.gateway = (
        gateway
        if gateway is not None
        else Gateway(
            consent=ConsentLedger(container.clock),
            clock=container.clock,
            services=ToolServices(
                container.hub,
                routing.from_settings(
                    container.settings.routing_url, container.settings.routing_timeout_seconds
                ),
            ),
        )
    )


def migrate(container: Container) -> None:
    upgrade(container.engine)


def refresh_planner_statistics(container: Container) -> None:
    """SQLite keeps no statistics unless asked; without them full-text and filtered
    lists scan the tenant (docs/benchmarks.md, finding 3). PostgreSQL autovacuums."""
    if container.engine.dialect.name == "sqlite":
        with container.engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA optimize=0x10002")
