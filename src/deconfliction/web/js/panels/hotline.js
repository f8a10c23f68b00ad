// The hotline: threads per channel (air, ground, command), compose free text or a
// structured template with a place picked on the map, overdue messages and escalation
// steps in view, and whether the other parties' desks are listening.

import { api } from "../api.js";
import { hubNow } from "../clock.js";
import { h, render, throttled, toast } from "../dom.js";
import { fromInputTime, inputTime, mgrs, degrees, time } from "../format.js";
import { t } from "../i18n.js";
import { emit, loadPresence, on, store } from "../store.js";

const CHANNELS = ["air", "ground", "command"];
const PRIORITIES = ["routine", "urgent", "flash"];
const TEMPLATES = ["text", "hold_or_turn_away", "crossing_notice", "unsafe_encounter"];
const HOLD_REASONS = ["conflicting_traffic", "active_operation", "protected_site", "humanitarian_movement", "emergency_response", "zone_closed", "hazard", "weather", "other"];

let channel = "air";
let replyTo = null;
let composeOpen = false;

function overdue(message) {
  return message.state !== "acknowledged" && message.ack_due && Date.parse(message.ack_due) < hubNow();
}

function needsMyAck(message) {
  return message.to === store.me.name && message.state !== "acknowledged";
}

function stateBadge(message) {
  const marks = { sent: "→", delivered: "⇉", acknowledged: "✓", overdue: "!", escalated: "⇧" };
  const late = overdue(message) && message.state !== "escalated";
  const state = late ? "overdue" : message.state;
  return h("span", { class: `badge state state-${state}` }, h("span", { "aria-hidden": "true" }, marks[state] || "•"), " ", t(`message_state_${state}`));
}

function history(message) {
  return h(
    "ol",
    { class: "steps", "aria-label": t("message_history") },
    message.history.map((step) =>
      h("li", { class: `step step-${step.kind}` }, `${t(`message_step_${step.kind}`)} ${time(step.at)}`, step.kind === "escalated" || step.kind === "repeated" ? ` · ${t(`channel_${step.channel}`)} ×${step.escalations}` : "", step.by ? ` · ${step.by}` : ""),
    ),
  );
}

function messageCard(message) {
  const mine = message.from === store.me.name;
  const rendered = message.rendered || { title: message.text || message.template, lines: [], direction: "ltr" };
  // The hub's rendering starts with a header (from, channel, priority, sent, due,
  // escalation) that the card shows in its own way: keep the body only.
  const header = 4 + (message.ack_due && message.state !== "acknowledged" ? 1 : 0) + (message.escalations && message.ack_due ? 1 : 0);
  const body = rendered.lines.slice(header);
  return h(
    "li",
    { class: `card message ${mine ? "outgoing" : "incoming"} ${overdue(message) ? "overdue" : ""} priority-${message.priority}`, "data-message": message.id, "data-state": message.state },
    h("div", { class: "card-head" },
      h("span", { class: `badge priority priority-${message.priority}` }, t(`priority_${message.priority}`)),
      stateBadge(message),
      // How many times, once there is more to say than the state's badge does.
      message.escalations && (message.state !== "escalated" || message.escalations > 1) ? h("span", { class: "badge escalated" }, h("span", { "aria-hidden": "true" }, "⇧ "), t("message_escalations", { n: message.escalations })) : null,
    ),
    h("p", { class: "direction" }, mine ? t("message_to", { party: message.to }) : t("message_from", { party: message.from === "@hub" ? t("the_hub") : message.from }), " · ", time(message.created)),
    h("div", { class: "message-body", dir: rendered.direction || "auto", lang: rendered.language || "" },
      h("h4", {}, rendered.title),
      body.length ? h("ul", { class: "lines" }, body.map((line) => h("li", {}, line))) : null,
    ),
    message.ack_due && message.state !== "acknowledged" ? h("p", { class: `due ${overdue(message) ? "late" : ""}` }, overdue(message) ? t("message_overdue_since", { time: time(message.ack_due) }) : t("message_ack_by", { time: time(message.ack_due) })) : null,
    history(message),
    h("div", { class: "actions" },
      needsMyAck(message) && h("button", { type: "button", class: "primary", "data-action": "ack-message", "data-focus": `ack-${message.id}`, onclick: () => acknowledge(message) }, t("acknowledge")),
      message.from !== "@hub" && !mine && h("button", { type: "button", "data-focus": `reply-${message.id}`, onclick: () => reply(message) }, t("reply")),
    ),
  );
}

async function acknowledge(message) {
  try {
    const answer = await api(`/messages/${encodeURIComponent(message.id)}/ack`, { method: "POST" });
    store.messages.set(answer.id, answer);
    emit("messages");
  } catch (error) {
    toast(error.message, "error");
  }
}

