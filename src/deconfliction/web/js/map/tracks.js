// Tracks: the party's own with heading arrows, labels and a short trail; those of parties
// that share their picture with it in their own colour. Only what /v1/tracks returns.
//
// Two ways to keep them current, chosen by how many there are:
// - up to FEW_TRACKS, the columns (GET /v1/tracks?format=columns) are read here, features
//   built on the main thread, and each own track keeps a short trail;
// - beyond, MapLibre's worker reads GET /v1/tracks?format=geojson itself (setData with the
//   URL; the token goes in a header through transformRequest): nothing of the 25,000 points
//   touches the main thread, so the map stays smooth. No trails then: at that density they
//   would only hide the arrows; and below zoom 6 they are dots.

import { emit, loadTracks, on, store } from "../store.js";
import { OWN, SHARED } from "./palette.js";
import { source, TEXT_FONT, empty } from "./map.js";
import { throttled } from "../dom.js";

const FEW_TRACKS = 2000;
const DOTS_BELOW_ZOOM = 6; // with many tracks, dots instead of arrows when zoomed out
const TRAIL_POINTS = 8;
const TRAIL_MAX_TRACKS = 1000; // trails are drawn for the tracks in view, up to this many

/** "FL095": flight level from alt_m, as a MapLibre expression. */
const FL = (() => {
  const level = ["round", ["/", ["get", "alt_m"], 30.48]];
  const digits = ["to-string", level];
  return ["concat", "FL", ["case", ["<", level, 10], ["concat", "00", digits], ["<", level, 100], ["concat", "0", digits], digits]];
})();

