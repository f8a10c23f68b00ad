"""axe-core in the page (vendored from npm for the tests): the serious and critical
violations it finds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def serious_violations(page: Any, within: str | None = None) -> list[str]:
    """What axe finds in the page (or in the element ``within`` selects)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "(within) => axe.run(within ? document.querySelector(within) : document,"
        " {resultTypes: ['violations']})",
        within,
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
