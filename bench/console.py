"""Console benchmark: the operator console in headless Chromium against a real hub.

    python -m bench.console [--alerts 20] [--tracks 25000] [--seconds 15] [--paints 5]

A hub runs in a subprocess (``deconfliction serve`` on a temporary SQLite file); Debian's
chromium (``/usr/bin/chromium``, WebGL in SwiftShader: software rendering) loads the console
with Playwright. Three measurements, each with a reference taken in the same run:

1. **Alert to map.** Blue and red fly ``--alerts`` pairs into predicted conflicts, one pair
   every 2 s, while blue's console watches. For each alert: from the ``alert.opened`` event
   leaving the hub (the event's time, the hub's clock) to the frame that draws it on blue's
   map (the page's clock; same machine). Reference: from the same event leaving the hub to
   its arrival in the page (the WebSocket alone).
2. **First meaningful paint** of a signed-in console (the token already in the tab): from
   navigation to the later of (state loaded from the API, the map's first frame with the
   basemap and every layer drawn). Reference: the page's first contentful paint.
3. **25,000 own tracks at 1 Hz.** A feeder posts ``--tracks`` reports a second for one
   party, whose console shows them all (zoom 5); for ``--seconds`` the page's frame
   intervals are sampled with requestAnimationFrame, and each track update's read
   and tiling by MapLibre's worker (``setData`` with ``GET /v1/tracks?format=geojson``: the
   console's mode past 2,000 tracks) and its main-thread time.
   Reference: frame intervals of the same page before the feeder starts. Also the size and
   server time of the compact feed against ``/v1/tracks`` as JSON objects.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import httpx
import numpy as np
import orjson

from bench._process import cli, free_port, wait_ready

SRC = str(Path(__file__).resolve().parents[1] / "src")
CHROMIUM = os.environ.get("DECONFLICTION_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-sandbox"]


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else math.nan


def describe(values: list[float]) -> str:
    if not values:
        return "no samples"
    return (
        f"p50 {pct(values, 50):7.1f} ms  p99 {pct(values, 99):7.1f} ms  "
        f"max {max(values):7.1f} ms  (n={len(values)})"
    )


class Hub:
    """``deconfliction serve`` in a subprocess with parties blue, red and bulk."""

    def __init__(self, folder: str) -> None:
        db = str(Path(folder) / "hub.db")
        self.env = {**os.environ, "PYTHONPATH": SRC}
        self.tokens = {
            p: cli("party", "add", p, "--db", db, env=self.env) for p in ("blue", "red", "bulk")
        }
        cli("agreement", "set", "blue", "red", "--db", db, env=self.env)
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "deconfliction", "serve", "--db", db, "--port", port],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.http = httpx.Client(base_url=self.url, timeout=60)
        wait_ready(self.url, self.process)

    def post(self, party: str, path: str, body: Any) -> Any:
        answer = self.http.post(
            f"/v1{path}",
            content=orjson.dumps(body),
            headers={
                "Authorization": f"Bearer {self.tokens[party]}",
                "Content-Type": "application/json",
            },
        )
        answer.raise_for_status()
        return answer.json()

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def open_console(
    browser: Any, hub: Hub, party: str, centre: tuple[float, float], zoom: float
) -> Any:
    page = browser.new_page(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page.goto(f"{hub.url}/")
    page.evaluate("(t) => sessionStorage.setItem('deconfliction.token', t)", hub.tokens[party])
    page.reload()
    page.wait_for_function("window.__dcf.store.ready === true && !!window.__dcf.store.map")
    page.evaluate(
        "([lon, lat, zoom]) => window.__dcf.store.map.jumpTo({center: [lon, lat], zoom})",
        [centre[1], centre[0], zoom],
    )
    page.wait_for_timeout(500)
    return page


# -- 1. alert to map -------------------------------------------------------------------------


def alert_latency(browser: Any, hub: Hub, pairs: int) -> tuple[list[float], list[float]]:
    page = open_console(browser, hub, "blue", (45.0, 5.0), 6.2)
    ids: list[str] = []
    for k in range(pairs):
        now = time.time()
        lat = 43.5 + 3.0 * k / max(1, pairs - 1)
        for party, lon, course in (("blue", 4.0, 90.0), ("red", 4.5, 270.0)):
            report = {"track": f"{party}-{k}", "time": now, "lat": lat, "lon": lon}
            report |= {"alt_m": 9000.0, "gs_mps": 200.0, "course_deg": course}
            hub.post(party, "/reports", [report])
        time.sleep(2.0)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # each drawn, or gone before it could be
        if page.evaluate(
            "[...window.__dcf.store.alertArrivedAt.keys()].every(id =>"
            " window.__dcf.store.alertDrawnAt.has(id) || !window.__dcf.store.alerts.has(id))"
        ):
            break
        time.sleep(0.5)
    rows = page.evaluate(
        """async () => {
          const out = [];
          const events = await (await fetch('/v1/alerts', {headers: {Authorization:
            'Bearer ' + sessionStorage.getItem('deconfliction.token')}})).json();
          for (const a of events) out.push([a.id, a.opened]);
          return {opened: out,
                  drawn: Object.fromEntries(window.__dcf.store.alertDrawnAt),
                  arrived: Object.fromEntries(window.__dcf.store.alertArrivedAt)};
        }"""
    )
    drawn, arrived = [], []
    for alert_id, opened in rows["opened"]:
        left = _epoch_ms(opened)
        if alert_id in rows["drawn"] and alert_id in rows["arrived"]:
            drawn.append(rows["drawn"][alert_id] - left)
            arrived.append(rows["arrived"][alert_id] - left)
            ids.append(alert_id)
    page.close()
    return drawn, arrived


def _epoch_ms(text: str) -> float:
    from deconfliction.units import parse_time

    return parse_time(text) * 1000.0


# -- 2. first meaningful paint ---------------------------------------------------------------


def first_paint(browser: Any, hub: Hub, times: int) -> tuple[list[float], list[float]]:
    page = open_console(browser, hub, "blue", (45.0, 5.0), 6.2)
    meaningful, contentful = [], []
    for _ in range(times):
        page.reload()
        page.wait_for_function(
            "window.__dcf.store.ready === true && window.__dcf.store.firstIdleAt !== undefined",
            timeout=60_000,
        )
        fmp, fcp = page.evaluate(
            """() => [Math.max(window.__dcf.store.readyAt, window.__dcf.store.firstIdleAt),
                      performance.getEntriesByName('first-contentful-paint')[0]?.startTime]"""
        )
        meaningful.append(fmp)
        contentful.append(fcp)
    page.close()
    return meaningful, contentful


# -- 3. 25,000 tracks at 1 Hz ----------------------------------------------------------------


class Feeder(threading.Thread):
    """``tracks`` reports a second for party bulk, moving straight on, in batches of 10,000."""

    def __init__(self, hub: Hub, tracks: int) -> None:
        super().__init__(daemon=True)
        rng = np.random.default_rng(1)
        self.hub, self.tracks = hub, tracks
        self.lat = rng.uniform(42.0, 49.0, tracks)
        self.lon = rng.uniform(-1.0, 11.0, tracks)
        self.course = rng.uniform(0, 360, tracks)
        self.ids = [f"t{i:05d}" for i in range(tracks)]
        self.stop = threading.Event()
        self.seconds: list[float] = []

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.time()
            d = 200.0 / 111_000
            self.lat += d * np.cos(np.radians(self.course))
            self.lon += d * np.sin(np.radians(self.course)) / np.cos(np.radians(self.lat))
            for chunk in np.array_split(np.arange(self.tracks), math.ceil(self.tracks / 10_000)):
                items = [
                    {
                        "track": self.ids[i],
                        "time": started,
                        "lat": float(self.lat[i]),
                        "lon": float(self.lon[i]),
                        "alt_m": 3000.0,
                        "gs_mps": 200.0,
                        "course_deg": float(self.course[i]),
                    }
                    for i in chunk
                ]
                self.hub.post("bulk", "/reports", items)
            self.seconds.append(time.time() - started)
            self.stop.wait(max(0.0, 1.0 - (time.time() - started)))


FRAMES_JS = """(ms) => new Promise((resolve) => {
  const gaps = []; let last = performance.now(); const end = last + ms;
  const frame = (t) => { gaps.push(t - last); last = t;
    if (t < end) requestAnimationFrame(frame); else resolve(gaps); };
  requestAnimationFrame(frame);
})"""


def many_tracks(browser: Any, hub: Hub, tracks: int, seconds: int) -> dict[str, Any]:
    page = open_console(browser, hub, "bulk", (45.5, 5.0), 5.0)
    idle = page.evaluate(FRAMES_JS, 5000)
    feeder = Feeder(hub, tracks)
    feeder.start()
    # The console switches to the worker's reads past 2,000 tracks; let the feeder settle.
    page.wait_for_function(
        "window.__dcf.store.tracksTimings.some(t => t.count === null)", timeout=120_000
    )
    time.sleep(3)
    page.evaluate("window.__dcf.store.tracksTimings.length = 0")
    busy = page.evaluate(FRAMES_JS, seconds * 1000)
    timings = page.evaluate("window.__dcf.store.tracksTimings")
    feeder.stop.set()
    feeder.join(30)
    headers = {"Authorization": f"Bearer {hub.tokens['bulk']}"}
    feed: dict[str, tuple[float, int]] = {}
    for name, query in (
        ("geojson", "?format=geojson"),
        ("columns", "?format=columns"),
        ("objects", ""),
    ):
        times, size = [], 0
        for _ in range(5):
            started = time.perf_counter()
            body = hub.http.get(f"/v1/tracks{query}", headers=headers).content
            times.append((time.perf_counter() - started) * 1000)
            size = len(body)
        feed[name] = (statistics.median(times), size)
    page.close()
    return {"idle": idle, "busy": busy, "timings": timings, "feeder": feeder.seconds, "feed": feed}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.console", description=__doc__)
    parser.add_argument("--alerts", type=int, default=20)
    parser.add_argument("--tracks", type=int, default=25_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--paints", type=int, default=5)
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"bench.console needs chromium at {CHROMIUM} (apt-get install chromium)")
        return 1
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        hub = Hub(folder)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            drawn, arrived = alert_latency(browser, hub, args.alerts)
            meaningful, contentful = first_paint(browser, hub, args.paints)
            bulk = many_tracks(browser, hub, args.tracks, args.seconds)
        finally:
            browser.close()
            hub.close()

    def show(label: str, text: str) -> None:
        print(f"  {label:<52}{text}")

    print("console in headless Chromium (SwiftShader), hub in a subprocess, on this machine")
    show("alert event leaving the hub -> drawn on the map", describe(drawn))
    show("reference: the same event -> in the page", describe(arrived))
    if drawn and arrived:
        show("ratio (p50)", f"{pct(drawn, 50) / pct(arrived, 50):.1f}x")
    show("first meaningful paint (signed in)", describe(meaningful))
    show("reference: first contentful paint", describe(contentful))
    idle, busy = bulk["idle"], bulk["busy"]
    show(f"frame interval, {args.tracks:,} own tracks at 1 Hz", describe(busy))
    show("reference: the same page with no tracks", describe(idle))
    ratios = f"{pct(busy, 50) / pct(idle, 50):.1f}x / {pct(busy, 99) / pct(idle, 99):.1f}x"
    show("ratio (p50 / p99)", ratios)
    show("frames over 50 ms", f"{sum(1 for g in busy if g > 50)} of {len(busy)}")
    fps = len(busy) / (sum(busy) / 1000) if busy else 0.0
    idle_fps = len(idle) / (sum(idle) / 1000) if idle else 0.0
    show("frames per second (reference: no tracks)", f"{fps:.1f} ({idle_fps:.1f})")
    reads = [t["read_ms"] for t in bulk["timings"]]
    draws = [t["draw_ms"] for t in bulk["timings"] if "draw_ms" in t]
    show("track update: read and tiled (MapLibre's worker)", describe(reads))
    show("track update: main-thread time", describe(draws))
    show(f"track updates in {args.seconds} s", str(len(bulk["timings"])))
    show(f"feeder: posting {args.tracks:,} reports", describe([s * 1000 for s in bulk["feeder"]]))
    o_ms, o_size = bulk["feed"]["objects"]
    for name in ("geojson", "columns"):
        ms, size = bulk["feed"][name]
        show(f"GET /v1/tracks?format={name}", f"{ms:7.1f} ms  {size / 1e6:5.2f} MB")
    show("reference: GET /v1/tracks (objects)", f"{o_ms:7.1f} ms  {o_size / 1e6:5.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
