"""Make the console's screenshots in docs/images from a scripted session.

    .venv/bin/python tools/console_screenshots.py [--out docs/images]

A real hub (the one the browser tests use: uvicorn on a loopback port, system clock) with
parties blue (English) and red (Russian); Debian's chromium at 1366x768. Blue and red fly
into a predicted conflict over the French-Swiss border, talk on the hotline, declare a
deconfliction line and a protected site, file overlapping operations and an incident; each
panel is photographed as a duty officer would see it.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from playwright.sync_api import sync_playwright  # noqa: E402
from tests.web.live import LiveHub, serve  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-sandbox"]
SIZE = {"width": 1366, "height": 768}


def report(track: str, now: float, lat: float, lon: float, course: float, alt_m: float) -> Any:
    return {
        "track": track,
        "time": now,
        "lat": lat,
        "lon": lon,
        "alt_m": alt_m,
        "gs_mps": 210.0,
        "course_deg": course,
    }


def fly(live: LiveHub) -> None:
    """Blue's two aircraft and red's one; blue's BLUE-21 and red's R-07 converge, a loss
    about 80 s ahead: the hub opens it once the next reports confirm it (they come 1.5 s
    later, a little further along, as a feed's would)."""
    for step in range(2):
        now = time.time()
        moved = step * 1.5 * 210.0 / 77_000  # degrees of longitude flown in 1.5 s at 46° N
        live.post(
            "blue",
            "/reports",
            [
                report("BLUE-21", now, 46.10, 6.05 + moved, 84.0, 7600.0),
                report("BLUE-35", now, 46.45, 6.30 + moved, 120.0, 9100.0),
            ],
        )
        live.post("red", "/reports", [report("R-07", now, 46.16, 6.62 - moved, 262.0, 7650.0)])
        if step == 0:
            time.sleep(1.5)


def open_page(browser: Any, live: LiveHub, party: str, language: str | None = None) -> Any:
    context = browser.new_context(viewport=SIZE, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live.url}/")
    if language:
        page.select_option("#signin-language", language)
    page.fill("#signin-token", live.tokens[party])
    page.click("#signin-form button[type=submit]")
    if party == "admin":
        page.wait_for_selector("#operator table")
    else:
        page.wait_for_function("window.__dcf.store.ready === true && !!window.__dcf.store.map")
    return page


def settle(page: Any, ms: int = 1500) -> None:
    page.wait_for_timeout(ms)
    page.evaluate("document.activeElement?.blur()")


def side_by_side(page: Any, shots: list[Path], out: Path) -> None:
    images = "".join(
        f'<img src="data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()}">'
        for p in shots
    )
    viewer = page.context.new_page()
    viewer.set_viewport_size({"width": len(shots) * SIZE["width"] + 12, "height": SIZE["height"]})
    viewer.set_content(
        f"<body style='margin:0;display:flex;gap:12px;background:#0f1a2e'>{images}</body>"
    )
    viewer.screenshot(path=out)
    viewer.close()


ZONES = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "line-juniper",
            "geometry": {
                "type": "LineString",
                "coordinates": [[6.0, 45.9], [6.35, 46.05], [6.7, 45.95]],
            },
            "properties": {
                "name": "Line JUNIPER",
                "rule": "no_entry",
                "buffer_m": 2500,
                "alt_lower_m": 0,
                "alt_upper_m": 6000,
                "shared_with": ["red"],
            },
        },
        {
            "type": "Feature",
            "id": "site-hospital-7",
            "geometry": {"type": "Point", "coordinates": [6.48, 46.32]},
            "properties": {
                "name": "Field hospital 7",
                "rule": "protected",
                "radius_m": 3000,
                "valid_to": "VALID_TO",
                "shared_with": ["red"],
            },
        },
    ],
}


