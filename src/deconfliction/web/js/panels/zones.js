// The zones panel: import a GeoJSON file, draw a zone or a deconfliction line on the map,
// acknowledge protected sites notified to the party, and the list of zones.

import { api } from "../api.js";
import { hubNow } from "../clock.js";
import { h, newId, render, throttled, toast } from "../dom.js";
import { fromInputTime, inputTime } from "../format.js";
import { t } from "../i18n.js";
import { emit, on, store } from "../store.js";
import { zoneFacts } from "../zone_facts.js";
import { centreOf } from "../map/geo.js";
import { checkboxes, checked, choice, field, numberOrNull } from "./forms.js";

const RULES = ["no_entry", "notify_before_entry", "protected"];

async function putZone(id, feature) {
  const answer = await api(`/zones/${encodeURIComponent(id)}`, { method: "PUT", body: feature });
  store.zones.set(answer.id, answer);
  emit("zones");
  return answer;
}

/** Import every Feature of a GeoJSON file as a zone; a summary of what was refused. */
export async function importZones(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(t("zones_import_not_json"));
  }
  const features = data.type === "FeatureCollection" ? data.features : data.type === "Feature" ? [data] : [];
  if (!features.length) throw new Error(t("zones_import_empty"));
  const refused = [];
  let declared = 0;
  for (const feature of features) {
    const id = feature.id ?? feature.properties?.id ?? newId("zone");
    try {
      await putZone(String(id), feature);
      declared += 1;
    } catch (error) {
      refused.push(`${id}: ${error.message}`);
    }
  }
  return { declared, refused };
}

