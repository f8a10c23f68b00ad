// The operations panel: the party's plans (and those shared with it), filing one from an
// area drawn on the map with a time window and an altitude band, the advisories about
// plans, and the time window the map shows.

import { api, ApiError } from "../api.js";
import { hubNow } from "../clock.js";
import { h, newId, render, throttled, toast } from "../dom.js";
import { altitude, dateTime, fromInputTime, inputTime } from "../format.js";
import { t } from "../i18n.js";
import { emit, on, store } from "../store.js";
import { centreOf } from "../map/geo.js";
import { volumesIn } from "../map/operations.js";
import { severityBadge } from "./alerts.js";
import { choice, field } from "./forms.js";

const HOUR = 3600e3;

async function write(path, method, body) {
  const headers = { "Idempotency-Key": crypto.randomUUID() };
  return api(path, { method, body, headers });
}

/** File a plan; if the hub asks for the versions of what it overlaps, key them and retry
 * once (the overlaps are the hub's answer, shown to the user). */
async function file(id, plan) {
  const path = `/operations/${encodeURIComponent(id)}`;
  try {
    return await write(path, "PUT", plan);
  } catch (error) {
    if (!(error instanceof ApiError) || error.type !== "stale_key") throw error;
    const key = Object.fromEntries(error.details.map((d) => [d.id, d.version]));
    toast(t("operation_keyed", { ids: Object.keys(key).join(", ") }));
    return write(path, "PUT", { ...plan, key: { ...plan.key, ...key } });
  }
}