def tomorrow() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86_400))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as folder,
        serve(Path(folder), {"blue": "en", "red": "ru"}) as live,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        blue = open_page(browser, live, "blue")
        red = open_page(browser, live, "red")
        # Zones first, so that the map shows them around the conflict.
        blue.click("#tab-zones")
        blue.set_input_files(
            "#zone-file",
            files=[
                {
                    "name": "zones.geojson",
                    "mimeType": "application/geo+json",
                    "buffer": json.dumps(ZONES).replace("VALID_TO", tomorrow()).encode(),
                }
            ],
        )
        blue.wait_for_selector("[data-zone='site-hospital-7']")
        fly(live)
        flown_s = time.time()
        for page in (blue, red):
            page.wait_for_selector("#alerts li.card.alert", timeout=20_000)
            page.wait_for_function("window.__dcf.store.alertDrawnAt.size > 0", timeout=20_000)
        # Red asks blue to turn away, with a place picked on the map (typed here).
        red.click("summary[data-action=compose]")
        red.select_option("form.compose select[name=priority]", "flash")
        red.select_option("form.compose select[name=template]", "hold_or_turn_away")
        red.select_option("form.compose select[name=request]", "turn_away")
        red.select_option("form.compose select[name=reason]", "conflicting_traffic")
        red.fill("form.compose input[name=lat]", "46.13")
        red.fill("form.compose input[name=lon]", "6.35")
        red.click("form.compose button[type=submit]")
        blue.click("#tab-hotline")
        blue.wait_for_selector("li.card.message.incoming.priority-flash", timeout=20_000)
        red.click("summary[data-action=compose]")
        # Blue acknowledges the alert; the panels settle.
        blue.click("#tab-hotline")
        blue.locator("#alerts [data-action=ack]").first.click()
        red.wait_for_selector("#alerts .counterpart.acked", timeout=20_000)
        for page in (blue, red):
            page.locator("#alerts li.card.alert").first.get_by_role("button").nth(-2).click()
            settle(page)
        blue.screenshot(path=out / "console-alerts.png")
        red.screenshot(path=out / "console-red.png")
        side_by_side(
            blue, [out / "console-alerts.png", out / "console-red.png"], out / "console.png"
        )
        (out / "console-red.png").unlink()
        # The hotline, compose open.
        blue.locator("li.card.message.incoming").first.scroll_into_view_if_needed()
        blue.screenshot(path=out / "console-hotline.png")
        # Zones: red acknowledges nothing yet; the card on hover.
        red.click("#tab-zones")
        red.evaluate("window.__dcf.store.map.jumpTo({center: [6.35, 46.15], zoom: 9})")
        settle(red, 1200)
        point = red.evaluate(
            "(() => { const p = window.__dcf.store.map.project([6.48, 46.32]);"
            " return [p.x, p.y]; })()"
        )
        box = red.locator("#map").bounding_box()
        red.mouse.move(box["x"] + point[0], box["y"] + point[1])
        settle(red, 600)
        red.screenshot(path=out / "console-zones.png")
        # Operations: blue files one; red's overlapping plan gives both an advisory.
        start = time.time() + 600
        volume = {
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[6.2, 46.2], [6.5, 46.2], [6.5, 46.4], [6.2, 46.4], [6.2, 46.2]]],
            },
            "alt_lower_m": 0,
            "alt_upper_m": 1500,
            "start": start,
            "end": start + 7200,
        }
        for party, op, prio in (("red", "R-SURVEY-2", 40), ("blue", "MEDEVAC-4", 90)):
            with live.client(party) as client:
                answer = client.put(
                    f"/operations/{op}", json={"priority": prio, "volumes": [volume]}
                )
                if answer.status_code == 409:
                    key = {d["id"]: d["version"] for d in answer.json()["error"]["details"]}
                    client.put(
                        f"/operations/{op}",
                        json={"priority": prio, "key": key, "volumes": [volume]},
                    )
        blue.click("#tab-operations")
        blue.wait_for_selector("[data-operation='MEDEVAC-4']")
        blue.locator("[data-operation='MEDEVAC-4']").get_by_role("button").first.click()
        settle(blue)
        blue.screenshot(path=out / "console-operations.png")
        # Incidents: blue reports one from the alert.
        blue.locator("#alerts li.card.alert").first.get_by_role("button").last.click()
        blue.fill(
            "#panel-incidents textarea[name=narrative]",
            "BLUE-21 and a red aircraft closed to 1.5 NM at FL250; BLUE-21 turned left.",
        )
        blue.locator("#panel-incidents form button[type=submit]").click()

        blue.wait_for_selector("#panel-incidents [data-incident]")
        settle(blue)
        blue.screenshot(path=out / "console-incidents.png")
        # Review: the picture 5-15 s after the aircraft first reported (the slider's steps
        # are 10 s), while both were still in it.
        blue.click("#tab-hotline")
        back_s = 10 * int((time.time() - flown_s - 5) // 10)
        blue.fill("#review-slider", str(-back_s))
        blue.dispatch_event("#review-slider", "input")
        blue.wait_for_selector("#review.reviewing")
        # The incident's notice would cover the review bar: wait until it has gone.
        blue.wait_for_function("!document.getElementById('toast').classList.contains('shown')")
        settle(blue)
        blue.screenshot(path=out / "console-review.png")
        # Arabic, right to left.
        arabic = open_page(browser, live, "red", "ar")
        arabic.wait_for_selector("#alerts li.card.alert")
        arabic.locator("#alerts li.card.alert").first.get_by_role("button").nth(-2).click()
        settle(arabic)
        arabic.screenshot(path=out / "console-arabic.png")
        # The operator.
        admin = open_page(browser, live, "admin")
        admin.get_by_role("button", name="Sign a checkpoint now").click()
        settle(admin, 800)
        admin.screenshot(path=out / "console-operator.png")
        # A lost connection.
        blue.route_web_socket("**/v1/stream**", lambda ws: ws.close(code=1011))
        blue.evaluate("window.__dcf.store.stream.socket.close(4000)")
        blue.wait_for_selector("#banner:not([hidden])")
        settle(blue, 300)
        blue.screenshot(path=out / "console-connection-lost.png")
        browser.close()
    for path in sorted(out.glob("console*.png")):
        print(f"{path.stat().st_size:>9,} {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
