"""Exact phase: line–part intervals against dense sampling of the line."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from deconfliction.detect.zone_exact import capsule_interval, disc_interval, piece_intervals

U = np.linspace(-2.0, 3.0, 50_001)  # the line's parameter, finely


def check(u0: float, u1: float, inside: np.ndarray) -> None:
    """The interval [u0, u1] holds exactly the sampled parameters that are inside."""
    if not inside.any():
        assert u0 > u1
        return
    assert u0 <= u1
    step = U[1] - U[0]
    assert u0 == pytest.approx(U[inside].min(), abs=1.5 * step)
    assert u1 == pytest.approx(U[inside].max(), abs=1.5 * step)


def columns(*values: float) -> tuple[np.ndarray, ...]:
    return tuple(np.array([v]) for v in values)


@pytest.mark.parametrize(
    ("sx", "sy", "dx", "dy", "r"),
    [
        (-300, 40, 600, 0, 100),
        (-300, 140, 600, 0, 100),
        (50, 0, 0, 0, 100),
        (500, 0, 0, 0, 100),
        (-80, -70, 200, 150, 120),
        (0, -100, 0, 100, 100),
    ],
)
def test_disc(sx: float, sy: float, dx: float, dy: float, r: float) -> None:
    u0, u1 = disc_interval(*columns(sx, sy, dx, dy, r))
    px, py = sx + U * dx, sy + U * dy
    if dx == dy == 0:
        assert (u0[0] <= u1[0]) == (np.hypot(sx, sy) <= r)
        return
    check(u0[0], u1[0], np.hypot(px, py) <= r)


def segment_distance(
    px: np.ndarray, py: np.ndarray, a: tuple[float, float], b: tuple[float, float]
) -> np.ndarray:
    wx, wy = b[0] - a[0], b[1] - a[1]
    length2 = wx * wx + wy * wy
    f = np.clip(((px - a[0]) * wx + (py - a[1]) * wy) / length2, 0.0, 1.0) if length2 else 0.0
    return np.asarray(np.hypot(px - a[0] - f * wx, py - a[1] - f * wy))


@pytest.mark.parametrize(
    ("sx", "sy", "dx", "dy", "a", "b", "r"),
    [
        (-500, 30, 1000, 0, (-100, 0), (100, 0), 50),  # along the axis
        (0, -300, 0, 600, (-100, 0), (100, 0), 50),  # across the middle
        (150, -300, 0, 600, (-100, 0), (100, 0), 80),  # across an end cap only
        (-400, -400, 800, 700, (-100, -20), (130, 90), 60),  # slanting
        (-400, 200, 800, 0, (-100, 0), (100, 0), 50),  # misses
        (0, 0, 0, 0, (-100, 0), (100, 0), 50),  # still, inside
        (20, 0, 500, 0, (0, 0), (0, 0), 50),  # a capsule of zero length is a disc
    ],
)
def test_capsule(
    sx: float,
    sy: float,
    dx: float,
    dy: float,
    a: tuple[float, float],
    b: tuple[float, float],
    r: float,
) -> None:
    u0, u1 = capsule_interval(*columns(sx, sy, dx, dy, a[0], a[1], b[0], b[1], r))
    inside = segment_distance(sx + U * dx, sy + U * dy, a, b) <= r
    if dx == dy == 0:
        assert (u0[0] <= u1[0]) == bool(inside[0])
        return
    check(u0[0], u1[0], inside)


def ring(vertices: list[tuple[float, float]]) -> np.ndarray:
    v = np.array(vertices, dtype=float)
    return np.column_stack([v, np.roll(v, -1, axis=0)])


HEXAGON = [(100, 0), (50, 87), (-50, 87), (-100, 0), (-50, -87), (50, -87)]
U_SHAPE = [(0, 0), (300, 0), (300, 200), (200, 200), (200, 50), (100, 50), (100, 200), (0, 200)]


def inside_polygon(
    px: np.ndarray, py: np.ndarray, vertices: list[tuple[float, float]]
) -> np.ndarray:
    polygon = shapely.Polygon(vertices)
    return np.asarray(shapely.intersects_xy(polygon, px, py))


@pytest.mark.parametrize(
    "vertices", [HEXAGON, U_SHAPE[::-1], U_SHAPE], ids=["hexagon", "u-cw", "u"]
)
@pytest.mark.parametrize(
    ("sx", "sy", "dx", "dy"),
    [
        (-300, 10, 600, 0),
        (-300, 100, 600, 0),
        (1, 1, 0, 0),
        (150, 120, 0, 0),
        (300, 300, 0, 0),
        (-200, -200, 400, 380),
        (-300, 87, 600, 0),
        (-50, 120, 400, 0),
        (150, 300, 0, -400),
    ],
)
def test_piece(
    vertices: list[tuple[float, float]], sx: float, sy: float, dx: float, dy: float
) -> None:
    rows, u0, u1 = piece_intervals(
        *columns(sx, sy, dx, dy), np.array([0]), np.array([len(vertices)]), ring(vertices)
    )
    px, py = sx + U * dx, sy + U * dy
    inside = inside_polygon(px, py, vertices)
    if dx == dy == 0:
        assert (len(rows) == 1) == bool(inside[0])
        if len(rows):
            assert (u0[0], u1[0]) == (-np.inf, np.inf)
        return
    assert set(rows.tolist()) <= {0}
    covered = np.zeros(len(U), dtype=bool)
    for a, b in zip(u0, u1, strict=True):
        assert a <= b
        covered |= np.greater_equal(U, a) & np.less_equal(U, b)
    # Every sample inside is covered, and every covered sample is inside or an edge away.
    assert np.all(covered[inside])
    near = np.zeros(len(U), dtype=bool)
    for offset in (-1, 0, 1):
        near |= np.roll(inside, offset)
    assert np.all(near[covered])


def test_a_line_through_a_u_gets_two_intervals() -> None:
    rows, u0, u1 = piece_intervals(
        *columns(-100, 120, 500, 0), np.array([0]), np.array([8]), ring(U_SHAPE)
    )
    assert rows.tolist() == [0, 0]
    assert u0.tolist() == pytest.approx([0.2, 0.6])
    assert u1.tolist() == pytest.approx([0.4, 0.8])


def test_several_pieces_in_one_call() -> None:
    triangle = [(0, 0), (10, 0), (0, 10)]
    edges = np.concatenate([ring(HEXAGON), ring(triangle)])
    rows, u0, u1 = piece_intervals(
        np.array([-300.0, -5.0, 500.0]),
        np.array([10.0, 2.0, 0.0]),
        np.array([600.0, 20.0, 1.0]),
        np.array([0.0, 0.0, 0.0]),
        np.array([0, 6, 0]),
        np.array([6, 3, 6]),
        edges,
    )
    assert rows.tolist() == [0, 1, 2]
    assert (u0[2], u1[2]) == pytest.approx((-600.0, -400.0))  # behind the third start
    assert u0[1] == pytest.approx(0.25)
    assert u1[1] == pytest.approx(0.65)
    assert u0[0] == pytest.approx((300 - 94.2265) / 600, abs=1e-3)
