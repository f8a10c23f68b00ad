"""The hub's vocabulary as plain values: no I/O, no settings."""

from deconfliction.model.lifecycle import Lifecycle
from deconfliction.model.message import (
    HUB_SENDER,
    Channel,
    Message,
    MessageStep,
    Priority,
    StepKind,
    acknowledge,
    deliver,
    escalation_step,
)
from deconfliction.model.minima import DEFAULT_MINIMA, Minima, domain_pair_key
from deconfliction.model.party import DOMAINS, Agreement, Domain, Party, check_party_name
from deconfliction.model.report import Rejection, Report, ReportBatch, validate_reports
from deconfliction.model.states import AlertState, IncidentState, MessageState, OperationState

__all__ = [
    "DEFAULT_MINIMA",
    "DOMAINS",
    "HUB_SENDER",
    "Agreement",
    "AlertState",
    "Channel",
    "Domain",
    "IncidentState",
    "Lifecycle",
    "Message",
    "MessageState",
    "MessageStep",
    "Minima",
    "OperationState",
    "Party",
    "Priority",
    "Rejection",
    "Report",
    "ReportBatch",
    "StepKind",
    "acknowledge",
    "check_party_name",
    "deliver",
    "domain_pair_key",
    "escalation_step",
    "validate_reports",
]
