"""The hub's vocabulary as plain values: no I/O, no settings."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deconfliction.model.incident import (
        Account,
        Incident,
        IncidentKind,
        TrackRef,
        parse_incident,
    )
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

# Each name is imported when first used, so that importing one module of the package
# (the command line, a gateway) does not import all of them.
_MODULES = {
    "Account": "deconfliction.model.incident",
    "Incident": "deconfliction.model.incident",
    "IncidentKind": "deconfliction.model.incident",
    "TrackRef": "deconfliction.model.incident",
    "parse_incident": "deconfliction.model.incident",
    "Lifecycle": "deconfliction.model.lifecycle",
    "HUB_SENDER": "deconfliction.model.message",
    "Channel": "deconfliction.model.message",
    "Message": "deconfliction.model.message",
    "MessageStep": "deconfliction.model.message",
    "Priority": "deconfliction.model.message",
    "StepKind": "deconfliction.model.message",
    "acknowledge": "deconfliction.model.message",
    "clear_deadline": "deconfliction.model.message",
    "deliver": "deconfliction.model.message",
    "escalation_step": "deconfliction.model.message",
    "DEFAULT_MINIMA": "deconfliction.model.minima",
    "Minima": "deconfliction.model.minima",
    "domain_pair_key": "deconfliction.model.minima",
    "Operation": "deconfliction.model.operation",
    "OperationLimits": "deconfliction.model.operation",
    "Volume": "deconfliction.model.operation",
    "check_object_id": "deconfliction.model.operation",
    "check_volumes": "deconfliction.model.operation",
    "DOMAINS": "deconfliction.model.party",
    "Agreement": "deconfliction.model.party",
    "Domain": "deconfliction.model.party",
    "Party": "deconfliction.model.party",
    "check_party_name": "deconfliction.model.party",
    "REPORT_COLUMNS": "deconfliction.model.report",
    "REPORT_FIELDS": "deconfliction.model.report",
    "Rejection": "deconfliction.model.report",
    "Report": "deconfliction.model.report",
    "ReportBatch": "deconfliction.model.report",
    "AlertState": "deconfliction.model.states",
    "IncidentState": "deconfliction.model.states",
    "MessageState": "deconfliction.model.states",
    "OperationState": "deconfliction.model.states",
    "check_report": "deconfliction.model.validate",
    "validate_reports": "deconfliction.model.validate",
    "Zone": "deconfliction.model.zone",
    "ZoneRule": "deconfliction.model.zone",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