export function tracksLayer(map) {
  source(map, "trails");
  source(map, "tracks");
  map.addLayer({
    id: "trails",
    type: "line",
    source: "trails",
    paint: { "line-color": OWN, "line-width": 1.6, "line-opacity": 0.5 },
    layout: { "line-cap": "round", "line-join": "round" },
  });
  // Many tracks seen from far: dots (a circle layer costs the renderer far less than
  // 25,000 rotated icons, whose headings cannot be read at that scale anyway).
  map.addLayer({
    id: "tracks-dots",
    type: "circle",
    source: "tracks",
    maxzoom: DOTS_BELOW_ZOOM,
    layout: { visibility: "none" },
    paint: { "circle-radius": 2.2, "circle-color": colours(), "circle-opacity": ["case", ["get", "stale"], 0.35, 0.9] },
  });
  map.addLayer({
    id: "tracks",
    type: "symbol",
    source: "tracks",
    layout: {
      "icon-image": "track-arrow",
      "icon-size": ["interpolate", ["linear"], ["zoom"], 3, 0.55, 9, 0.9],
      "icon-rotate": ["get", "course_deg"],
      "icon-rotation-alignment": "map",
      "icon-allow-overlap": true,
      "icon-ignore-placement": true,
      "text-field": labels(false),
      "text-font": TEXT_FONT,
      "text-size": 12,
      "text-anchor": "top",
      "text-offset": [0, 0.9],
      "text-optional": true,
    },
    paint: {
      "icon-color": colours(),
      "icon-opacity": ["case", ["get", "stale"], 0.35, 1],
      "text-color": "#111827",
      "text-halo-color": "#ffffff",
      "text-halo-width": 1.6,
    },
  });

  let mode = "columns";
  const trails = new Map(); // "party/track" → [[lon, lat]…]

  function drawColumns() {
    const started = performance.now();
    const reviewing = store.review !== null;
    const columns = reviewing ? store.review.tracks : store.tracks;
    if (!columns) return;
    if (!reviewing && columns.count > FEW_TRACKS) return toUrls();
    const n = columns.count;
    const features = new Array(n);
    for (let i = 0; i < n; i++) {
      const party = columns.party[i];
      features[i] = {
        type: "Feature",
        id: i,
        geometry: { type: "Point", coordinates: [columns.lon[i], columns.lat[i]] },
        properties: { party, track: columns.track[i], course_deg: columns.course_deg[i], alt_m: columns.alt_m[i], stale: columns.stale[i] },
      };
      if (!reviewing && party === store.me.name) {
        const key = `${party}/${columns.track[i]}`;
        let trail = trails.get(key);
        if (!trail) trails.set(key, (trail = []));
        const last = trail[trail.length - 1];
        if (!last || last[0] !== columns.lon[i] || last[1] !== columns.lat[i]) {
          trail.push([columns.lon[i], columns.lat[i]]);
          if (trail.length > TRAIL_POINTS) trail.shift();
        }
      }
    }
    map.setLayoutProperty("tracks", "text-field", labels(n <= 300));
    map.getSource("tracks").setData({ type: "FeatureCollection", features });
    drawTrails();
    const last = store.tracksTimings[store.tracksTimings.length - 1];
    if (last && last.draw_ms === undefined) last.draw_ms = performance.now() - started;
  }

  function drawTrails() {
    if (store.review !== null || mode !== "columns") {
      map.getSource("trails").setData(empty());
      return;
    }
    const bounds = map.getBounds();
    const features = [];
    for (const trail of trails.values()) {
      if (trail.length < 2 || !bounds.contains(trail[trail.length - 1])) continue;
      features.push({ type: "Feature", geometry: { type: "LineString", coordinates: trail }, properties: {} });
      if (features.length >= TRAIL_MAX_TRACKS) break;
    }
    map.getSource("trails").setData({ type: "FeatureCollection", features });
  }

  // -- many tracks: the worker reads them --------------------------------------------------
  let inFlight = null; // when the current read started
  let again = false;
  let reads = 0;

  function toUrls() {
    mode = "url";
    trails.clear();
    drawTrails();
    map.setLayoutProperty("tracks-dots", "visibility", "visible");
    map.setLayerZoomRange("tracks", DOTS_BELOW_ZOOM, 24);
    map.setLayoutProperty("tracks", "text-field", labels(false));
    readUrl();
  }

  function readUrl() {
    if (inFlight !== null) {
      again = true;
      return;
    }
    inFlight = performance.now();
    const at = store.review ? `&at=${encodeURIComponent(store.review.at.toISOString())}` : "";
    map.getSource("tracks").setData(`${location.origin}/v1/tracks?format=geojson${at}&read=${++reads}`);
  }

  map.on("sourcedata", (e) => {
    if (e.sourceId !== "tracks" || !e.isSourceLoaded || inFlight === null) return;
    store.tracksTimings.push({ count: null, read_ms: performance.now() - inFlight, draw_ms: 0 });
    if (store.tracksTimings.length > 100) store.tracksTimings.shift();
    inFlight = null;
    emit("tracks-drawn");
    if (again) {
      again = false;
      readUrl();
    }
  });

  const redraw = throttled(() => (mode === "url" && store.review === null ? readUrl() : drawColumns()));
  on("reports", () => (mode === "url" ? readUrl() : loadTracks()));
  on("tracks", redraw);
  on("review", () => (mode === "url" ? readUrl() : drawColumns()));
  on("partners", () => {
    map.setPaintProperty("tracks", "icon-color", colours());
    map.setPaintProperty("tracks-dots", "circle-color", colours());
  });
  map.on("moveend", drawTrails);
  drawColumns();
  loadTracks(); // reports may have come while the map was loading
}

/** Own tracks in the party's colour, each sharing party in its own. */
function colours() {
  const others = (store.partners || []).flatMap((party, i) => [party, SHARED[i % SHARED.length]]);
  return ["match", ["get", "party"], store.me.name, OWN, ...others, SHARED[0]];
}

/** "A12 FL095" for own tracks, "red: R7 FL300" for a sharing party's; at zoom 8 and in, or
 * always when there are few tracks. */
function labels(always) {
  const own = ["concat", ["get", "track"], " ", FL];
  const label = ["case", ["==", ["get", "party"], store.me.name], own, ["concat", ["get", "party"], ": ", own]];
  return always ? label : ["step", ["zoom"], "", 8, label];
}