let composeForm = null;
function reply(message) {
  replyTo = message.id;
  composeForm.closest("details").open = true;
  composeForm.elements.to.value = message.from;
  composeForm.elements.channel.value = message.current_channel;
  composeForm.elements.text.focus();
  emit("compose");
}

/** Threads of the channel: each thread's messages, the threads needing action first. */
function threads(messages) {
  const byThread = new Map();
  for (const m of messages) {
    if (!byThread.has(m.thread)) byThread.set(m.thread, []);
    byThread.get(m.thread).push(m);
  }
  const list = [...byThread.values()].map((ms) => ms.sort((a, b) => Date.parse(a.created) - Date.parse(b.created)));
  const urgent = (ms) => ms.some((m) => needsMyAck(m) || overdue(m));
  return list.sort((a, b) => urgent(b) - urgent(a) || Date.parse(b.at(-1).created) - Date.parse(a.at(-1).created));
}

function presenceStrip() {
  return h(
    "ul",
    { class: "presence", "aria-label": t("presence") },
    store.presence
      .filter((p) => p.party !== store.me.name)
      .map((p) =>
        h("li", { class: p.connected ? "on" : "off", "data-party": p.party },
          h("span", { "aria-hidden": "true" }, p.connected ? "●" : "○"), " ", p.party, ": ",
          p.connected ? t("presence_desks", { n: p.desks }) : t("presence_away"),
          p.webhook ? ` · ${t("presence_webhook")}` : "",
        ),
      ),
  );
}

