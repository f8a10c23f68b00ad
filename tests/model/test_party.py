import math

import pytest

from deconfliction.errors import InvalidInput
from deconfliction.model import Agreement, Minima, check_party_name


@pytest.mark.parametrize("name", ["blue", "UN-OCHA", "a.b_c", "X" * 64])
def test_good_names(name: str) -> None:
    assert check_party_name(name) == name


@pytest.mark.parametrize("name", ["", "-x", "a b", "X" * 65, "*admin*"])
def test_bad_names(name: str) -> None:
    with pytest.raises(InvalidInput, match="is not allowed"):
        check_party_name(name)


def test_agreement_orders_its_parties_and_round_trips() -> None:
    agreement = Agreement("red", "blue", True, {"ground": Minima(2000, math.inf, 900)})
    assert agreement.pair == ("blue", "red")
    assert Agreement.from_json(agreement.to_json()) == agreement
    sharing = Agreement("red", "blue", share_operations=True)
    assert Agreement.from_json(sharing.to_json()).share_operations is True
    # Agreements stored before operations were shared read as not sharing them.
    old = {"parties": ["blue", "red"], "share_tracks": True, "minima": {}}
    assert Agreement.from_json(old).share_operations is False


def test_agreement_needs_two_parties() -> None:
    with pytest.raises(InvalidInput, match="two different parties"):
        Agreement("blue", "blue")


def test_minima_must_be_positive() -> None:
    with pytest.raises(InvalidInput, match="horizontal_m must be positive"):
        Minima(0, 300, 300)


def test_every_party_language_has_a_hotline_catalogue() -> None:
    from deconfliction.hotline.lang import SUPPORTED_LANGUAGES
    from deconfliction.model.party import LANGUAGES

    assert set(LANGUAGES) == set(SUPPORTED_LANGUAGES)