export function operationsPanel(container, { drawShape, showOnMap }) {
  const windowForm = h("form", { class: "window", "aria-label": t("operations_window") });
  const formWrap = h("div");
  const advisories = h("div");
  const list = h("ol", { class: "cards" });
  const now = hubNow();
  store.operationsWindow = { from: now - HOUR, to: now + 6 * HOUR };
  const fromInput = h("input", { type: "datetime-local", name: "from", value: inputTime(store.operationsWindow.from) });
  const toInput = h("input", { type: "datetime-local", name: "to", value: inputTime(store.operationsWindow.to) });
  const changed = () => {
    store.operationsWindow = { from: Date.parse(fromInputTime(fromInput.value)), to: Date.parse(fromInputTime(toInput.value)) };
    emit("operations-window");
    draw();
  };
  fromInput.addEventListener("change", changed);
  toInput.addEventListener("change", changed);
  render(windowForm, h("div", { class: "grid2" }, field(t("operations_from_utc"), fromInput), field(t("operations_to_utc"), toInput)));

  const start = async () => {
    const geometry = await drawShape("area");
    if (geometry) render(formWrap, planForm(geometry));
  };

  function planForm(geometry) {
    const form = h("form", { class: "compose", "aria-label": t("operation_new") });
    const begin = hubNow() + 15 * 60e3;
    render(
      form,
      h("h3", {}, t("operation_new")),
      h("div", { class: "grid2" },
        field(t("operation_id"), h("input", { name: "id", value: newId("op"), required: true, maxlength: 64 })),
        field(t("operation_priority"), h("input", { name: "priority", type: "number", min: 0, max: 100, value: 30, required: true })),
      ),
      h("div", { class: "grid2" },
        field(t("operation_domain"), choice("domain", ["air", "ground", "sea"].map((d) => [d, t(`domain_${d}`)]), "air")),
        h("span"),
      ),
      h("div", { class: "grid2" },
        field(t("zone_lower_m"), h("input", { name: "lower", type: "number", step: "any", value: 0, required: true })),
        field(t("zone_upper_m"), h("input", { name: "upper", type: "number", step: "any", value: 1500, required: true })),
      ),
      h("div", { class: "grid2" },
        field(t("operations_from_utc"), h("input", { name: "start", type: "datetime-local", value: inputTime(begin), required: true })),
        field(t("operations_to_utc"), h("input", { name: "end", type: "datetime-local", value: inputTime(begin + 2 * HOUR), required: true })),
      ),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("file_operation")), h("button", { type: "button", onclick: () => render(formWrap) }, t("cancel"))),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const f = form.elements;
      const plan = {
        priority: Number(f.priority.value),
        domain: f.domain.value,
        key: {},
        volumes: [{ geometry, alt_lower_m: Number(f.lower.value), alt_upper_m: Number(f.upper.value), start: fromInputTime(f.start.value), end: fromInputTime(f.end.value) }],
      };
      try {
        const filed = await file(f.id.value, plan);
        store.operations.set(filed.id, filed);
        emit("operations");
        render(formWrap);
        toast(t("operation_filed", { id: filed.id, n: (filed.advisories || []).length }));
      } catch (error) {
        toast(error.message, "error");
      }
    });
    queueMicrotask(() => form.querySelector("input")?.focus());
    return form;
  }

  const change = async (op, verb) => {
    try {
      const path = `/operations/${encodeURIComponent(op.id)}${verb === "cancel" ? "" : `/${verb}`}?version=${encodeURIComponent(op.version)}`;
      const answer = await write(path, verb === "cancel" ? "DELETE" : "POST");
      store.operations.set(answer.id, answer);
      emit("operations");
    } catch (error) {
      toast(error.message, "error");
    }
  };

  render(
    container,
    h("div", { class: "panel-head" }, h("h2", {}, t("operations"))),
    windowForm,
    h("div", { class: "toolbar" }, h("button", { type: "button", onclick: start }, t("operation_draw"))),
    formWrap,
    advisories,
    list,
  );

  const draw = throttled(() => {
    const adv = [...store.alerts.values()].filter((a) => a.kind.startsWith("operation_"));
    render(
      advisories,
      adv.length
        ? h("section", { class: "notice", "aria-label": t("operations_advisories") }, h("h3", {}, t("operations_advisories")),
            h("ul", {}, adv.map((a) => h("li", {}, severityBadge(a.severity), " ", t(`alert_kind_${a.kind}`, { party: a.counterparts.join(", ") }), a.own?.operation ? ` · ${a.own.operation}` : ""))))
        : null,
    );
    const { from, to } = store.operationsWindow;
    const ops = [...store.operations.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    render(
      list,
      ops.length
        ? ops.map((op) => {
            const own = op.owner === store.me.name;
            const shown = volumesIn(op, from, to).length;
            const first = op.volumes?.[0];
            return h("li", { class: `card operation state-${op.state}`, "data-operation": op.id },
              h("div", { class: "card-head" }, h("span", { class: `badge state state-${op.state}` }, t(`operation_state_${op.state}`)), h("span", { class: "badge" }, t("operation_priority_n", { n: op.priority }))),
              h("h3", {}, op.id, own ? "" : ` · ${op.owner}`),
              first ? h("p", {}, `${dateTime(first.start)} → ${dateTime(op.volumes.at(-1).end)}`) : null,
              first ? h("p", {}, `${altitude(first.alt_lower_m)} – ${altitude(first.alt_upper_m)}`) : null,
              h("p", { class: "note" }, t("operation_volumes_in_window", { n: shown, total: op.volumes?.length || 0 })),
              (op.advisories || []).length ? h("p", { class: "warn" }, t("operation_advisories_n", { n: op.advisories.length })) : null,
              h("div", { class: "actions" },
                first && h("button", { type: "button", "data-focus": `oshow-${op.id}`, onclick: () => showOnMap(centreOf(first.geometry)) }, t("show_on_map")),
                own && op.state === "accepted" && h("button", { type: "button", "data-focus": `oact-${op.id}`, onclick: () => change(op, "activate") }, t("operation_activate")),
                own && ["activated", "nonconforming"].includes(op.state) && h("button", { type: "button", "data-focus": `oend-${op.id}`, onclick: () => change(op, "end") }, t("operation_end")),
                own && ["accepted", "activated", "nonconforming"].includes(op.state) && h("button", { type: "button", "data-focus": `ocan-${op.id}`, onclick: () => change(op, "cancel") }, t("cancel_operation")),
              ),
            );
          })
        : h("li", { class: "empty" }, t("operations_none")),
    );
  });
  on("operations", draw);
  on("alerts", draw);
  on("language", draw);
  draw();
}
