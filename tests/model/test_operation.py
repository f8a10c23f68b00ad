"""Operations: volume invariants, filing checks, and the lifecycle."""

from __future__ import annotations

import math

import pytest
import shapely

from deconfliction.errors import IllegalTransition, InvalidInput, PayloadTooLarge
from deconfliction.model import (
    Domain,
    Operation,
    OperationLimits,
    OperationState,
    Volume,
    check_object_id,
    check_volumes,
)
from tests.scenarios import HOUR_S, NOW_S, PARIS, circle

SQUARE = shapely.box(2.0, 48.0, 2.1, 48.1)
LIMITS = OperationLimits()


def volume(**changes: object) -> Volume:
    fields: dict[str, object] = {
        "footprint": SQUARE,
        "alt_lower_m": 0.0,
        "alt_upper_m": 120.0,
        "start_s": NOW_S,
        "end_s": NOW_S + HOUR_S,
    }
    fields.update(changes)
    return Volume(**fields)  # type: ignore[arg-type]


def operation(**changes: object) -> Operation:
    fields: dict[str, object] = {
        "id": "medevac-7",
        "owner": "red-cross",
        "version": "v1",
        "volumes": [volume()],
        "priority": 90,
        "domain": Domain.AIR,
        "now_s": NOW_S,
        "limits": LIMITS,
    }
    fields.update(changes)
    return Operation.create(**fields)  # type: ignore[arg-type]


# --- Volume invariants ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"alt_lower_m": 500.0, "alt_upper_m": 100.0},
            "volume: altitude band is inverted: alt_lower_m 500 m is above alt_upper_m 100 m",
        ),
        (
            {"alt_lower_m": 120.0, "alt_upper_m": 120.0},
            "volume: altitude band is empty: alt_lower_m equals alt_upper_m (120 m); "
            "give the band a thickness",
        ),
        (
            {"start_s": NOW_S + 60.0, "end_s": NOW_S},
            "volume: end 2025-06-15T15:06:40Z is before start 2025-06-15T15:07:40Z",
        ),
        (
            {"end_s": NOW_S},
            "volume: time window is empty: end equals start (2025-06-15T15:06:40Z)",
        ),
        ({"alt_lower_m": math.nan}, "volume: alt_lower_m must be a number, got nan"),
        ({"end_s": True}, "volume: end_s must be a number, got True"),
        ({"alt_lower_m": -math.inf}, "volume: alt_lower_m and start must be finite"),
        ({"footprint": "POLYGON"}, "volume: footprint must be a geometry, got str"),
        (
            {"footprint": shapely.LineString([(2.0, 48.0), (2.1, 48.1)])},
            "volume: footprint of type LineString is not supported; use a Polygon or "
            "MultiPolygon (a point needs radius_m, a line needs buffer_m)",
        ),
        ({"footprint": shapely.Polygon()}, "volume: footprint is empty"),
        (
            {"footprint": shapely.box(179.0, 10.0, 181.0, 11.0)},
            "volume: footprint is outside lon [-180, 180] / lat [-90, 90] "
            "(bounds 179, 10, 181, 11); split shapes that cross the antimeridian",
        ),
        (
            {"footprint": shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])},
            "volume: footprint is not a valid geometry: Self-intersection[0.5 0.5]",
        ),
    ],
)
def test_a_malformed_volume_is_refused_with_its_reason(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        volume(**changes)
    assert raised.value.message == message


def test_a_zone_volume_may_be_a_point_without_ceiling_or_end() -> None:
    site = volume(footprint=shapely.Point(2.05, 48.05), alt_upper_m=math.inf, end_s=math.inf)
    assert not site.areal
    assert site.end_s == math.inf


def test_area_is_geodesic_in_square_metres() -> None:
    disc = volume(footprint=circle(*PARIS, 1000.0, segments=256))
    assert disc.area_m2() == pytest.approx(math.pi * 1000.0**2, rel=1e-3)


# --- Filing checks -------------------------------------------------------------------------


def test_no_volumes_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"^an operation needs at least one volume$"):
        check_volumes([], now_s=NOW_S, limits=LIMITS)


