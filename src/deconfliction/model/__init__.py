"""The hub's vocabulary as plain values: no I/O, no settings."""

from deconfliction.model.lifecycle import Lifecycle
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
    "REPORT_COLUMNS",
    "REPORT_FIELDS",
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
    "check_party_name",
    "check_report",
    "domain_pair_key",
    "validate_reports",
]
