"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The project's shared data folder (``DECONFLICTION_SHARED_DATA``, else /work/shared/data).

    Tests that need it are skipped, with the reason, where it is not present.
    """
    configured = os.environ.get("DECONFLICTION_SHARED_DATA")
    folder = Path(configured) if configured else Path("/work/shared/data")
    if not folder.is_dir():
        pytest.skip(
            f"shared data folder {folder} not found; set DECONFLICTION_SHARED_DATA to the "
            "folder holding quickstart.csv.gz"
        )
    return folder
