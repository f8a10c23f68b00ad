"""The hub's vocabulary as plain values: no I/O, no settings."""

from deconfliction.model.lifecycle import Lifecycle
from deconfliction.model.minima import DEFAULT_MINIMA, Minima, domain_pair_key
from deconfliction.model.operation import (
    Operation,
    OperationLimits,
    Volume,
    check_object_id,
    check_volumes,
)
from deconfliction.model.party import DOMAINS, Agreement, Domain, Party, check_party_name
from deconfliction.model.report import Rejection, Report, ReportBatch, validate_reports
from deconfliction.model.states import AlertState, IncidentState, MessageState, OperationState

__all__ = [
    "DEFAULT_MINIMA",
    "DOMAINS",
    "Agreement",
    "AlertState",
    "Domain",
    "IncidentState",
    "Lifecycle",
    "MessageState",
    "Minima",
    "Operation",
    "OperationLimits",
    "OperationState",
    "Party",
    "Rejection",
    "Report",
    "ReportBatch",
    "Volume",
    "check_object_id",
    "check_party_name",
    "check_volumes",
    "domain_pair_key",
    "validate_reports",
]
