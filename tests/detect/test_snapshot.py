"""Snapshots as columns, their validation, and extrapolation along the motion model."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from deconfliction.detect import MinimaTable, Snapshot, detect_conflicts, extrapolate
from deconfliction.errors import InvalidInput
from deconfliction.model.party import Domain
from tests.detect.encounters import snapshot_of
from tests.scenarios import HEAD_ON, OVER_THE_POLE

GEOD = Geod(ellps="WGS84")


def test_from_columns_codes_parties_and_fills_defaults() -> None:
    snap = Snapshot.from_columns(
        5.0,
        party=["b", "a", "b"],
        track=["1", "2", "3"],
        lat=[0, 1, 2],
        lon=[0, 1, 2],
        alt_m=[0, 0, 0],
        gs_mps=[0, 1, 2],
        course_deg=[-90.0, 360.0, 725.0],
        domain=["air", Domain.GROUND, "sea"],
    )
    assert snap.parties == ("b", "a")
    assert snap.party.tolist() == [0, 1, 0]
    assert snap.party_names() == ["b", "a", "b"]
    assert snap.vs_mps.tolist() == [0.0, 0.0, 0.0]
    assert snap.course_deg.tolist() == [270.0, 0.0, 5.0]
    assert snap.domain.tolist() == [Domain.AIR.code, Domain.GROUND.code, Domain.SEA.code]
    assert snap.track.tolist() == ["1", "2", "3"]
    taken = snap.take([2, 0])
    assert taken.track.tolist() == ["3", "1"]
    assert taken.parties == snap.parties
    assert len(taken) == 2


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("lat", 90.5, "lat of track 't2' is 90.5"),
        ("lon", -181.0, "lon of track 't2' is -181.0"),
        ("gs_mps", -1.0, "gs_mps of track 't2'"),
        ("alt_m", float("nan"), "alt_m of track 't2' is nan"),
        ("vs_mps", float("inf"), "vs_mps of track 't2'"),
    ],
)
def test_from_columns_names_the_bad_value(column: str, value: float, message: str) -> None:
    columns = {
        "lat": [0.0, 0.0],
        "lon": [0.0, 0.0],
        "alt_m": [0.0, 0.0],
        "gs_mps": [0.0, 0.0],
        "course_deg": [0.0, 0.0],
        "vs_mps": [0.0, 0.0],
    }
    columns[column][1] = value
    with pytest.raises(InvalidInput, match=message):
        Snapshot.from_columns(0.0, party=["a", "b"], track=["t1", "t2"], **columns)


def test_fixed_party_codes() -> None:
    columns = {
        "lat": [0, 0],
        "lon": [0, 0],
        "alt_m": [0, 0],
        "gs_mps": [0, 0],
        "course_deg": [0, 0],
    }
    snap = Snapshot.from_columns(
        0.0, party=["b", "a"], track=["1", "2"], parties=("a", "b", "c"), **columns
    )
    assert snap.parties == ("a", "b", "c")
    assert snap.party.tolist() == [1, 0]
    with pytest.raises(InvalidInput, match="party 'z' is not in parties"):
        Snapshot.from_columns(0.0, party=["z", "a"], track=["1", "2"], parties=("a",), **columns)


def test_from_columns_refuses_ragged_columns_and_unknown_domains() -> None:
    with pytest.raises(InvalidInput, match="lat"):
        Snapshot.from_columns(
            0.0,
            party=["a"],
            track=["t"],
            lat=[0, 1],
            lon=[0],
            alt_m=[0],
            gs_mps=[0],
            course_deg=[0],
        )
    with pytest.raises(InvalidInput, match="unknown domain 'space'"):
        Snapshot.from_columns(
            0.0,
            party=["a"],
            track=["t"],
            lat=[0],
            lon=[0],
            alt_m=[0],
            gs_mps=[0],
            course_deg=[0],
            domain=["space"],
        )


def test_extrapolate_moves_along_the_geodesic_and_the_vertical() -> None:
    rng = np.random.default_rng(7)
    n = 400
    lat = rng.uniform(-88.0, 88.0, n)
    lon = rng.uniform(-180.0, 180.0, n)
    gs = rng.uniform(0.0, 300.0, n)
    course = rng.uniform(0.0, 360.0, n)
    vs = rng.uniform(-20.0, 20.0, n)
    snap = Snapshot.from_columns(
        100.0,
        party=["p"] * n,
        track=[str(i) for i in range(n)],
        lat=lat,
        lon=lon,
        alt_m=np.full(n, 5000.0),
        gs_mps=gs,
        course_deg=course,
        vs_mps=vs,
    )
    moved = extrapolate(snap, 60.0)
    assert moved.time_s == 160.0
    expected_lon, expected_lat, back_azimuth = GEOD.fwd(lon, lat, course, gs * 60.0)
    expected_azimuth = np.asarray(back_azimuth) + 180.0
    _, _, error = GEOD.inv(moved.lon, moved.lat, expected_lon, expected_lat)
    assert np.max(error) < 1.0
    heading_error = (moved.course_deg - expected_azimuth + 180.0) % 360.0 - 180.0
    assert np.abs(heading_error[gs > 1.0]).max() < 0.01
    assert np.allclose(moved.alt_m, 5000.0 + 60.0 * vs)
    assert np.array_equal(moved.gs_mps, gs)


def test_extrapolate_per_track_shift_and_zero_shift() -> None:
    snap = snapshot_of(HEAD_ON, time_s=50.0)
    same = extrapolate(snap, 0.0)
    for column in ("lat", "lon", "alt_m", "course_deg"):
        assert np.array_equal(getattr(same, column), getattr(snap, column))
    moved = extrapolate(snap, np.array([10.0, 0.0]))
    assert moved.time_s == 50.0
    assert moved.lon[0] > snap.lon[0]
    assert moved.lon[1] == snap.lon[1]
    assert extrapolate(snap, np.array([10.0, 0.0]), time_s=60.0).time_s == 60.0
    with pytest.raises(InvalidInput, match="shape"):
        extrapolate(snap, np.zeros(3))


def test_extrapolate_across_the_antimeridian_and_over_a_pole() -> None:
    east = snapshot_of([("p", "t", 10.0, 179.99, 0.0, 100.0, 90.0, 0.0)])
    assert -180.0 < extrapolate(east, 60.0).lon[0] < -179.9
    pole = snapshot_of(OVER_THE_POLE[:1])
    after = extrapolate(pole, 100.0)  # 20 km along meridian 30, through the pole
    assert after.lat[0] == pytest.approx(OVER_THE_POLE[0][2], abs=1e-4)
    assert after.lon[0] == pytest.approx(-150.0, abs=1e-3)
    assert after.course_deg[0] == pytest.approx(180.0, abs=0.01)


def test_detecting_on_an_extrapolated_snapshot_shifts_the_conflict() -> None:
    snap = snapshot_of(HEAD_ON)
    before = next(iter(detect_conflicts(snap, MinimaTable())))
    after = next(iter(detect_conflicts(extrapolate(snap, 30.0), MinimaTable())))
    assert after.t_in_s == pytest.approx(before.t_in_s - 30.0, abs=0.01)
    assert after.t_out_s == pytest.approx(before.t_out_s - 30.0, abs=0.01)
    assert after.t_cpa_s == pytest.approx(before.t_cpa_s - 30.0, abs=0.01)
    assert after.d_cpa_m == pytest.approx(before.d_cpa_m, abs=1.0)
