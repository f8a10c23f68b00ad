// The map: MapLibre with the offline basemap (or the operator's basemap_url), the symbols
// the layers draw with, and the order of the layers.

import * as maplibregl from "../../vendor/maplibre/maplibre-gl.mjs";
import { t } from "../i18n.js";
import { session } from "../api.js";

export { maplibregl };

const SEA = "#c9d8e3";
const LAND = "#f2efe6";
const BORDER = "#8a8f98";

/** The style for a basemap URL: a style JSON, a raster tile template, or ours. */
export function basemapStyle(url) {
  if (url && /\{z\}/.test(url)) {
    return {
      version: 8,
      sources: { tiles: { type: "raster", tiles: [url], tileSize: 256 } },
      layers: [{ id: "basemap", type: "raster", source: "tiles" }],
    };
  }
  if (url) return url;
  return {
    version: 8,
    sources: {
      countries: {
        type: "geojson",
        data: new URL("../../vendor/basemap/countries-50m.geojson", import.meta.url).href,
        attribution: "Natural Earth",
      },
    },
    layers: [
      { id: "sea", type: "background", paint: { "background-color": SEA } },
      { id: "land", type: "fill", source: "countries", paint: { "fill-color": LAND } },
      { id: "borders", type: "line", source: "countries", paint: { "line-color": BORDER, "line-width": ["interpolate", ["linear"], ["zoom"], 2, 0.4, 8, 1.2] } },
    ],
  };
}

/** Make the map; resolves once its style is loaded and the symbols are added. */
export function createMap(container, basemapUrl) {
  const map = new maplibregl.Map({
    container,
    style: basemapStyle(basemapUrl),
    center: [10, 35],
    zoom: 3,
    maxZoom: 17,
    attributionControl: { compact: false },
    fadeDuration: 0,
    renderWorldCopies: true,
    // The hub's API, read by MapLibre's worker (the tracks), with the token in a header.
    transformRequest: (url) =>
      url.startsWith(`${location.origin}/v1/`) ? { url, headers: { Authorization: `Bearer ${session.token}` } } : { url },
  });
  map.addControl(new maplibregl.NavigationControl({ visualizePitch: false }), "top-left");
  map.addControl(new maplibregl.ScaleControl({ unit: "nautical" }), "bottom-left");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
  map.getCanvas().setAttribute("aria-label", t("map_canvas"));
  return new Promise((resolve) => {
    map.on("load", () => {
      addSymbols(map);
      resolve(map);
    });
  });
}

function image(size, draw) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext("2d");
  draw(ctx, size);
  return ctx.getImageData(0, 0, size, size);
}

function addSymbols(map) {
  // A heading arrow (SDF: tinted per party), pointing north; rotated by course.
  map.addImage(
    "track-arrow",
    image(48, (c, s) => {
      c.fillStyle = "#000";
      c.beginPath();
      c.moveTo(s / 2, 3);
      c.lineTo(s - 9, s - 6);
      c.lineTo(s / 2, s - 15);
      c.lineTo(9, s - 6);
      c.closePath();
      c.fill();
    }),
    { sdf: true, pixelRatio: 2 },
  );
  const marker = (name, colour, path) =>
    map.addImage(
      name,
      image(44, (c, s) => {
        c.fillStyle = colour;
        c.strokeStyle = "#fff";
        c.lineWidth = 4;
        path(c, s);
        c.stroke();
        c.fill();
      }),
      { pixelRatio: 2 },
    );
  marker("sev-loss", "#b42318", (c, s) => {
    c.beginPath();
    c.moveTo(s / 2, 3);
    c.lineTo(s - 3, s / 2);
    c.lineTo(s / 2, s - 3);
    c.lineTo(3, s / 2);
    c.closePath();
  });
  marker("sev-predicted", "#b54708", (c, s) => {
    c.beginPath();
    c.moveTo(s / 2, 3);
    c.lineTo(s - 3, s - 5);
    c.lineTo(3, s - 5);
    c.closePath();
  });
  marker("sev-advisory", "#175cd3", (c, s) => {
    c.beginPath();
    c.arc(s / 2, s / 2, s / 2 - 4, 0, 2 * Math.PI);
  });
  // A protected site: a white disc, green ring and a green cross.
  map.addImage(
    "protected-site",
    image(48, (c, s) => {
      c.fillStyle = "#fff";
      c.strokeStyle = "#067647";
      c.lineWidth = 4;
      c.beginPath();
      c.arc(s / 2, s / 2, s / 2 - 4, 0, 2 * Math.PI);
      c.fill();
      c.stroke();
      c.fillStyle = "#067647";
      c.fillRect(s / 2 - 4, 11, 8, s - 22);
      c.fillRect(11, s / 2 - 4, s - 22, 8);
    }),
    { pixelRatio: 2 },
  );
}

/** A GeoJSON source, created empty if missing. */
export function source(map, id) {
  if (!map.getSource(id)) map.addSource(id, { type: "geojson", data: empty() });
  return map.getSource(id);
}

export function empty() {
  return { type: "FeatureCollection", features: [] };
}

export const TEXT_FONT = ["Noto Sans Regular"];
