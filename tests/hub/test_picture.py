import numpy as np

from deconfliction.hub.live.picture import LivePicture
from deconfliction.model import validate_reports
from tests.scenarios import T0, report


def batch(party: str, *items: dict) -> object:
    b, _ = validate_reports(party, list(items), now_s=T0, future_tolerance_s=60)
    return b


def test_rows_grow_and_keep_their_index() -> None:
    picture = LivePicture(capacity=2)
    picture.update(batch("blue", *(report(f"t{i}") for i in range(5))))
    assert len(picture) == 5
    assert picture.row_of("blue", "t3") == 3
    picture.update(batch("red", report("t3", lat=10.0)))
    assert picture.row_of("red", "t3") == 5
    assert picture.report(3).lat == 48.85 and picture.report(5).lat == 10.0


def test_newest_report_of_a_track_in_one_batch_wins() -> None:
    picture = LivePicture()
    picture.update(batch("blue", report("a", time=T0, lat=1.0), report("a", time=T0 - 5, lat=2.0)))
    assert picture.report(0).lat == 1.0


def test_live_rows_drop_stale_tracks_and_forgotten_parties() -> None:
    picture = LivePicture()
    picture.update(batch("blue", report("a", time=T0), report("b", time=T0 - 40)))
    picture.update(batch("red", report("c", time=T0)))
    assert picture.live_rows(T0, 30).tolist() == [0, 2]
    picture.forget_party("red")
    assert picture.live_rows(T0, 30).tolist() == [0]
    assert np.isneginf(picture.time_s[2])
