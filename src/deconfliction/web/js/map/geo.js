// Small spherical geometry for drawing: points ahead on a course, circles, the metres a
// pixel covers. (The hub does the exact work; the map only shows it.)

const R = 6371008.8;
const rad = (d) => (d * Math.PI) / 180;
const deg = (r) => (r * 180) / Math.PI;

/** The point `distance_m` from (lon, lat) on `bearing_deg`: [lon, lat]. */
export function destination(lon, lat, bearing_deg, distance_m) {
  const d = distance_m / R;
  const b = rad(bearing_deg);
  const p1 = rad(lat);
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
  const l2 = rad(lon) + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [((deg(l2) + 540) % 360) - 180, deg(p2)];
}

/** Where a reported state will be at `at` (Date or ms), moving straight on. */
export function extrapolate(state, at) {
  const dt = (at - Date.parse(state.time)) / 1000;
  return destination(state.lon, state.lat, state.course_deg, state.gs_mps * dt);
}

/** A circle of `radius_m` around (lon, lat) as a GeoJSON Polygon. */
export function circle(lon, lat, radius_m, steps = 64) {
  const ring = [];
  for (let i = 0; i <= steps; i++) ring.push(destination(lon, lat, (360 * i) / steps, radius_m));
  return { type: "Polygon", coordinates: [ring] };
}

/** Metres per pixel at zoom 0 at a latitude (512-pixel tiles). */
export function metresPerPixelAtZoom0(lat) {
  return (2 * Math.PI * 6378137 * Math.cos(rad(lat))) / 512;
}

/** The distance between two [lon, lat], metres (haversine). */
export function distanceM(a, b) {
  const dLat = rad(b[1] - a[1]);
  const dLon = rad(b[0] - a[0]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

/** Features for a declared shape: polygons as they are, points with a radius as circles
 * (`around_point`: the point has its own symbol), lines with a buffer as lines drawn that
 * wide (properties carry what the style needs). */
export function shapeFeatures(geometry, properties, { radius_m, buffer_m } = {}) {
  const out = [];
  if (!geometry) return out;
  const { type, coordinates } = geometry;
  if (type === "Point" || type === "MultiPoint") {
    const points = type === "Point" ? [coordinates] : coordinates;
    for (const [lon, lat] of points) {
      if (radius_m) out.push({ type: "Feature", geometry: circle(lon, lat, radius_m), properties: { ...properties, shape: "area", around_point: true } });
      out.push({ type: "Feature", geometry: { type: "Point", coordinates: [lon, lat] }, properties: { ...properties, shape: "point" } });
    }
  } else if (type === "LineString" || type === "MultiLineString") {
    const lat0 = type === "LineString" ? coordinates[0][1] : coordinates[0][0][1];
    out.push({
      type: "Feature",
      geometry,
      properties: { ...properties, shape: "line", buffer_m: buffer_m || 0, mpp0: metresPerPixelAtZoom0(lat0) },
    });
  } else if (type === "Polygon" || type === "MultiPolygon") {
    out.push({ type: "Feature", geometry, properties: { ...properties, shape: "area" } });
  }
  return out;
}

/** The centre of a GeoJSON geometry's bounding box: [lon, lat]. */
export function centreOf(geometry) {
  const box = bounds(geometry);
  return [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
}

/** [west, south, east, north] of a geometry. */
export function bounds(geometry) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c) => {
    if (typeof c[0] === "number") {
      box[0] = Math.min(box[0], c[0]);
      box[1] = Math.min(box[1], c[1]);
      box[2] = Math.max(box[2], c[0]);
      box[3] = Math.max(box[3], c[1]);
    } else c.forEach(visit);
  };
  visit(geometry.coordinates);
  return box;
}