def test_more_volumes_than_the_limit_is_too_large() -> None:
    with pytest.raises(PayloadTooLarge) as raised:
        check_volumes([volume()] * 4, now_s=NOW_S, limits=OperationLimits(max_volumes=3))
    assert raised.value.message == "an operation has 4 volumes; at most 3 are allowed"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"start_s": NOW_S - 2 * HOUR_S, "end_s": NOW_S - HOUR_S},
            "end 2025-06-15T14:06:40Z is in the past (now is 2025-06-15T15:06:40Z)",
        ),
        (
            {"start_s": NOW_S - HOUR_S, "end_s": NOW_S},
            "end 2025-06-15T15:06:40Z is in the past (now is 2025-06-15T15:06:40Z)",
        ),
        (
            {"footprint": shapely.Point(2.05, 48.05)},
            "footprint of type Point has no area; give a point a radius_m or a line a buffer_m",
        ),
        ({"alt_upper_m": math.inf}, "alt_upper_m must be finite: an operation plans a ceiling"),
        ({"end_s": math.inf}, "end must be finite: an operation plans its end"),
    ],
)
def test_a_volume_an_operation_may_not_file_is_named(
    changes: dict[str, object], reason: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_volumes([volume(), volume(**changes)], now_s=NOW_S, limits=LIMITS)
    assert raised.value.message == f"volumes[1]: {reason}"
    assert raised.value.details == [{"index": 1, "reason": reason}]


def test_a_volume_larger_than_the_area_limit_is_refused() -> None:
    disc = volume(footprint=circle(*PARIS, 10_000.0, segments=256))  # 314 km²
    assert check_volumes([disc], now_s=NOW_S, limits=OperationLimits(max_volume_area_m2=315e6))
    with pytest.raises(InvalidInput) as raised:
        check_volumes([disc], now_s=NOW_S, limits=OperationLimits(max_volume_area_m2=300e6))
    assert raised.value.message == (
        "volumes[0]: area 314 km² is larger than the limit of 300 km²; split the plan or narrow it"
    )


def test_every_problem_is_listed_in_details() -> None:
    past = volume(start_s=NOW_S - 2 * HOUR_S, end_s=NOW_S - HOUR_S)
    with pytest.raises(InvalidInput) as raised:
        check_volumes([past, volume(), past], now_s=NOW_S, limits=LIMITS)
    assert raised.value.message.startswith("volumes[0]: end ")
    assert raised.value.message.endswith(" (and 1 more)")
    assert [d["index"] for d in raised.value.details] == [0, 2]


def test_a_volume_that_started_but_has_not_ended_may_be_filed() -> None:
    running = volume(start_s=NOW_S - HOUR_S, end_s=NOW_S + 1.0)
    assert check_volumes([running], now_s=NOW_S, limits=LIMITS) == (running,)


# --- Operation values ----------------------------------------------------------------------


def test_a_new_operation_is_accepted_and_spans_its_volumes() -> None:
    later = volume(start_s=NOW_S + 2 * HOUR_S, end_s=NOW_S + 3 * HOUR_S)
    op = operation(volumes=[later, volume()])
    assert op.state is OperationState.ACCEPTED
    assert (op.start_s, op.end_s) == (NOW_S, NOW_S + 3 * HOUR_S)
    assert (op.created_s, op.updated_s, op.version) == (NOW_S, NOW_S, "v1")
    assert op.volumes == (later, volume())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"priority": 101}, "operation medevac-7: priority must be a whole number from 0 to 100"),
        ({"priority": -1}, "operation medevac-7: priority must be a whole number from 0 to 100"),
        ({"priority": True}, "operation medevac-7: priority must be a whole number from 0 to 100"),
        ({"priority": 5.0}, "operation medevac-7: priority must be a whole number from 0 to 100"),
        ({"domain": "space"}, "operation medevac-7: unknown domain 'space'"),
        ({"version": ""}, "operation medevac-7: version must be a non-empty string"),
        ({"id": "../etc"}, "operation id '../etc' is not allowed"),
        ({"owner": "no spaces"}, "party name 'no spaces' is not allowed"),
    ],
)
def test_an_operation_with_bad_fields_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        operation(**changes)
    assert raised.value.message.startswith(message)


def test_object_ids_follow_one_rule() -> None:
    assert check_object_id("sortie:2025-06-15.a_1") == "sortie:2025-06-15.a_1"
    for bad in ("", "-lead", "x" * 65, 7, "a b"):
        with pytest.raises(InvalidInput):
            check_object_id(bad)


def test_an_update_replaces_the_plan_and_keeps_the_state() -> None:
    active = operation().activate(version="v2", now_s=NOW_S)
    wider = volume(footprint=shapely.box(2.0, 48.0, 2.2, 48.2))
    updated = active.update(
        [wider], priority=50, domain=Domain.GROUND, version="v3", now_s=NOW_S + 10, limits=LIMITS
    )
    assert updated.state is OperationState.ACTIVATED
    assert (updated.volumes, updated.priority, updated.domain) == ((wider,), 50, Domain.GROUND)
    assert (updated.version, updated.updated_s, updated.created_s) == ("v3", NOW_S + 10, NOW_S)


def test_an_update_is_checked_like_a_new_filing() -> None:
    with pytest.raises(InvalidInput, match=r"^an operation needs at least one volume$"):
        operation().update(
            [], priority=1, domain=Domain.AIR, version="v2", now_s=NOW_S, limits=LIMITS
        )


