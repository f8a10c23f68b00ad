"""The hub's vocabulary as plain values: no I/O, no settings."""

from deconfliction.model.lifecycle import Lifecycle
from deconfliction.model.minima import DEFAULT_MINIMA, Minima, domain_pair_key
from deconfliction.model.party import DOMAINS, Agreement, Domain, Party, check_party_name
from deconfliction.model.report import Rejection, Report, ReportBatch, validate_reports
from deconfliction.model.states import AlertState, IncidentState, MessageState, OperationState
from deconfliction.model.zone import Zone, ZoneRule

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
    "OperationState",
    "Party",
    "Rejection",
    "Report",
    "ReportBatch",
    "Zone",
    "ZoneRule",
    "check_party_name",
    "domain_pair_key",
    "validate_reports",
]
