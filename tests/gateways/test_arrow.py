"""Arrow arrays to numpy and back without pyarrow's pandas check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from deconfliction.gateways import arrow


def test_numbers_and_bools_both_ways_with_offsets_and_nulls() -> None:
    values = np.array([1.5, -2.0, 3.25, 4.0])
    assert arrow.numbers(arrow.from_numbers(values)[1:]).tolist() == [-2.0, 3.25, 4.0]
    assert arrow.numbers(arrow.from_numbers(np.arange(4))[2:], np.int64).tolist() == [2, 3]
    with_nulls = pa.array([1.0, None, 3.0])
    assert np.isnan(arrow.numbers(with_nulls)).tolist() == [False, True, False]
    mask = np.array([True, False, True, True, False, False, True, False, True, True])
    assert arrow.bools(arrow.from_bools(mask)).tolist() == mask.tolist()
    assert arrow.bools(arrow.from_bools(mask)[3:9]).tolist() == mask[3:9].tolist()
    assert arrow.bools(pa.array([True, None, False])).tolist() == [True, False, False]


def test_texts_and_scalars() -> None:
    strings = arrow.from_texts(["AFR", "", "été"])
    assert strings.to_pylist() == ["AFR", "", "été"]
    assert arrow.texts(strings[1:]).tolist() == ["", "été"]
    assert arrow.text("\x1f").as_py() == "\x1f"
    assert arrow.boolean(True).as_py() is True
    assert np.isnan(arrow.number(float("nan")).as_py())


@pytest.mark.parametrize("options", [[], ["--every", "5s"]])
def test_reading_and_detecting_do_not_import_pandas(
    shared_data: Path, tmp_path: Path, options: list[str]
) -> None:
    pytest.importorskip("pandas")  # otherwise there is nothing to check
    out = tmp_path / "out.parquet"
    code = (
        "import sys\n"
        "from deconfliction.cli import main\n"
        f"sys.argv = ['deconfliction', 'detect', {str(shared_data / 'quickstart.csv.gz')!r},"
        f" '-o', {str(out)!r}, *{options!r}]\n"
        "try:\n    main()\nexcept SystemExit as done:\n    assert not done.code, done.code\n"
        "assert 'pandas' not in sys.modules, 'pandas was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert out.exists()
