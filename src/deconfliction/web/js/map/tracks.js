// Tracks: the party's own with heading arrows, labels and a short trail; those of parties
// that share their picture with it in their own colour. Only what /v1/tracks returns.

import { store, on } from "../store.js";
import { OWN, SHARED } from "./palette.js";
import { source, TEXT_FONT, empty } from "./map.js";
import { throttled } from "../dom.js";

const TRAIL_POINTS = 8;
const TRAIL_MAX_TRACKS = 3000; // trails are drawn for the tracks in view, up to this many

export function tracksLayer(map) {
  source(map, "trails");
  source(map, "tracks");
  map.addLayer({
    id: "trails",
    type: "line",
    source: "trails",
    paint: { "line-color": ["get", "colour"], "line-width": 1.6, "line-opacity": 0.55 },
    layout: { "line-cap": "round", "line-join": "round" },
  });
  map.addLayer({
    id: "tracks",
    type: "symbol",
    source: "tracks",
    layout: {
      "icon-image": "track-arrow",
      "icon-size": ["interpolate", ["linear"], ["zoom"], 3, 0.55, 9, 0.9],
      "icon-rotate": ["get", "course"],
      "icon-rotation-alignment": "map",
      "icon-allow-overlap": true,
      "icon-ignore-placement": true,
      "text-field": ["step", ["zoom"], ["case", ["get", "few"], ["get", "label"], ""], 8, ["get", "label"]],
      "text-font": TEXT_FONT,
      "text-size": 12,
      "text-anchor": "top",
      "text-offset": [0, 0.9],
      "text-optional": true,
    },
    paint: {
      "icon-color": ["get", "colour"],
      "icon-opacity": ["case", ["get", "stale"], 0.35, 1],
      "text-color": "#111827",
      "text-halo-color": "#ffffff",
      "text-halo-width": 1.6,
    },
  });

  const trails = new Map(); // "party/track" → [[lon, lat]…]
  const colours = new Map();
  const colourOf = (party) => {
    if (party === store.me.name) return OWN;
    if (!colours.has(party)) colours.set(party, SHARED[colours.size % SHARED.length]);
    return colours.get(party);
  };

  function draw() {
    const started = performance.now();
    const reviewing = store.review !== null;
    const columns = reviewing ? store.review.tracks : store.tracks;
    if (!columns) return;
    const n = columns.count;
    const features = new Array(n);
    const few = n <= 300;
    for (let i = 0; i < n; i++) {
      const party = columns.party[i];
      const own = party === store.me.name;
      const fl = `FL${String(Math.round(columns.alt_m[i] / 30.48)).padStart(3, "0")}`;
      features[i] = {
        type: "Feature",
        id: i,
        geometry: { type: "Point", coordinates: [columns.lon[i], columns.lat[i]] },
        properties: {
          key: `${party}/${columns.track[i]}`,
          course: columns.course_deg[i],
          colour: colourOf(party),
          stale: columns.stale[i],
          few,
          label: own ? `${columns.track[i]} ${fl}` : `${party}: ${columns.track[i]} ${fl}`,
        },
      };
      if (!reviewing && own) {
        const key = features[i].properties.key;
        let trail = trails.get(key);
        if (!trail) trails.set(key, (trail = []));
        const last = trail[trail.length - 1];
        if (!last || last[0] !== columns.lon[i] || last[1] !== columns.lat[i]) {
          trail.push([columns.lon[i], columns.lat[i]]);
          if (trail.length > TRAIL_POINTS) trail.shift();
        }
      }
    }
    map.getSource("tracks").setData({ type: "FeatureCollection", features });
    drawTrails();
    const last = store.tracksTimings?.[store.tracksTimings.length - 1];
    if (last && last.draw_ms === undefined) last.draw_ms = performance.now() - started;
  }

  function drawTrails() {
    if (store.review !== null) {
      map.getSource("trails").setData(empty());
      return;
    }
    const bounds = map.getBounds();
    const features = [];
    for (const [key, trail] of trails) {
      if (trail.length < 2) continue;
      const head = trail[trail.length - 1];
      if (!bounds.contains(head)) continue;
      features.push({ type: "Feature", geometry: { type: "LineString", coordinates: trail }, properties: { key, colour: OWN } });
      if (features.length >= TRAIL_MAX_TRACKS) break;
    }
    map.getSource("trails").setData({ type: "FeatureCollection", features });
  }

  const redraw = throttled(draw);
  on("tracks", redraw);
  on("review", redraw);
  map.on("moveend", drawTrails);
  draw();
}
