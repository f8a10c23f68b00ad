"""The hub's vocabulary as plain values: no I/O, no settings."""

from deconfliction.model.incident import Account, Incident, IncidentKind, TrackRef, parse_incident
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
from deconfliction.model.operation import (
    Operation,
    OperationLimits,
    Volume,
    check_object_id,
    check_volumes,
)
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
from deconfliction.model.zone import Zone, ZoneRule

__all__ = [
    "DEFAULT_MINIMA",
    "DOMAINS",
    "HUB_SENDER",
    "REPORT_COLUMNS",
    "REPORT_FIELDS",
    "Account",
    "Agreement",
    "AlertState",
    "Channel",
    "Domain",
    "Incident",
    "IncidentKind",
    "IncidentState",
    "Lifecycle",
    "Message",
    "MessageState",
    "MessageStep",
    "Minima",
    "Operation",
    "OperationLimits",
    "OperationState",
    "Party",
    "Priority",
    "Rejection",
    "Report",
    "ReportBatch",
    "StepKind",
    "TrackRef",
    "Volume",
    "Zone",
    "ZoneRule",
    "acknowledge",
    "check_object_id",
    "check_party_name",
    "check_report",
    "check_volumes",
    "clear_deadline",
    "deliver",
    "domain_pair_key",
    "escalation_step",
    "parse_incident",
    "validate_reports",
]