function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2)}`;
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hint ? h("small", {}, hint) : null);
}

function select(name, options, label, value) {
  return h("select", { name }, options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
}

function composer(pickPlace) {
  const form = h("form", { class: "compose", "aria-label": t("compose") });
  composeForm = form;
  let template = "text";
  const place = { lat: null, lon: null };
  const placeText = h("output", { class: "place-text", "aria-live": "polite" });
  const latInput = h("input", { name: "lat", type: "number", step: "any", min: -90, max: 90, inputmode: "decimal" });
  const lonInput = h("input", { name: "lon", type: "number", step: "any", min: -180, max: 180, inputmode: "decimal" });
  const showPlace = () => {
    place.lat = latInput.value === "" ? null : Number(latInput.value);
    place.lon = lonInput.value === "" ? null : Number(lonInput.value);
    placeText.textContent = place.lat === null || place.lon === null ? "" : `${degrees(place.lat, place.lon)} · MGRS ${mgrs(place.lat, place.lon)}`;
  };
  latInput.addEventListener("input", showPlace);
  lonInput.addEventListener("input", showPlace);
  const pick = async () => {
    const picked = await pickPlace();
    if (!picked) return;
    latInput.value = picked[1].toFixed(5);
    lonInput.value = picked[0].toFixed(5);
    showPlace();
    latInput.focus();
  };
  const templateFields = h("div", { class: "template-fields" });
  const soon = new Date(hubNow() + 30 * 60000);
  const drawTemplate = () => {
    const fields = {
      text: [field(t("compose_text"), h("textarea", { name: "text", rows: 3, maxlength: 2000 }))],
      hold_or_turn_away: [
        field(t("compose_request"), select("request", [["hold", t("request_hold")], ["turn_away", t("request_turn_away")]])),
        field(t("compose_reason"), select("reason", HOLD_REASONS.map((r) => [r, t(`reason_${r}`)]))),
        field(t("compose_until_utc"), h("input", { name: "until", type: "datetime-local", value: inputTime(soon), required: true })),
      ],
      crossing_notice: [
        field(t("compose_who"), h("input", { name: "who", type: "text", maxlength: 200, required: true })),
        field(t("compose_start_utc"), h("input", { name: "start", type: "datetime-local", value: inputTime(hubNow()), required: true })),
        field(t("compose_duration_min"), h("input", { name: "duration", type: "number", min: 1, value: 30, required: true })),
      ],
      unsafe_encounter: [
        field(t("compose_time_utc"), h("input", { name: "time", type: "datetime-local", value: inputTime(hubNow()), required: true })),
        field(t("compose_description"), h("textarea", { name: "description", rows: 2, maxlength: 1000, required: true })),
      ],
    }[template];
    render(templateFields, fields);
  };
  const templateSelect = select("template", TEMPLATES.map((name) => [name, t(`template_${name}`)]), "", template);
  templateSelect.addEventListener("change", () => {
    template = templateSelect.value;
    drawTemplate();
  });
  const submit = async (event) => {
    event.preventDefault();
    const f = form.elements;
    const body = { to: f.to.value, channel: f.channel.value, priority: f.priority.value };
    const where = place.lat === null || place.lon === null ? null : { lat: place.lat, lon: place.lon };
    if (template === "text") {
      if (!f.text.value.trim()) return toast(t("compose_empty"), "error");
      body.text = f.text.value;
      if (where) body.places = [where];
    } else {
      if (!where) return toast(t("compose_needs_place"), "error");
      body.template = template;
      if (template === "hold_or_turn_away") body.fields = { request: f.request.value, reason: f.reason.value, until: fromInputTime(f.until.value), where: [where] };
      if (template === "crossing_notice") body.fields = { who: f.who.value, start: fromInputTime(f.start.value), duration_s: Number(f.duration.value) * 60, where: [where] };
      if (template === "unsafe_encounter") body.fields = { time: fromInputTime(f.time.value), description: f.description.value, where };
    }
    if (replyTo) body.reply_to = replyTo;
    try {
      const sent = await api("/messages", { method: "POST", body });
      store.messages.set(sent.id, sent);
      replyTo = null;
      if (f.text) f.text.value = "";
      channel = sent.current_channel;
      emit("messages");
      toast(sent.recipient_desks ? t("compose_sent_listening", { n: sent.recipient_desks }) : t("compose_sent_nobody"));
    } catch (error) {
      toast(error.message, "error");
    }
  };
  form.addEventListener("submit", submit);
  const partners = store.partners.map((p) => [p, p]);
  render(
    form,
    h("div", { class: "grid3" },
      field(t("compose_to"), select("to", partners, "", partners[0]?.[0])),
      field(t("compose_channel"), select("channel", CHANNELS.map((c) => [c, t(`channel_${c}`)]), "", channel)),
      field(t("compose_priority"), select("priority", PRIORITIES.map((p) => [p, t(`priority_${p}`)]), "", "urgent")),
    ),
    field(t("compose_kind"), templateSelect),
    templateFields,
    h("fieldset", { class: "place" },
      h("legend", {}, t("compose_place")),
      h("div", { class: "grid2" }, field(t("lat"), latInput), field(t("lon"), lonInput)),
      h("div", { class: "row" }, h("button", { type: "button", onclick: pick }, t("pick_on_map")), placeText),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", disabled: !partners.length }, t("send"))),
    !partners.length ? h("p", { class: "note" }, t("compose_no_partners")) : null,
  );
  drawTemplate();
  return form;
}

export function hotlinePanel(container, { pickPlace }) {
  const tabs = h("div", { class: "subtabs", role: "group", "aria-label": t("channels") });
  const presence = h("div", { class: "presence-wrap" });
  const list = h("ol", { class: "cards threads" });
  const composeWrap = h("div");
  render(container, h("div", { class: "panel-head" }, h("h2", { id: "hotline-title" }, t("hotline"))), presence, composeWrap, tabs, list);

  const draw = throttled(() => {
    const messages = [...store.messages.values()];
    render(
      tabs,
      CHANNELS.map((c) => {
        const waiting = messages.filter((m) => m.current_channel === c && (needsMyAck(m) || overdue(m))).length;
        return h("button", { type: "button", "aria-pressed": String(c === channel), "data-channel": c, "data-focus": `channel-${c}`, onclick: () => { channel = c; draw(); } }, t(`channel_${c}`), waiting ? h("span", { class: "count" }, ` ${waiting}`) : null);
      }),
    );
    render(presence, presenceStrip());
    const shown = threads(messages.filter((m) => m.current_channel === channel));
    render(
      list,
      shown.length
        ? shown.map((thread) => h("li", { class: "thread", "data-thread": thread[0].thread }, h("ol", { class: "cards" }, thread.map(messageCard))))
        : h("li", { class: "empty" }, t("hotline_none")),
    );
  });
  // The form folds away so that the threads have the room; replying opens it.
  const drawComposer = () => {
    const details = h("details", { class: "compose-wrap", open: composeOpen }, h("summary", { "data-action": "compose" }, t("compose")), composer(pickPlace));
    details.addEventListener("toggle", () => (composeOpen = details.open));
    render(composeWrap, details);
  };
  let presenceTimer = null;
  const presenceSoon = () => {
    if (presenceTimer) return;
    presenceTimer = setTimeout(() => {
      presenceTimer = null;
      loadPresence();
    }, 2000);
  };
  on("messages", draw);
  on("messages", presenceSoon);
  on("presence", draw);
  on("language", () => {
    draw();
    drawComposer();
  });
  on("partners", drawComposer);
  let overdueSeen = 0;
  on("tick", () => {
    const now = [...store.messages.values()].filter(overdue).length;
    if (now !== overdueSeen) {
      overdueSeen = now;
      draw();
    }
  });
  drawComposer();
  draw();
}