export function zonesPanel(container, { drawShape, showOnMap }) {
  const pending = h("div", { class: "pending" });
  const list = h("ol", { class: "cards" });
  const formWrap = h("div");
  const report = h("div", { class: "import-report", role: "status" });
  const fileInput = h("input", { type: "file", id: "zone-file", accept: ".geojson,.json,application/geo+json,application/json", hidden: true, "aria-label": t("zones_import") });
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files[0];
    if (!file) return;
    try {
      const { declared, refused } = await importZones(await file.text());
      render(report, h("p", {}, t("zones_imported", { n: declared, file: file.name })), refused.length ? h("ul", { class: "error" }, refused.map((r) => h("li", {}, r))) : null);
    } catch (error) {
      render(report, h("p", { class: "error" }, error.message));
    }
    fileInput.value = "";
  });

  const startDraw = async (kind) => {
    const geometry = await drawShape(kind === "circle" ? "point" : kind);
    if (geometry) render(formWrap, zoneForm(kind, geometry));
  };

  function zoneForm(kind, geometry) {
    const now = hubNow();
    const form = h("form", { class: "compose", "aria-label": t("zones_new") });
    const size = kind === "circle" ? h("input", { name: "radius", type: "number", min: 1, value: 1000, required: true }) : kind === "line" ? h("input", { name: "buffer", type: "number", min: 0, value: 2000, required: true }) : null;
    render(
      form,
      h("h3", {}, t(`zones_new_${kind}`)),
      h("div", { class: "grid2" },
        field(t("zone_id"), h("input", { name: "id", value: newId("zone"), required: true, maxlength: 64 })),
        field(t("zone_name"), h("input", { name: "name", maxlength: 120 })),
      ),
      h("div", { class: "grid2" },
        field(t("zone_rule"), choice("rule", RULES.map((r) => [r, t(`rule_${r}`)]), kind === "line" ? "no_entry" : "no_entry")),
        size ? field(t(kind === "circle" ? "zone_radius_m" : "zone_buffer_m"), size) : h("span"),
      ),
      h("div", { class: "grid2" },
        field(t("zone_lower_m"), h("input", { name: "lower", type: "number", step: "any" })),
        field(t("zone_upper_m"), h("input", { name: "upper", type: "number", step: "any" })),
      ),
      h("div", { class: "grid2" },
        field(t("zone_from_utc"), h("input", { name: "from", type: "datetime-local", value: inputTime(now) })),
        field(t("zone_to_utc"), h("input", { name: "to", type: "datetime-local", value: inputTime(now + 24 * 3600e3) }), t("zone_to_hint")),
      ),
      checkboxes(t("zone_shared_with"), "share", store.partners, store.partners),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary" }, t("declare")),
        h("button", { type: "button", onclick: () => render(formWrap) }, t("cancel")),
      ),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const f = form.elements;
      const properties = { rule: f.rule.value, shared_with: checked(form, "share") };
      if (f.name.value) properties.name = f.name.value;
      if (f.radius) properties.radius_m = Number(f.radius.value);
      if (f.buffer) properties.buffer_m = Number(f.buffer.value);
      const lower = numberOrNull(f.lower);
      const upper = numberOrNull(f.upper);
      if (lower !== null) properties.alt_lower_m = lower;
      if (upper !== null) properties.alt_upper_m = upper;
      if (f.from.value) properties.valid_from = fromInputTime(f.from.value);
      if (f.to.value) properties.valid_to = fromInputTime(f.to.value);
      try {
        await putZone(f.id.value, { type: "Feature", geometry, properties });
        render(formWrap);
        toast(t("zone_declared", { id: f.id.value }));
      } catch (error) {
        toast(error.message, "error");
      }
    });
    queueMicrotask(() => form.querySelector("input")?.focus());
    return form;
  }

  const acknowledge = async (zone) => {
    try {
      await putAck(zone);
    } catch (error) {
      toast(error.message, "error");
    }
  };
  async function putAck(zone) {
    const answer = await api(`/zones/${encodeURIComponent(zone.id)}/ack`, { method: "POST" });
    store.zones.set(answer.id, answer);
    emit("zones");
  }
  const withdraw = async (zone) => {
    try {
      await api(`/zones/${encodeURIComponent(zone.id)}`, { method: "DELETE" });
      store.zones.delete(zone.id);
      emit("zones");
    } catch (error) {
      toast(error.message, "error");
    }
  };

  render(
    container,
    h("div", { class: "panel-head" }, h("h2", {}, t("zones"))),
    h("div", { class: "toolbar" },
      h("button", { type: "button", "data-action": "import-zones", onclick: () => fileInput.click() }, t("zones_import")),
      fileInput,
      h("button", { type: "button", onclick: () => startDraw("area") }, t("draw_area")),
      h("button", { type: "button", onclick: () => startDraw("line") }, t("draw_line")),
      h("button", { type: "button", onclick: () => startDraw("circle") }, t("draw_circle")),
    ),
    report,
    formWrap,
    pending,
    list,
  );

  const draw = throttled(() => {
    const zones = [...store.zones.values()];
    const toAck = zones.filter((z) => z.properties?.rule === "protected" && z.deconfliction?.owner !== store.me.name && !z.deconfliction?.acknowledged);
    render(
      pending,
      toAck.length
        ? h("section", { class: "notice", "aria-label": t("zones_to_acknowledge") }, h("h3", {}, h("span", { "aria-hidden": "true" }, "✚ "), t("zones_to_acknowledge")),
            h("ul", {}, toAck.map((z) => h("li", {}, `${zoneFacts(z).title} — ${z.deconfliction.owner} `, h("button", { type: "button", class: "primary", "data-focus": `zack-${z.id}`, "data-action": "ack-zone", onclick: () => acknowledge(z) }, t("acknowledge"))))))
        : null,
    );
    render(
      list,
      zones.length
        ? zones.map((zone) => {
            const facts = zoneFacts(zone);
            const own = zone.deconfliction?.owner === store.me.name;
            return h("li", { class: `card zone rule-${zone.properties?.rule}`, "data-zone": zone.id },
              h("h3", {}, h("span", { class: `swatch rule-${zone.properties?.rule}`, "aria-hidden": "true" }), facts.title),
              h("dl", { class: "facts" }, facts.rows.map(([k, v]) => [h("dt", {}, t(k)), h("dd", {}, v)])),
              own && zone.deconfliction?.pending?.length ? h("p", { class: "note" }, t("zone_pending", { parties: zone.deconfliction.pending.join(", ") })) : null,
              h("div", { class: "actions" },
                h("button", { type: "button", "data-focus": `zshow-${zone.id}`, onclick: () => showOnMap(centreOf(zone.geometry)) }, t("show_on_map")),
                own && h("button", { type: "button", "data-focus": `zdel-${zone.id}`, onclick: () => withdraw(zone) }, t("withdraw")),
              ),
            );
          })
        : h("li", { class: "empty" }, t("zones_none")),
    );
  });
  on("zones", draw);
  on("language", draw);
  draw();
}
