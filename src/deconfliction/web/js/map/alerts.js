// Alerts on the map: the two tracks now, their predicted paths to the closest approach,
// the closest-approach points (shaped by severity) and the minimum distance between them.

import { store, on } from "../store.js";
import { extrapolate } from "./geo.js";
import { SEVERITY, OWN, OTHER } from "./palette.js";
import { source, TEXT_FONT } from "./map.js";
import { distance } from "../format.js";
import { t } from "../i18n.js";
import { throttled } from "../dom.js";

/** The features that draw one alert (empty if it carries no positions). */
export function alertFeatures(alert) {
  const out = [];
  const base = { alert: alert.id, severity: alert.severity, selected: store.selectedAlert === alert.id };
  const own = alert.own?.state;
  const other = alert.other?.state;
  const cpaAt = alert.geometry?.cpa_at ? Date.parse(alert.geometry.cpa_at) : null;
  const point = (coordinates, props) => out.push({ type: "Feature", geometry: { type: "Point", coordinates }, properties: { ...base, ...props } });
  const line = (coordinates, props) => out.push({ type: "Feature", geometry: { type: "LineString", coordinates }, properties: { ...base, ...props } });
  if (own && other && cpaAt) {
    const ownNow = [own.lon, own.lat];
    const otherNow = [other.lon, other.lat];
    const ownCpa = extrapolate(own, cpaAt);
    const otherCpa = extrapolate(other, cpaAt);
    line([ownNow, ownCpa], { role: "path", colour: OWN });
    line([otherNow, otherCpa], { role: "path", colour: OTHER });
    line([ownCpa, otherCpa], { role: "gap" });
    point(ownNow, { role: "now", colour: OWN, label: "" }); // the track layer labels it
    point(otherNow, { role: "now", colour: OTHER, label: alert.other.party });
    const cpaText = `${t("map_cpa")}: ${distance(alert.geometry.d_cpa_m)}`;
    point(ownCpa, { role: "cpa", icon: SEVERITY[alert.severity]?.icon, label: cpaText });
    point(otherCpa, { role: "cpa", icon: SEVERITY[alert.severity]?.icon, label: "" });
  } else if (alert.geometry?.overlaps) {
    // Plans: the overlapping volumes (footprints only), marked where they overlap.
    for (const overlap of alert.geometry.overlaps) {
      if (overlap.footprint) out.push({ type: "Feature", geometry: overlap.footprint, properties: { ...base, role: "overlap" } });
    }
    const where = alert.geometry.where;
    if (where) point([where.lon, where.lat], { role: "cpa", icon: SEVERITY[alert.severity]?.icon, label: "" });
  } else {
    // A track and a zone: the track (ours or the other party's), marked by severity.
    const state = own || other;
    if (state) {
      const label = own ? alert.own.track || "" : alert.other.party;
      // One point, marked and named (two at the same place: the mark would hide the name).
      point([state.lon, state.lat], { role: "now", colour: own ? OWN : OTHER, label, icon: SEVERITY[alert.severity]?.icon });
    }
  }
  return out;
}

/** [lon, lat] to show an alert at, if it has one. */
export function alertCentre(alert) {
  const state = alert.own?.state || alert.other?.state || alert.geometry?.where;
  return state ? [state.lon, state.lat] : null;
}

export function alertsLayer(map) {
  source(map, "alerts");
  const severityColour = ["match", ["get", "severity"], "loss", SEVERITY.loss.colour, "predicted", SEVERITY.predicted.colour, SEVERITY.advisory.colour];
  map.addLayer({
    id: "alert-overlap",
    type: "fill",
    source: "alerts",
    filter: ["==", ["get", "role"], "overlap"],
    paint: { "fill-color": severityColour, "fill-opacity": ["case", ["get", "selected"], 0.35, 0.22], "fill-outline-color": severityColour },
  });
  map.addLayer({
    id: "alert-paths",
    type: "line",
    source: "alerts",
    filter: ["==", ["get", "role"], "path"],
    paint: { "line-color": ["get", "colour"], "line-width": ["case", ["get", "selected"], 3.5, 2.5], "line-dasharray": [2, 1.5] },
  });
  map.addLayer({
    id: "alert-gap",
    type: "line",
    source: "alerts",
    filter: ["==", ["get", "role"], "gap"],
    paint: { "line-color": severityColour, "line-width": ["case", ["get", "selected"], 4, 3] },
  });
  map.addLayer({
    id: "alert-now",
    type: "circle",
    source: "alerts",
    filter: ["==", ["get", "role"], "now"],
    paint: { "circle-radius": ["case", ["get", "selected"], 13, 11], "circle-opacity": 0, "circle-stroke-color": ["get", "colour"], "circle-stroke-width": 3 },
  });
  map.addLayer({
    id: "alert-points",
    type: "symbol",
    source: "alerts",
    filter: ["in", ["get", "role"], ["literal", ["now", "cpa"]]],
    layout: {
      "icon-image": ["coalesce", ["get", "icon"], ""],
      "icon-size": ["case", ["get", "selected"], 1.25, 1],
      "icon-allow-overlap": true,
      "text-field": ["get", "label"],
      "text-font": TEXT_FONT,
      "text-size": 13,
      "text-anchor": "left",
      "text-offset": [1.2, 0],
      "text-optional": true,
    },
    paint: { "text-color": "#111827", "text-halo-color": "#fff", "text-halo-width": 2 },
  });

  function draw() {
    const features = [];
    for (const alert of store.alerts.values()) features.push(...alertFeatures(alert));
    map.getSource("alerts").setData({ type: "FeatureCollection", features });
    for (const id of store.alerts.keys()) if (!store.alertDrawnAt.has(id)) pending.add(id);
    if (pending.size) map.triggerRepaint();
  }
  // When each alert was first on the map (a frame rendered with its features): the
  // benchmark and the tests read it.
  store.alertDrawnAt = new Map();
  const pending = new Set();
  const mark = () => {
    if (!pending.size || !map.isSourceLoaded("alerts")) return;
    const now = performance.timeOrigin + performance.now();
    const shown = new Set(map.querySourceFeatures("alerts").map((f) => f.properties.alert));
    for (const id of pending) {
      if (shown.has(id)) {
        store.alertDrawnAt.set(id, now);
        pending.delete(id);
      } else if (!store.alerts.has(id)) pending.delete(id);
    }
  };
  map.on("render", mark);
  // Its tiles are built: the frame MapLibre has asked for draws them (it runs in the same
  // batch of animation-frame callbacks, before this one).
  map.on("sourcedata", (e) => {
    if (e.sourceId === "alerts" && pending.size) {
      map.triggerRepaint();
      requestAnimationFrame(mark);
    }
  });
  const redraw = throttled(draw);
  on("alerts", redraw);
  on("select-alert", redraw);
  draw();
  map.on("click", "alert-points", (e) => {
    const id = e.features[0]?.properties.alert;
    if (id) document.dispatchEvent(new CustomEvent("dcf:select-alert", { detail: id }));
  });
}