@pytest.mark.parametrize("final", [OperationState.ENDED, OperationState.CANCELLED])
def test_a_finished_operation_cannot_be_updated(final: OperationState) -> None:
    done = operation().to(final, version="v2", now_s=NOW_S)
    with pytest.raises(IllegalTransition, match=f"is {final.value} and cannot be changed"):
        done.update(
            [volume()], priority=1, domain=Domain.AIR, version="v3", now_s=NOW_S, limits=LIMITS
        )


# --- Lifecycle -----------------------------------------------------------------------------

# The transitions the issue allows, written out rather than read from the table.
LEGAL = {
    ("accepted", "activated"),
    ("accepted", "ended"),
    ("accepted", "cancelled"),
    ("activated", "nonconforming"),
    ("activated", "ended"),
    ("activated", "cancelled"),
    ("nonconforming", "activated"),
    ("nonconforming", "ended"),
    ("nonconforming", "cancelled"),
}
PATHS = {
    OperationState.ACCEPTED: [],
    OperationState.ACTIVATED: [OperationState.ACTIVATED],
    OperationState.NONCONFORMING: [OperationState.ACTIVATED, OperationState.NONCONFORMING],
    OperationState.ENDED: [OperationState.ENDED],
    OperationState.CANCELLED: [OperationState.CANCELLED],
}


def in_state(state: OperationState) -> Operation:
    op = operation()
    for step, target in enumerate(PATHS[state]):
        op = op.to(target, version=f"p{step}", now_s=NOW_S)
    return op


@pytest.mark.parametrize("source", list(OperationState))
@pytest.mark.parametrize("target", list(OperationState))
def test_each_transition_is_allowed_exactly_when_the_issue_says(
    source: OperationState, target: OperationState
) -> None:
    op = in_state(source)
    if (source.value, target.value) in LEGAL:
        moved = op.to(target, version="next", now_s=NOW_S + 1)
        assert (moved.state, moved.version, moved.updated_s) == (target, "next", NOW_S + 1)
    else:
        with pytest.raises(IllegalTransition, match=r"^operation medevac-7: OperationState "):
            op.to(target, version="next", now_s=NOW_S + 1)


def test_named_helpers_move_along_the_lifecycle() -> None:
    op = operation()
    active = op.activate(version="v2", now_s=NOW_S)
    off_plan = active.mark_nonconforming(version="v3", now_s=NOW_S + 1)
    back = off_plan.mark_conforming(version="v4", now_s=NOW_S + 2)
    assert [s.state for s in (active, off_plan, back)] == [
        OperationState.ACTIVATED,
        OperationState.NONCONFORMING,
        OperationState.ACTIVATED,
    ]
    assert back.end(version="v5", now_s=NOW_S + 3).state is OperationState.ENDED
    assert op.cancel(version="v5", now_s=NOW_S + 3).state is OperationState.CANCELLED
    assert op.state is OperationState.ACCEPTED  # values do not change in place


def test_only_a_nonconforming_operation_becomes_conforming() -> None:
    with pytest.raises(IllegalTransition, match="is activated, not nonconforming"):
        operation().activate(version="v2", now_s=NOW_S).mark_conforming(version="v3", now_s=NOW_S)


def test_an_operation_past_its_end_cannot_be_activated() -> None:
    with pytest.raises(IllegalTransition, match="ended at 2025-06-15T16:06:40Z"):
        operation().activate(version="v2", now_s=NOW_S + HOUR_S)


@pytest.mark.parametrize(
    ("state", "now_s", "expected"),
    [
        (OperationState.ACCEPTED, NOW_S + HOUR_S - 1, OperationState.ACCEPTED),
        (OperationState.ACCEPTED, NOW_S + HOUR_S, OperationState.ENDED),
        (OperationState.ACTIVATED, NOW_S + 2 * HOUR_S, OperationState.ENDED),
        (OperationState.NONCONFORMING, NOW_S + 2 * HOUR_S, OperationState.ENDED),
        (OperationState.CANCELLED, NOW_S + 2 * HOUR_S, OperationState.CANCELLED),
        (OperationState.ENDED, NOW_S + 2 * HOUR_S, OperationState.ENDED),
    ],
)
def test_an_operation_expires_when_its_last_volume_ends(
    state: OperationState, now_s: float, expected: OperationState
) -> None:
    op = in_state(state)
    expired = op.expire(version="exp", now_s=now_s)
    assert expired.state is expected
    assert (expired is op) == (expected is state)
    assert expired.live == (expected is OperationState.ACCEPTED)


def test_live_states_are_the_active_set() -> None:
    assert {s for s in OperationState if in_state(s).live} == {
        OperationState.ACCEPTED,
        OperationState.ACTIVATED,
        OperationState.NONCONFORMING,
    }
