// The alerts panel: most urgent first, time to loss of separation counting down, severity
// as a word and a shape as well as a colour, acknowledge, the other side's acknowledgement.

import { api } from "../api.js";
import { hubNow } from "../clock.js";
import { h, render, throttled, toast } from "../dom.js";
import { distance, time } from "../format.js";
import { t } from "../i18n.js";
import { SEVERITY } from "../map/palette.js";
import { emit, on, sortedAlerts, store } from "../store.js";

export function severityBadge(severity) {
  const style = SEVERITY[severity] || SEVERITY.advisory;
  return h("span", { class: `badge sev sev-${severity}` }, h("span", { class: "shape", "aria-hidden": "true" }, style.shape), " ", t(`severity_${severity}`));
}

function stateBadge(state) {
  const mark = state === "acknowledged" ? "✓" : "!";
  return h("span", { class: `badge state state-${state}` }, h("span", { "aria-hidden": "true" }, mark), " ", t(`alert_state_${state}`));
}

function title(alert) {
  const other = alert.counterparts.join(", ");
  if (alert.kind === "track_track") return t("alert_title_track", { party: other, track: alert.own?.track ?? "" });
  // What of ours it is about: a zone (an object, or only its id), an operation, a track.
  const zone = alert.own?.zone || alert.other?.zone;
  const name = typeof zone === "string" ? zone : zone?.name || zone?.id;
  const ours = name || alert.own?.operation || alert.own?.track;
  const about = ours ? ` · ${ours}` : "";
  return t(`alert_kind_${alert.kind}`, { party: other }) + about;
}

function figures(alert) {
  const g = alert.geometry || {};
  const rows = [];
  if (g.loss_at || alert.severity === "loss") {
    const lost = alert.severity === "loss";
    rows.push(
      h("div", { class: "figure countdown-row" },
        h("span", { class: "label" }, t(lost ? "alert_lost_for" : "alert_loss_in")),
        h("strong", { class: "countdown", "data-until": g.loss_at || alert.opened, "data-mode": lost ? "since" : "until" }, "…"),
      ),
    );
  }
  if (g.entry_at) {
    rows.push(
      g.inside_now
        ? h("div", { class: "figure" }, h("strong", {}, t("alert_inside_now")))
        : h("div", { class: "figure countdown-row" }, h("span", { class: "label" }, t("alert_entry_in")), h("strong", { class: "countdown", "data-until": g.entry_at, "data-mode": "until" }, "…")),
    );
  }
  if (g.d_cpa_m !== undefined) {
    rows.push(h("div", { class: "figure" }, h("span", { class: "label" }, t("alert_closest")), h("span", {}, `${distance(g.d_cpa_m)} · ${time(g.cpa_at)}`)));
  }
  if (alert.other?.state) {
    const s = alert.other.state;
    rows.push(h("div", { class: "figure" }, h("span", { class: "label" }, t("alert_other_track", { party: alert.other.party })), h("span", {}, `FL${String(Math.round(s.alt_m / 30.48)).padStart(3, "0")} · ${Math.round(s.course_deg)}° · ${Math.round(s.gs_mps * 1.944)} kt`)));
  }
  return rows;
}

function counterpartLine(alert) {
  const acks = store.counterpartAcks.get(alert.id) || [];
  return alert.counterparts.map((party) =>
    acks.includes(party)
      ? h("p", { class: "counterpart acked", "data-counterpart": party }, h("span", { "aria-hidden": "true" }, "✓ "), t("alert_counterpart_acked", { party }))
      : h("p", { class: "counterpart" }, h("span", { "aria-hidden": "true" }, "… "), t("alert_counterpart_waiting", { party })),
  );
}

async function acknowledge(alert) {
  try {
    const answer = await api(`/alerts/${encodeURIComponent(alert.id)}/ack`, { method: "POST" });
    store.alerts.set(answer.id, answer);
    emit("alerts");
  } catch (error) {
    toast(error.message, "error");
  }
}

export function alertsPanel(container, { showOnMap, reportIncident }) {
  const list = h("ol", { class: "cards", "aria-live": "polite", "aria-relevant": "additions" });
  const heading = h("h2", { id: "alerts-title" });
  render(container, h("div", { class: "panel-head" }, heading), list);

  const draw = throttled(() => {
    const alerts = sortedAlerts();
    heading.textContent = `${t("alerts")} (${alerts.length})`;
    if (!alerts.length) {
      render(list, h("li", { class: "empty" }, t("alerts_none")));
      return;
    }
    render(
      list,
      alerts.map((alert) =>
        h(
          "li",
          { class: `card alert sev-${alert.severity} ${store.selectedAlert === alert.id ? "selected" : ""}`, "data-alert": alert.id, "data-kind": alert.kind },
          h("div", { class: "card-head" }, severityBadge(alert.severity), stateBadge(alert.state)),
          h("h3", {}, title(alert)),
          figures(alert),
          counterpartLine(alert),
          h("div", { class: "actions" },
            alert.state === "open" && h("button", { type: "button", class: "primary", "data-focus": `ack-${alert.id}`, "data-action": "ack", onclick: () => acknowledge(alert) }, t("acknowledge")),
            h("button", { type: "button", "data-focus": `show-${alert.id}`, onclick: () => { store.selectedAlert = alert.id; emit("select-alert"); draw(); showOnMap(alert); } }, t("show_on_map")),
            h("button", { type: "button", "data-focus": `incident-${alert.id}`, onclick: () => reportIncident(alert) }, t("report_incident")),
          ),
          h("p", { class: "meta" }, t("alert_opened_at", { time: time(alert.opened) }), alert.acknowledged ? ` · ${t("alert_acknowledged_at", { time: time(alert.acknowledged) })}` : ""),
        ),
      ),
    );
    tickCountdowns();
  });
  on("alerts", draw);
  on("select-alert", draw);
  on("language", draw);
  document.addEventListener("dcf:select-alert", (e) => {
    store.selectedAlert = e.detail;
    emit("select-alert");
    container.querySelector(`[data-alert="${CSS.escape(e.detail)}"]`)?.scrollIntoView({ block: "nearest" });
  });
  draw();
}

/** Update every countdown on the page (called each second by the console's clock). */
export function tickCountdowns() {
  const now = hubNow();
  for (const el of document.querySelectorAll("[data-until]")) {
    const at = Date.parse(el.dataset.until);
    const seconds = Math.round((el.dataset.mode === "since" ? now - at : at - now) / 1000);
    const s = Math.max(0, seconds);
    const text = s < 60 ? t("unit_s", { n: s }) : t("unit_min_s", { m: Math.floor(s / 60), s: String(s % 60).padStart(2, "0") });
    if (el.textContent !== text) el.textContent = text;
    el.classList.toggle("imminent", el.dataset.mode === "until" && seconds < 60);
  }
}
