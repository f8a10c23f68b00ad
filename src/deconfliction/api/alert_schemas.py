"""The alert as the API shows it, derived from the hub's typed views.

An alert on the wire is its lifecycle (id, conflict, kind, state, severity, times,
counterparts) plus the members of the view its party is told
(:mod:`deconfliction.model.alert_views`) plus, while the conflict is open, its live figures
(``now``). One model per view is made here from the view's own fields, so the OpenAPI
schema says exactly what each kind of alert carries, and a new field of a view appears in
the schema without being written twice. ``AlertOut`` is their union, told apart by ``kind``
and, where a kind has two or three sides, by the members of the view.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal, Union, get_type_hints

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, create_model

from deconfliction.api.schemas import ReceiptOut
from deconfliction.model import alert_views as v
from deconfliction.model.alert import VIEWS, AlertKind, Severity, view_type
from deconfliction.model.states import AlertState


class AlertBase(BaseModel):
    """A conflict as the calling party sees it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="The caller's alert id (each involved party has its own).")
    conflict: str = Field(description="Id of the conflict, shared by the parties' alerts.")
    kind: AlertKind = Field(description="What conflicts with what.")  # one value per model
    state: AlertState = Field(
        description="Lifecycle: open → acknowledged → resolved (the conflict cleared) or "
        "expired (an object involved left the picture)."
    )
    severity: Severity = Field(
        description="`loss`: separation is lost now; `predicted`: it will be within the "
        "lookahead; `advisory`: about plans or declarations."
    )
    opened: str = Field(description="When the alert opened, RFC 3339.")
    updated: str = Field(description="Last change of state or severity, RFC 3339.")
    acknowledged: str | None = Field(description="When the caller acknowledged it.")
    closed: str | None = Field(description="When it was resolved or expired.")
    counterparts: list[str] = Field(description="The other parties involved (names only).")


# Members every alert has after its view's (the order of the wire).
_AFTER: dict[str, Any] = {
    "now": (
        v.PairFigures | v.EntryFigures | None,
        Field(
            None,
            description="Live figures while the conflict persists (track conflicts only): "
            "`t_in_s` (seconds to loss of separation, 0 if lost), `t_out_s`, and for two "
            "tracks `t_cpa_s`, `d_cpa_m` and `dz_cpa_m` (closest approach).",
        ),
    ),
    "receipt": (
        ReceiptOut | None,
        Field(
            None, description="Journal receipt of the caller's acknowledgement (its answer only)."
        ),
    ),
}


def _model(kind: AlertKind, view: type[v.AlertView]) -> type[BaseModel]:
    """The alert model of one view: the base, ``kind`` fixed, and the view's members."""
    hints = get_type_hints(view, include_extras=True)
    fields: dict[str, Any] = {
        "kind": (Literal[kind.value], Field(description="What conflicts with what.")),
    }
    for field in dataclasses.fields(view):
        default = ... if field.default is dataclasses.MISSING else field.default
        fields[field.name] = (hints[field.name], default)
    fields.update(_AFTER)
    name = view.__name__.removesuffix("View") + "Alert"
    model: type[BaseModel] = create_model(
        name, __base__=AlertBase, __doc__=view.__doc__, __module__=__name__, **fields
    )
    return model


_MODELS = {view.__name__: _model(kind, view) for kind, views in VIEWS.items() for view in views}
_TAGS = {model: tag for tag, model in _MODELS.items()}


def _tag(value: Any) -> str:
    """The view an alert carries: from its members (a document), or its model."""
    if isinstance(value, BaseModel):
        return _TAGS[type(value)]
    return view_type(AlertKind(value["kind"]), value).__name__


_TAGGED = tuple(Annotated[model, Tag(tag)] for tag, model in _MODELS.items())
AlertOut: Any = Annotated[Union[_TAGGED], Discriminator(_tag)]  # noqa: UP007 (a tuple of types)
