"""The message catalogues, one module per language; English is the reference."""

from collections.abc import Mapping
from types import MappingProxyType

from deconfliction.hotline.catalogue import Catalogue
from deconfliction.hotline.lang import ar, en, fr, ru

FALLBACK_LANGUAGE = "en"
CATALOGUES: Mapping[str, Catalogue] = MappingProxyType(
    {module.CATALOGUE.language: module.CATALOGUE for module in (en, ru, ar, fr)}
)
SUPPORTED_LANGUAGES: tuple[str, ...] = tuple(CATALOGUES)
