"""Refresh the Swagger UI files the hub serves at /docs (the hub must work offline).

Fetches the ``swagger-ui-dist`` package with ``npm pack`` (from the npm registry npm is
configured for) and copies the few files /docs needs into
``src/deconfliction/api/swagger_ui/``, with the package's licence and a ``VERSION`` file::

    python tools/refresh_swagger_ui.py            # the latest 5.x
    python tools/refresh_swagger_ui.py 5.35.0     # a given version

Review the diff, run ``pytest tests/api/test_docs.py`` and commit the files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "swagger-ui-dist"
FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE", "NOTICE")
TARGET = Path(__file__).resolve().parents[1] / "src" / "deconfliction" / "api" / "swagger_ui"
MAX_BYTES = 2 * 1024 * 1024  # each file; the bundle is about 1.7 MB


def main(argv: list[str]) -> int:
    version = argv[0] if argv else "5"
    with tempfile.TemporaryDirectory() as work:
        packed = subprocess.run(
            ["npm", "pack", f"{PACKAGE}@{version}", "--silent"],
            cwd=work,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[-1]
        with tarfile.open(Path(work) / packed) as archive:
            archive.extractall(work, filter="data")
        source = Path(work) / "package"
        exact = packed.removeprefix(f"{PACKAGE}-").removesuffix(".tgz")
        TARGET.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            size = (source / name).stat().st_size
            if size > MAX_BYTES:
                print(f"{name} is {size} bytes, more than {MAX_BYTES}: not copied", file=sys.stderr)
                return 1
            shutil.copyfile(source / name, TARGET / name)
        (TARGET / "VERSION").write_text(f"{PACKAGE} {exact}\n")
    print(f"{PACKAGE} {exact} -> {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
