"""The lifecycles of alerts, operations, hotline messages, incidents and zones."""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Self

from deconfliction.model.lifecycle import Lifecycle


class AlertState(Lifecycle):
    """A conflict as the involved parties see it."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"  # the conflict cleared while the objects were still live
    EXPIRED = "expired"  # an object involved left the picture (stale, deleted, ended)

    @classmethod
    def table(cls) -> Mapping[Self, Set[Self]]:
        return {
            cls.OPEN: {cls.ACKNOWLEDGED, cls.RESOLVED, cls.EXPIRED},
            cls.ACKNOWLEDGED: {cls.RESOLVED, cls.EXPIRED},
        }


class OperationState(Lifecycle):
    """A planned operation, from filing to its end."""

    ACCEPTED = "accepted"
    ACTIVATED = "activated"
    NONCONFORMING = "nonconforming"
    ENDED = "ended"
    CANCELLED = "cancelled"

    @classmethod
    def table(cls) -> Mapping[Self, Set[Self]]:
        return {
            cls.ACCEPTED: {cls.ACTIVATED, cls.ENDED, cls.CANCELLED},
            cls.ACTIVATED: {cls.NONCONFORMING, cls.ENDED, cls.CANCELLED},
            cls.NONCONFORMING: {cls.ACTIVATED, cls.ENDED, cls.CANCELLED},
        }


class MessageState(Lifecycle):
    """A hotline message until it is acknowledged."""

    SENT = "sent"
    DELIVERED = "delivered"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"

    @classmethod
    def table(cls) -> Mapping[Self, Set[Self]]:
        return {
            cls.SENT: {cls.DELIVERED, cls.OVERDUE, cls.ACKNOWLEDGED},
            cls.DELIVERED: {cls.OVERDUE, cls.ACKNOWLEDGED},
            cls.OVERDUE: {cls.ESCALATED, cls.ACKNOWLEDGED},
            cls.ESCALATED: {cls.ACKNOWLEDGED},
        }


class IncidentState(Lifecycle):
    """An incident report while it is reviewed."""

    OPEN = "open"
    UNDER_REVIEW = "under_review"
    CLOSED = "closed"

    @classmethod
    def table(cls) -> Mapping[Self, Set[Self]]:
        return {
            cls.OPEN: {cls.UNDER_REVIEW, cls.CLOSED},
            cls.UNDER_REVIEW: {cls.CLOSED},
        }


class ZoneState(Lifecycle):
    """A declared zone: in the hub's detection until its owner withdraws it or it ends.

    A withdrawn or expired zone may be declared again by its owner (same id, next version).
    """

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"  # its valid_to has passed

    @classmethod
    def table(cls) -> Mapping[Self, Set[Self]]:
        return {
            cls.ACTIVE: {cls.WITHDRAWN, cls.EXPIRED},
            cls.WITHDRAWN: {cls.ACTIVE},
            cls.EXPIRED: {cls.ACTIVE},
        }
