"""Imports every model so ``Base.metadata`` is complete (Alembic, tests)."""

from kith.access import models as access_models
from kith.agents import models as agent_models  # noqa: F401 - registers the agent tables
from kith.audit import models as audit_models
from kith.concepts import models as concept_models  # noqa: F401 - registers the concept tables
from kith.crm import models as crm_models
from kith.db.base import Base
from kith.events import models as event_models
from kith.fieldservice import models as fieldservice_models  # noqa: F401 - registers its tables
from kith.flows import models as flow_models  # noqa: F401 - registers the flow tables
from kith.gateway import models as gateway_models  # noqa: F401 - registers the gateway tables
from kith.identity import models as identity_models  # noqa: F401 - registers the identity graph
from kith.inbox import models as inbox_models  # noqa: F401 - registers the inbox tables
from kith.intelligence import models as intelligence_models  # noqa: F401 - registers its tables
from kith.knowledge import models as knowledge_models  # noqa: F401 - registers its tables
from kith.language import models as language_models  # noqa: F401 - registers language_commands
from kith.platform import models as platform_models  # noqa: F401 - registers webhook tables
from kith.playbooks import models as playbook_models  # noqa: F401 - registers its tables
from kith.privacy import models as privacy_models  # noqa: F401 - registers the privacy tables
from kith.realtime import models as realtime_models  # noqa: F401 - registers the realtime tables
from kith.scheduling import models as scheduling_models  # noqa: F401 - registers its tables
from kith.search import models as search_models  # noqa: F401 - registers search_documents
from kith.timeline import models as timeline_models

metadata = Base.metadata

__all__ = [
    "access_models",
    "audit_models",
    "crm_models",
    "event_models",
    "metadata",
    "timeline_models",
]
