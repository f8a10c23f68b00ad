// What a zone is, in words: the hover card on the map and the zones panel share this.

import { t } from "./i18n.js";
import { altitude, dateTime, distance } from "./format.js";

function when(value) {
  if (value === undefined || value === null) return null;
  return dateTime(typeof value === "number" ? value : value);
}

/** {title, rows: [[label key, text]…]} for a zone Feature. */
export function zoneFacts(zone) {
  const p = zone.properties || {};
  const d = zone.deconfliction || {};
  const low = p.alt_lower_m ?? null;
  const high = p.alt_upper_m ?? null;
  const band = low === null && high === null ? t("band_all") : `${low === null ? t("band_surface") : altitude(low)} – ${high === null ? t("band_unlimited") : altitude(high)}`;
  const from = when(p.valid_from);
  const to = when(p.valid_to);
  const validity = from || to ? `${from || t("valid_now")} → ${to || t("valid_open")}` : t("valid_always");
  const rows = [
    ["zone_rule", t(`rule_${p.rule}`)],
    ["zone_owner", d.owner || "—"],
    ["zone_band", band],
    ["zone_validity", validity],
  ];
  if (p.radius_m) rows.push(["zone_radius", distance(p.radius_m)]);
  if (p.buffer_m) rows.push(["zone_buffer", distance(p.buffer_m)]);
  return { title: p.name ? `${p.name} (${zone.id})` : zone.id, rows };
}
