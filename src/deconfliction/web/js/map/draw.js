// Drawing on the map: an area, a line, a circle's centre, or one place. Mouse: click to add
// points. Keyboard: pan the map with the arrow keys and add the point under the crosshair.

import { h, render } from "../dom.js";
import { t } from "../i18n.js";
import { source, empty } from "./map.js";

let active = null;

export function drawLayer(map) {
  source(map, "draw");
  map.addLayer({ id: "draw-fill", type: "fill", source: "draw", filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": "#0f766e", "fill-opacity": 0.15 } });
  map.addLayer({ id: "draw-line", type: "line", source: "draw", filter: ["!=", ["geometry-type"], "Point"], paint: { "line-color": "#0f766e", "line-width": 2.5, "line-dasharray": [2, 1] } });
  map.addLayer({ id: "draw-points", type: "circle", source: "draw", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 5, "circle-color": "#fff", "circle-stroke-color": "#0f766e", "circle-stroke-width": 2.5 } });
  map.on("click", (e) => {
    if (active) active.add([e.lngLat.lng, e.lngLat.lat]);
  });
}

/** Let the user draw a `kind` ("area", "line", "point"); resolves to a GeoJSON geometry,
 * or null if cancelled. */
export function draw(map, kind) {
  if (active) active.cancel();
  const bar = document.getElementById("drawbar");
  const crosshair = document.getElementById("crosshair");
  const points = [];
  const minimum = { area: 3, line: 2, point: 1 }[kind];
  return new Promise((resolve) => {
    const geometry = () => {
      if (kind === "point") return { type: "Point", coordinates: points[0] };
      if (kind === "line") return { type: "LineString", coordinates: points };
      return { type: "Polygon", coordinates: [[...points, points[0]]] };
    };
    const show = () => {
      const features = points.map((p) => ({ type: "Feature", geometry: { type: "Point", coordinates: p }, properties: {} }));
      if (kind !== "point" && points.length >= 2) features.push({ type: "Feature", geometry: kind === "area" && points.length >= 3 ? geometry() : { type: "LineString", coordinates: points }, properties: {} });
      map.getSource("draw").setData({ type: "FeatureCollection", features });
      renderBar();
    };
    const end = (result) => {
      active = null;
      bar.hidden = true;
      crosshair.hidden = true;
      map.getCanvasContainer().classList.remove("drawing");
      map.getSource("draw").setData(empty());
      document.removeEventListener("keydown", keys);
      resolve(result);
    };
    const finish = () => {
      if (points.length >= minimum) end(geometry());
    };
    const add = (point) => {
      points.push(point);
      if (kind === "point") finish();
      else show();
    };
    const keys = (e) => {
      if (e.key === "Escape") end(null);
      else if (e.key === "Enter" && document.activeElement === map.getCanvas()) finish();
      else if (e.key === " " && document.activeElement === map.getCanvas()) {
        e.preventDefault();
        const c = map.getCenter();
        add([c.lng, c.lat]);
      }
    };
    function renderBar() {
      const centre = () => {
        const c = map.getCenter();
        add([c.lng, c.lat]);
      };
      render(
        bar,
        h("p", { class: "draw-hint" }, t(`draw_hint_${kind}`), " ", t("draw_hint_keys")),
        h("span", { class: "draw-count" }, t("draw_points", { n: points.length })),
        h("button", { type: "button", onclick: centre, "data-focus": "draw-centre" }, t("draw_add_centre")),
        kind !== "point" && h("button", { type: "button", onclick: () => { points.pop(); show(); }, disabled: !points.length, "data-focus": "draw-undo" }, t("draw_undo")),
        kind !== "point" && h("button", { type: "button", class: "primary", onclick: finish, disabled: points.length < minimum, "data-focus": "draw-finish" }, t("draw_finish")),
        h("button", { type: "button", onclick: () => end(null), "data-focus": "draw-cancel" }, t("cancel")),
      );
    }
    active = { add, cancel: () => end(null) };
    bar.hidden = false;
    crosshair.hidden = false;
    map.getCanvasContainer().classList.add("drawing");
    document.addEventListener("keydown", keys);
    show();
    bar.querySelector("button")?.focus();
  });
}
