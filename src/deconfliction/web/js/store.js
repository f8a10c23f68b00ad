// The console's state: what the hub said, read once over HTTP and then kept current by the
// stream's events. Panels and map layers subscribe to topics and render from here.

import { api } from "./api.js";
import { hubNow } from "./clock.js";

const SEVERITY_RANK = { loss: 0, predicted: 1, advisory: 2 };
const ENDED_ZONE = new Set(["withdrawn", "expired"]);

export const store = {
  me: null, // {name, language, timezone}
  partners: [], // party names with an agreement
  alerts: new Map(), // id → alert (active ones)
  counterpartAcks: new Map(), // alert id → [party…] that acknowledged their side
  messages: new Map(), // id → message
  zones: new Map(), // id → GeoJSON Feature
  operations: new Map(), // id → operation
  incidents: new Map(), // id → incident
  presence: [],
  tracks: null, // columns from GET /v1/tracks?format=columns
  review: null, // {at, tracks} while reviewing the past; null when live
  lastSeq: null, // the last stream event seen
  seqs: [], // the sequence numbers applied, in order (recent ones)
  tracksTimings: [], // {count, read_ms} of the latest track updates
  alertArrivedAt: new Map(), // alert id → when its alert.opened event arrived (epoch ms)
  listeners: new Map(),
};

export function on(topic, listener) {
  if (!store.listeners.has(topic)) store.listeners.set(topic, []);
  store.listeners.get(topic).push(listener);
}

export function emit(topic, detail) {
  for (const listener of store.listeners.get(topic) || []) listener(detail);
}

/** Active alerts, most urgent first: lost separation, then the soonest loss. */
export function sortedAlerts() {
  const now = hubNow();
  const urgency = (a) => {
    const loss = a.geometry?.loss_at ? Date.parse(a.geometry.loss_at) - now : Infinity;
    return [SEVERITY_RANK[a.severity] ?? 3, loss, Date.parse(a.opened)];
  };
  return [...store.alerts.values()].sort((a, b) => {
    const [x, y] = [urgency(a), urgency(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
}

// -- loading ------------------------------------------------------------------------------

export async function loadAll() {
  const [alerts, zones, operations, incidents, parties] = await Promise.all([
    api("/alerts"),
    api("/zones"),
    api("/operations"),
    api("/incidents"),
    api("/parties"),
  ]);
  store.alerts = new Map(alerts.map((a) => [a.id, a]));
  store.zones = new Map(zones.features.map((f) => [f.id, f]));
  store.operations = new Map(operations.map((o) => [o.id, o]));
  store.incidents = new Map(incidents.map((i) => [i.id, i]));
  store.partners = parties.map((p) => p.name).filter((name) => name !== store.me.name);
  await loadMessages();
  for (const topic of ["partners", "alerts", "zones", "operations", "incidents", "messages"]) emit(topic);
  loadPresence();
  loadTracks();
}

async function loadMessages() {
  let after = 0;
  for (;;) {
    const page = await api(`/messages?after=${after}&limit=2000`);
    for (const message of page.messages) store.messages.set(message.id, message);
    after = page.last_seq;
    if (!page.more) break;
  }
}

export async function loadPresence() {
  store.presence = await api("/presence");
  emit("presence");
}

export async function loadOperations() {
  const operations = await api("/operations");
  store.operations = new Map(operations.map((o) => [o.id, o]));
  emit("operations");
}

export async function loadIncidents() {
  const incidents = await api("/incidents");
  store.incidents = new Map(incidents.map((i) => [i.id, i]));
  emit("incidents");
}

// The picture: read when the stream says reports were accepted, one request at a time
// (events that come while one is in flight ask for one more read, not one each).
let tracksInFlight = false;
let tracksWanted = false;

export async function loadTracks() {
  if (tracksInFlight) {
    tracksWanted = true;
    return;
  }
  tracksInFlight = true;
  try {
    do {
      tracksWanted = false;
      const started = performance.now();
      const response = await api("/tracks?format=columns");
      const read = performance.now();
      store.tracks = response;
      emit("tracks");
      // How long each update took (the benchmark reads these; the last 100 are kept).
      store.tracksTimings.push({ count: response.count, read_ms: read - started });
      if (store.tracksTimings.length > 100) store.tracksTimings.shift();
    } while (tracksWanted);
  } finally {
    tracksInFlight = false;
  }
}

// -- the stream's events ------------------------------------------------------------------

/** Apply one stream event (each handler is idempotent: a replayed event changes nothing). */
export function apply(event) {
  if (store.lastSeq !== null && event.seq <= store.lastSeq) return;
  store.lastSeq = event.seq;
  store.seqs.push(event.seq); // the tests check that none is missing
  if (store.seqs.length > 10000) store.seqs.splice(0, 5000);
  const [family] = event.kind.split(".");
  const handler = HANDLERS[event.kind] || HANDLERS[family];
  if (handler) handler(event.data, event);
  emit("event", event);
}

const HANDLERS = {
  "reports.accepted": () => emit("reports"), // the tracks layer reads the picture again
  "alert.counterpart_acknowledged": (data) => {
    const acks = store.counterpartAcks.get(data.alert) || [];
    if (!acks.includes(data.acknowledged_by)) acks.push(data.acknowledged_by);
    store.counterpartAcks.set(data.alert, acks);
    emit("alerts");
  },
  alert: (data, event) => {
    if (event.kind === "alert.opened") store.alertArrivedAt.set(data.id, performance.timeOrigin + performance.now());
    if (event.kind === "alert.resolved" || event.kind === "alert.expired") {
      store.alerts.delete(data.id);
    } else {
      store.alerts.set(data.id, data);
    }
    emit("alerts", { event });
  },
  message: (data) => {
    if (data.message?.id) store.messages.set(data.message.id, data.message);
    emit("messages");
  },
  zone: (data) => {
    const zone = data.zone;
    if (!zone?.id) return;
    if (!zone.geometry || ENDED_ZONE.has(zone.deconfliction?.state)) store.zones.delete(zone.id);
    else store.zones.set(zone.id, { ...store.zones.get(zone.id), ...zone });
    emit("zones");
  },
  operation: (data) => {
    if (!data?.id) return;
    store.operations.set(data.id, data);
    emit("operations");
  },
  incident: () => loadIncidents(),
};
