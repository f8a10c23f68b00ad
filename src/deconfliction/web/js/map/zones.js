// Zones on the map, styled by rule: areas and circles filled, deconfliction lines drawn
// with their buffer, protected sites with their own symbol; band and validity on hover.

import { store, on } from "../store.js";
import { shapeFeatures } from "./geo.js";
import { RULE } from "./palette.js";
import { source, TEXT_FONT, maplibregl } from "./map.js";
import { throttled, h } from "../dom.js";
import { t } from "../i18n.js";
import { zoneFacts } from "../zone_facts.js";

const ruleColour = ["match", ["get", "rule"], ...Object.entries(RULE).flatMap(([rule, style]) => [rule, style.colour]), "#475467"];

export function zonesLayer(map) {
  source(map, "zones");
  map.addLayer({ id: "zone-fill", type: "fill", source: "zones", filter: ["==", ["get", "shape"], "area"], paint: { "fill-color": ruleColour, "fill-opacity": 0.14 } });
  for (const [rule, style] of Object.entries(RULE)) {
    map.addLayer({
      id: `zone-outline-${rule}`,
      type: "line",
      source: "zones",
      filter: ["all", ["==", ["get", "shape"], "area"], ["==", ["get", "rule"], rule]],
      paint: { "line-color": style.colour, "line-width": 2, "line-dasharray": style.dash },
    });
  }
  map.addLayer({
    id: "zone-buffer",
    type: "line",
    source: "zones",
    filter: ["==", ["get", "shape"], "line"],
    layout: { "line-cap": "round", "line-join": "round" },
    paint: {
      "line-color": ruleColour,
      "line-opacity": 0.22,
      "line-width": ["interpolate", ["exponential", 2], ["zoom"], 0, ["max", 2, ["/", ["*", 2, ["get", "buffer_m"]], ["get", "mpp0"]]], 22, ["max", 2, ["/", ["*", 2 ** 22 * 2, ["get", "buffer_m"]], ["get", "mpp0"]]]],
    },
  });
  map.addLayer({ id: "zone-line", type: "line", source: "zones", filter: ["==", ["get", "shape"], "line"], paint: { "line-color": ruleColour, "line-width": 2.5 } });
  // Sites: their symbol, always drawn, and their name on whichever side is free (protected
  // sites first), once the lines' and areas' names (above, less free to move) are placed.
  map.addLayer({
    id: "zone-site",
    type: "symbol",
    source: "zones",
    filter: ["==", ["get", "shape"], "point"],
    layout: {
      "icon-image": ["case", ["==", ["get", "rule"], "protected"], "protected-site", "sev-advisory"],
      "icon-allow-overlap": true,
      "icon-size": 0.9,
      "symbol-sort-key": ["case", ["==", ["get", "rule"], "protected"], 0, 1],
      "text-field": ["step", ["zoom"], "", 5, ["get", "title"]],
      "text-font": TEXT_FONT,
      "text-size": 12,
      "text-variable-anchor": ["top", "bottom", "left", "right", "top-left", "top-right", "bottom-left", "bottom-right"],
      "text-radial-offset": 1.1,
      "text-optional": true,
    },
    paint: { "text-color": ruleColour, "text-halo-color": "#fff", "text-halo-width": 1.8 },
  });
  for (const shape of ["area", "line"]) {
    map.addLayer({
      id: `zone-label-${shape}`,
      type: "symbol",
      source: "zones",
      // A circle around a site is named beside the site's symbol (above).
      filter: ["all", ["==", ["get", "shape"], shape], ["!", ["has", "around_point"]]],
      minzoom: 5,
      layout: {
        "text-field": ["get", "title"],
        "text-font": TEXT_FONT,
        "text-size": 12,
        "symbol-placement": shape === "line" ? "line" : "point",
        // A line's name is tried at more places along it: a busy stretch must not hide it.
        ...(shape === "line" ? { "symbol-spacing": 120 } : {}),
      },
      paint: { "text-color": ruleColour, "text-halo-color": "#fff", "text-halo-width": 1.8 },
    });
  }

  const draw = throttled(() => {
    const features = [];
    for (const zone of store.zones.values()) {
      const p = zone.properties || {};
      const props = { zone: zone.id, rule: p.rule || "no_entry", title: p.name || zone.id };
      features.push(...shapeFeatures(zone.geometry, props, { radius_m: p.radius_m, buffer_m: p.buffer_m }));
    }
    map.getSource("zones").setData({ type: "FeatureCollection", features });
  });
  on("zones", draw);
  draw();

  // Band and validity on hover (the zones panel lists the same for the keyboard).
  const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, className: "zone-popup", maxWidth: "320px" });
  const layers = ["zone-fill", "zone-buffer", "zone-site", "zone-line"];
  for (const layer of layers) {
    map.on("mousemove", layer, (e) => {
      const zone = store.zones.get(e.features[0]?.properties.zone);
      if (!zone) return;
      map.getCanvas().style.cursor = "help";
      popup.setLngLat(e.lngLat).setDOMContent(zoneCard(zone)).addTo(map);
    });
    map.on("mouseleave", layer, () => {
      map.getCanvas().style.cursor = "";
      popup.remove();
    });
  }
}

function zoneCard(zone) {
  const facts = zoneFacts(zone);
  return h("div", { class: "popup-card" }, h("strong", {}, facts.title), h("dl", {}, facts.rows.map(([k, v]) => [h("dt", {}, t(k)), h("dd", {}, v)])));
}
