"""Set-up of a long-lived hub process."""

import gc

from deconfliction.process import tune_gc, tune_malloc


def test_tune_gc_freezes_what_exists_and_makes_full_collections_rare() -> None:
    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_freeze_count() > 1000  # the modules loaded by the tests, at least
        assert gc.get_threshold() == (10_000, 10, 100)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_tune_malloc_answers_whether_it_could() -> None:
    assert isinstance(tune_malloc(), bool)
