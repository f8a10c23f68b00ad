// Times in UTC with the party's local time beside them; places in degrees and MGRS;
// distances in metres/kilometres and nautical miles; durations as a countdown.

import { forward as toMgrs } from "../vendor/mgrs/mgrs.mjs";
import { language, t } from "./i18n.js";

let localZone = "UTC";

/** The time zone shown beside UTC (the party's, from /v1/me). */
export function setLocalZone(zone) {
  localZone = zone || "UTC";
}

function parts(date, zone, seconds) {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    hour: "2-digit",
    minute: "2-digit",
    second: seconds ? "2-digit" : undefined,
    hourCycle: "h23",
  }).format(date);
}

function toDate(value) {
  return value instanceof Date ? value : new Date(typeof value === "number" ? value * 1000 : value);
}

/** "10:04:12Z (13:04 Moscow)", or "10:04:12Z" where the local zone is UTC. */
export function time(value, { seconds = true } = {}) {
  if (value === null || value === undefined) return "—";
  const date = toDate(value);
  const utc = `${parts(date, "UTC", seconds)}Z`;
  if (localZone === "UTC") return utc;
  const city = localZone.split("/").pop().replaceAll("_", " ");
  return `${utc} (${parts(date, localZone, false)} ${city})`;
}

/** "2026-11-23 10:04Z (13:04 Moscow)" */
export function dateTime(value) {
  if (value === null || value === undefined) return "—";
  const date = toDate(value);
  return `${date.toISOString().slice(0, 10)} ${time(date, { seconds: false })}`;
}

/** A duration in seconds as "1 min 05 s" / "45 s" / "2 h 03 min". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t("unit_s", { n: s });
  if (s < 3600) return t("unit_min_s", { m: Math.floor(s / 60), s: String(s % 60).padStart(2, "0") });
  return t("unit_h_min", { h: Math.floor(s / 3600), m: String(Math.floor((s % 3600) / 60)).padStart(2, "0") });
}

/** "850 m (0.46 NM)", "12.4 km (6.7 NM)". */
export function distance(metres) {
  if (metres === null || metres === undefined) return "—";
  const nm = (metres / 1852).toFixed(metres < 18520 ? 2 : 1);
  const main = metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(metres < 10000 ? 2 : 1)} km`;
  return `${main} (${nm} NM)`;
}

/** Altitude "3,000 m (FL098)". */
export function altitude(metres) {
  if (metres === null || metres === undefined) return "—";
  const fl = Math.round(metres / 0.3048 / 100);
  return `${Math.round(metres).toLocaleString("en")} m (FL${String(fl).padStart(3, "0")})`;
}

/** "45.10000°N 5.20000°E", as the hotline writes places. */
export function degrees(lat, lon) {
  const ns = lat >= 0 ? "N" : "S";
  const ew = lon >= 0 ? "E" : "W";
  return `${Math.abs(lat).toFixed(5)}°${ns} ${Math.abs(lon).toFixed(5)}°${ew}`;
}

/** MGRS at 1 m, spaced like the hotline's: "31T FK 73091 96413" ("" near the poles). */
export function mgrs(lat, lon) {
  try {
    const text = toMgrs([lon, lat], 5);
    const m = /^(\d{1,2}[A-Z])([A-Z]{2})(\d{5})(\d{5})$/.exec(text);
    return m ? `${m[1].padStart(3, "0")} ${m[2]} ${m[3]} ${m[4]}` : text;
  } catch {
    return "";
  }
}

/** Degrees and MGRS together. */
export function place(lat, lon) {
  const grid = mgrs(lat, lon);
  return grid ? `${degrees(lat, lon)} · MGRS ${grid}` : degrees(lat, lon);
}

/** A number in the reader's digits where the language uses its own. */
export function number(value, digits = 0) {
  return Number(value).toLocaleString(language() === "ar" ? "ar-u-nu-latn" : language(), {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

/** "2026-11-23T10:04" for an <input type=datetime-local> read as UTC. */
export function inputTime(date) {
  return new Date(date).toISOString().slice(0, 16);
}

/** An <input type=datetime-local> value read as UTC → RFC 3339. */
export function fromInputTime(value) {
  return value ? `${value}:00Z` : null;
}
