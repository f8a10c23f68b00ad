"""Minima per domain pair and per pair of parties, resolved for arrays of pairs."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from deconfliction.detect.minima import MinimaTable
from deconfliction.errors import InvalidInput
from deconfliction.model.minima import AIR_MINIMA, GROUND_MINIMA, SEA_MINIMA, Minima
from deconfliction.model.party import DOMAINS, Agreement, Domain

WIDE_AIR = Minima(20_000.0, 600.0, 600.0)
NARROW_AIR = Minima(1_000.0, 100.0, 60.0)
AIR_GROUND = Minima(3_000.0, 500.0, 120.0)


def test_defaults_per_domain() -> None:
    table = MinimaTable()
    assert table.minima("a", "b", "air", "air") == AIR_MINIMA
    assert table.minima("a", "b", "ground", "ground") == GROUND_MINIMA
    assert math.isinf(GROUND_MINIMA.vertical_m)
    assert table.minima("a", "b", "sea", "sea") == SEA_MINIMA
    assert table.minima("a", "b", "air", "ground") is None
    assert table.minima("a", "b", "ground", "air") is None
    assert table.minima("a", "b", "air", "sea") is None


def test_agreement_widens_only_and_only_for_its_parties() -> None:
    table = MinimaTable(
        agreements={("red", "blue"): {"air": WIDE_AIR}, ("red", "green"): {"air": NARROW_AIR}}
    )
    assert table.minima("blue", "red", "air", "air") == WIDE_AIR
    assert table.minima("red", "blue", "air", "air") == WIDE_AIR
    # A smaller agreed minimum never narrows the default.
    assert table.minima("red", "green", "air", "air") == AIR_MINIMA
    assert table.minima("blue", "green", "air", "air") == AIR_MINIMA
    # Each minimum is widened on its own.
    mixed = MinimaTable(agreements={("a", "b"): {"air": Minima(20_000.0, 100.0, 60.0)}})
    assert mixed.minima("a", "b", "air", "air") == Minima(20_000.0, AIR_MINIMA.vertical_m, 300.0)


def test_agreement_can_turn_on_an_unchecked_domain_pair() -> None:
    table = MinimaTable(agreements={("red", "blue"): {"air-ground": AIR_GROUND}})
    assert table.minima("red", "blue", "ground", "air") == AIR_GROUND
    assert table.minima("red", "green", "ground", "air") is None


def test_two_agreements_for_one_pair_combine_widest() -> None:
    table = MinimaTable(
        agreements={("red", "blue"): {"air": WIDE_AIR}, ("blue", "red"): {"air": NARROW_AIR}}
    )
    assert table.minima("red", "blue", "air", "air") == WIDE_AIR


def test_from_agreements_and_with_air() -> None:
    table = MinimaTable.from_agreements(
        [Agreement("red", "blue", minima={"air": WIDE_AIR}), Agreement("red", "green")]
    )
    assert table.minima("red", "blue", "air", "air") == WIDE_AIR
    narrower = table.with_air(NARROW_AIR)
    assert narrower.minima("red", "green", "air", "air") == NARROW_AIR
    assert narrower.minima("red", "blue", "air", "air") == WIDE_AIR


@pytest.mark.parametrize(
    ("defaults", "agreements"),
    [
        ({"air-space": AIR_MINIMA}, {}),
        ({}, {("a", "b"): {"airplane": AIR_MINIMA}}),
        ({}, {("a", "a"): {"air": AIR_MINIMA}}),
        ({"air": (1.0, 2.0, 3.0)}, {}),
    ],
)
def test_invalid_tables_are_refused(defaults: dict, agreements: dict) -> None:
    with pytest.raises(InvalidInput):
        MinimaTable(defaults=defaults, agreements=agreements)


def _table() -> MinimaTable:
    return MinimaTable(
        agreements={
            ("red", "blue"): {"air": WIDE_AIR, "air-ground": AIR_GROUND},
            ("green", "blue"): {"ground": Minima(5_000.0, math.inf, 900.0)},
            ("red", "absent"): {"sea": Minima(9_000.0, math.inf, 900.0)},
        }
    )


@pytest.mark.parametrize(
    "parties", [("red", "blue", "green", "grey"), ("grey", "green", "blue", "red")]
)
def test_resolve_agrees_with_the_scalar_lookup_for_every_combination(
    parties: tuple[str, ...],
) -> None:
    table = _table()
    combos = list(itertools.product(range(len(parties)), repeat=2))
    combos = [(pa, pb, da, db) for pa, pb in combos for da in range(3) for db in range(3)]
    pa, pb, da, db = (np.array(column) for column in zip(*combos, strict=True))
    resolved = table.resolve(parties, pa, pb, da, db)
    for k, (party_a, party_b, domain_a, domain_b) in enumerate(combos):
        expected = table.minima(
            parties[party_a], parties[party_b], DOMAINS[domain_a].value, DOMAINS[domain_b].value
        )
        if expected is None:
            assert not resolved.checked[k]
        else:
            assert resolved.checked[k]
            got = (resolved.horizontal_m[k], resolved.vertical_m[k], resolved.lookahead_s[k])
            assert got == (expected.horizontal_m, expected.vertical_m, expected.lookahead_s)


def test_track_bounds_cover_every_pair_of_the_track() -> None:
    table = _table()
    parties = ("red", "blue", "green", "grey")
    party = np.repeat(np.arange(4), 3)
    domain = np.tile(np.arange(3), 4)
    bounds = table.track_bounds(parties, party, domain)
    for i in range(party.size):
        pairs = [
            table.minima(
                parties[party[i]],
                parties[party[j]],
                DOMAINS[domain[i]].value,
                DOMAINS[domain[j]].value,
            )
            for j in range(party.size)
            if party[j] != party[i]
        ]
        checked = [m for m in pairs if m is not None]
        assert bounds.checked[i] == bool(checked)
        for m in checked:
            assert m.horizontal_m <= bounds.horizontal_m[i]
            assert m.vertical_m <= bounds.vertical_m[i]
            assert m.lookahead_s <= bounds.lookahead_s[i]
    # Tight where nothing is agreed: a grey air track gets exactly the air default.
    grey_air = int(np.flatnonzero((party == 3) & (domain == Domain.AIR.code))[0])
    assert bounds.horizontal_m[grey_air] == AIR_MINIMA.horizontal_m


def test_largest_over_the_table() -> None:
    largest = _table().largest
    assert largest is not None
    assert largest.horizontal_m == WIDE_AIR.horizontal_m
    assert math.isinf(largest.vertical_m)
    assert largest.lookahead_s == 900.0
    assert MinimaTable(defaults={}).largest is None


def test_resolve_of_no_pairs() -> None:
    empty = np.empty(0, dtype=np.intp)
    resolved = _table().resolve(("red",), empty, empty, empty, empty)
    assert resolved.checked.shape == (0,)
