// The incidents panel: file one (from an alert, prefilled), the party's incidents, and
// each one's report opened in a new tab.

import { api } from "../api.js";
import { hubNow } from "../clock.js";
import { h, render, throttled, toast } from "../dom.js";
import { dateTime, fromInputTime, inputTime, place } from "../format.js";
import { t } from "../i18n.js";
import { on, store, loadIncidents } from "../store.js";
import { choice, field } from "./forms.js";

const KINDS = ["unsafe_air_encounter", "zone_violation", "protected_site_affected", "other"];

/** Open an incident's report (HTML the hub renders; it needs the token, so it is fetched
 * here and shown from a blob, not linked). */
export async function openReport(id) {
  const tab = window.open("", "_blank");
  try {
    const response = await api(`/incidents/${encodeURIComponent(id)}/report`, { raw: true });
    const url = URL.createObjectURL(new Blob([await response.text()], { type: "text/html" }));
    if (tab) tab.location = url;
    else window.location.assign(url);
  } catch (error) {
    tab?.close();
    toast(error.message, "error");
  }
}

export function incidentsPanel(container) {
  const formWrap = h("div");
  const list = h("ol", { class: "cards" });

  function incidentForm(prefill = {}) {
    const form = h("form", { class: "compose", "aria-label": t("incident_new") });
    const end = Math.min(hubNow(), prefill.end ?? hubNow());
    const start = prefill.start ?? end - 10 * 60e3;
    render(
      form,
      h("h3", {}, prefill.alert ? t("incident_from_alert", { id: prefill.alert }) : t("incident_new")),
      field(t("incident_kind"), choice("kind", KINDS.map((k) => [k, t(`incident_kind_${k}`)]), prefill.kind || "unsafe_air_encounter")),
      h("div", { class: "grid2" },
        field(t("operations_from_utc"), h("input", { name: "start", type: "datetime-local", value: inputTime(start), required: true })),
        field(t("operations_to_utc"), h("input", { name: "end", type: "datetime-local", value: inputTime(end), required: true })),
      ),
      h("div", { class: "grid2" },
        field(t("lat"), h("input", { name: "lat", type: "number", step: "any", value: prefill.lat ?? "", required: true })),
        field(t("lon"), h("input", { name: "lon", type: "number", step: "any", value: prefill.lon ?? "", required: true })),
      ),
      field(t("incident_tracks"), h("input", { name: "tracks", value: (prefill.tracks || []).join(", ") }), t("incident_tracks_hint")),
      field(t("incident_narrative"), h("textarea", { name: "narrative", rows: 3, required: true }, prefill.narrative || "")),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("incident_file")), h("button", { type: "button", onclick: () => render(formWrap) }, t("cancel"))),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const f = form.elements;
      const body = {
        kind: f.kind.value,
        start: fromInputTime(f.start.value),
        end: fromInputTime(f.end.value),
        lat: Number(f.lat.value),
        lon: Number(f.lon.value),
        narrative: f.narrative.value,
        tracks: f.tracks.value.split(",").map((s) => s.trim()).filter(Boolean),
      };
      try {
        const incident = await api("/incidents", { method: "POST", body });
        store.incidents.set(incident.id, incident);
        render(formWrap);
        draw();
        toast(t("incident_filed", { id: incident.id }));
      } catch (error) {
        toast(error.message, "error");
      }
    });
    queueMicrotask(() => form.querySelector("select")?.focus());
    return form;
  }

  render(
    container,
    h("div", { class: "panel-head" }, h("h2", {}, t("incidents"))),
    h("div", { class: "toolbar" }, h("button", { type: "button", onclick: () => render(formWrap, incidentForm()) }, t("incident_new"))),
    formWrap,
    list,
  );

  const draw = throttled(() => {
    const incidents = [...store.incidents.values()].sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
    render(
      list,
      incidents.length
        ? incidents.map((i) =>
            h("li", { class: "card incident", "data-incident": i.id },
              h("div", { class: "card-head" }, h("span", { class: "badge" }, t(`incident_kind_${i.kind}`)), h("span", { class: `badge state state-${i.state}` }, t(`incident_state_${i.state}`))),
              h("h3", {}, i.id),
              h("p", {}, `${dateTime(i.start)} → ${dateTime(i.end)}`),
              h("p", {}, place(i.lat, i.lon)),
              h("p", { class: "narrative" }, i.narrative),
              h("p", { class: "meta" }, t("incident_reported_by", { party: i.reporter, time: dateTime(i.created) })),
              h("div", { class: "actions" }, h("button", { type: "button", "data-focus": `report-${i.id}`, "data-action": "open-report", onclick: () => openReport(i.id) }, t("incident_open_report"))),
            ),
          )
        : h("li", { class: "empty" }, t("incidents_none")),
    );
  });
  on("incidents", draw);
  on("language", draw);
  draw();

  /** Start an incident from an alert: its window, its place, the party's own track. */
  return {
    fromAlert(alert) {
      const own = alert.own?.state || alert.other?.state || alert.geometry?.where;
      const opened = Date.parse(alert.opened);
      render(
        formWrap,
        incidentForm({
          alert: alert.id,
          kind: alert.kind === "track_zone" ? "zone_violation" : "unsafe_air_encounter",
          start: opened - 5 * 60e3,
          end: hubNow(),
          lat: own?.lat?.toFixed(5),
          lon: own?.lon?.toFixed(5),
          tracks: alert.own?.track ? [alert.own.track] : [],
          narrative: "",
        }),
      );
    },
    reload: loadIncidents,
  };
}
