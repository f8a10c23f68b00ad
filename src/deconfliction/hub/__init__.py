"""The application layer: one ``Hub`` object, its services and the detection cycle.

The edges (api, cli, gateways) use what is listed here and nothing else of the package:
the ``Hub`` and its methods; its public services ``Hub.zones`` (:class:`Zones`),
``Hub.operations`` (:class:`Operations`), ``Hub.hotline`` (:class:`Hotline`),
``Hub.desks`` (:class:`Desks`: presence and webhooks),
``Hub.incidents`` (:class:`Incidents`) and ``Hub.journal`` (:class:`HubJournal`); the
values they take and answer; the request context the API sets (``signed_request``,
``recording``); and the ``Runner`` that drives a served hub.
"""

from deconfliction.hub.cycle import Check, CycleStats, Scan
from deconfliction.hub.hotline.desks import Desks
from deconfliction.hub.hotline.drafts import MessageRequest
from deconfliction.hub.hotline.service import Hotline, MessagePage
from deconfliction.hub.hub import BUSY, Hub
from deconfliction.hub.incidents.service import Incidents, IncidentView
from deconfliction.hub.journal import (
    HubJournal,
    JournalPage,
    StoreJournalSource,
    genesis_key,
    hub_key_for,
    key_path_for,
)
from deconfliction.hub.live.tracks import IngestResult
from deconfliction.hub.operations.idempotency import HEADER as IDEMPOTENCY_HEADER
from deconfliction.hub.operations.idempotency import IdempotencyKey
from deconfliction.hub.operations.records import PreparedFiling
from deconfliction.hub.operations.service import Answer, Operations
from deconfliction.hub.parties.keys import PartyKey
from deconfliction.hub.parties.registry import Principal
from deconfliction.hub.runner import Runner
from deconfliction.hub.unit import Recorded, SignedRequest, recording, signed_request
from deconfliction.hub.webhooks.addresses import AddressPolicy, is_public
from deconfliction.hub.webhooks.config import WebhookConfig
from deconfliction.hub.webhooks.service import WEBHOOK_KINDS, SenderFactory
from deconfliction.hub.zones.declarations import ZoneWrite
from deconfliction.hub.zones.records import HUB_MEMBER
from deconfliction.hub.zones.service import ImportResult, Zones

__all__ = [
    "BUSY",
    "HUB_MEMBER",
    "IDEMPOTENCY_HEADER",
    "WEBHOOK_KINDS",
    "AddressPolicy",
    "Answer",
    "Check",
    "CycleStats",
    "Desks",
    "Hotline",
    "Hub",
    "HubJournal",
    "IdempotencyKey",
    "ImportResult",
    "IncidentView",
    "Incidents",
    "IngestResult",
    "JournalPage",
    "MessagePage",
    "MessageRequest",
    "Operations",
    "PartyKey",
    "PreparedFiling",
    "Principal",
    "Recorded",
    "Runner",
    "Scan",
    "SenderFactory",
    "SignedRequest",
    "StoreJournalSource",
    "WebhookConfig",
    "ZoneWrite",
    "Zones",
    "genesis_key",
    "hub_key_for",
    "is_public",
    "key_path_for",
    "recording",
    "signed_request",
]
