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
    clear_deadline,
    deliver,
    escalation_step,
)
from deconfliction.model.minima import DEFAULT_MINIMA, Minima, domain_pair_key
from deconfliction.model.party import DOMAINS, Agreement, Domain, Party, check_party_name
from deconfliction.model.report import (
    REPORT_COLUMNS,
    REPORT_FIELDS,
    Rejection,
    Report,
    ReportBatch,
)
from deconfliction.model.states import AlertState, IncidentState, MessageState, OperationState
from deconfliction.model.validate import check_report, validate_reports

__all__ = [
    "DEFAULT_MINIMA",
    "DOMAINS",
    "HUB_SENDER",
    "REPORT_COLUMNS",
    "REPORT_FIELDS",
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
    "check_report",
    "clear_deadline",
    "deliver",
    "domain_pair_key",
    "escalation_step",
    "validate_reports",
]
