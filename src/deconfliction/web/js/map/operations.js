// Planned operations on the map: the volumes that are planned within the chosen window.

import { store, on } from "../store.js";
import { shapeFeatures } from "./geo.js";
import { source, TEXT_FONT } from "./map.js";
import { throttled } from "../dom.js";

const COLOUR = "#5b21b6";

/** Volumes of an operation that overlap [from, to] (ms). */
export function volumesIn(operation, from, to) {
  return (operation.volumes || []).filter((v) => Date.parse(v.start) < to && Date.parse(v.end) > from);
}

export function operationsLayer(map) {
  source(map, "operations");
  map.addLayer({ id: "op-fill", type: "fill", source: "operations", filter: ["==", ["get", "shape"], "area"], paint: { "fill-color": COLOUR, "fill-opacity": 0.1 } });
  map.addLayer({ id: "op-outline", type: "line", source: "operations", filter: ["==", ["get", "shape"], "area"], paint: { "line-color": COLOUR, "line-width": 2, "line-dasharray": [4, 2] } });
  map.addLayer({
    id: "op-buffer",
    type: "line",
    source: "operations",
    filter: ["==", ["get", "shape"], "line"],
    layout: { "line-cap": "round", "line-join": "round" },
    paint: {
      "line-color": COLOUR,
      "line-opacity": 0.2,
      "line-width": ["interpolate", ["exponential", 2], ["zoom"], 0, ["max", 2, ["/", ["*", 2, ["get", "buffer_m"]], ["get", "mpp0"]]], 22, ["max", 2, ["/", ["*", 2 ** 22 * 2, ["get", "buffer_m"]], ["get", "mpp0"]]]],
    },
  });
  map.addLayer({
    id: "op-label",
    type: "symbol",
    source: "operations",
    filter: ["==", ["get", "shape"], "area"],
    minzoom: 5,
    layout: { "text-field": ["get", "title"], "text-font": TEXT_FONT, "text-size": 12 },
    paint: { "text-color": COLOUR, "text-halo-color": "#fff", "text-halo-width": 1.8 },
  });

  const draw = throttled(() => {
    const { from, to } = store.operationsWindow;
    const features = [];
    for (const op of store.operations.values()) {
      if (["ended", "cancelled"].includes(op.state)) continue;
      for (const volume of volumesIn(op, from, to)) {
        const props = { operation: op.id, title: `${op.id} · ${Math.round(volume.alt_lower_m)}–${Math.round(volume.alt_upper_m)} m` };
        features.push(...shapeFeatures(volume.geometry, props, volume));
      }
    }
    map.getSource("operations").setData({ type: "FeatureCollection", features });
  });
  on("operations", draw);
  on("operations-window", draw);
  draw();
}
