// The console: sign in, then the party's map and panels kept live by its stream (or the
// operator's view for the admin token).

import { ApiError, session, whoAmI } from "./api.js";
import { calibrate, heard, hubNow } from "./clock.js";
import { h, render, toast } from "./dom.js";
import { setLocalZone, time } from "./format.js";
import { chosenLanguage, languagePickers, onLanguage, setLanguage, t } from "./i18n.js";
import { apply, emit, loadAll, on, store } from "./store.js";
import { Stream, bannerText } from "./stream.js";
import { createMap, maplibregl } from "./map/map.js";
import { tracksLayer } from "./map/tracks.js";
import { alertsLayer, alertCentre, alertFeatures } from "./map/alerts.js";
import { zonesLayer } from "./map/zones.js";
import { shapeFeatures } from "./map/geo.js";
import { operationsLayer } from "./map/operations.js";
import { drawLayer, draw } from "./map/draw.js";
import { alertsPanel, tickCountdowns } from "./panels/alerts.js";
import { hotlinePanel } from "./panels/hotline.js";
import { zonesPanel } from "./panels/zones.js";
import { operationsPanel } from "./panels/operations.js";
import { incidentsPanel } from "./panels/incidents.js";
import { reviewBar } from "./panels/review.js";
import { operatorView } from "./panels/operator.js";
import { legend } from "./map/legend.js";

const $ = (id) => document.getElementById(id);

async function boot() {
  languagePickers();
  await setLanguage(chosenLanguage() || navigator.language?.slice(0, 2) || "en");
  onLanguage(() => emit("language"));
  $("signin-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  if (session.token) {
    try {
      return await start(await whoAmI());
    } catch {
      session.token = null;
    }
  }
  showSignIn();
}

function showSignIn(message = "") {
  $("app").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = message;
  $("signin-token").focus();
}

async function signIn(event) {
  event.preventDefault();
  const input = $("signin-token");
  session.token = input.value.trim();
  input.value = "";
  try {
    await start(await whoAmI());
  } catch (error) {
    session.token = null;
    showSignIn(error instanceof ApiError && error.status === 401 ? t("signin_refused") : error.message);
  }
}

function signOut() {
  store.stream?.stop();
  session.token = null;
  location.replace("/");
}

async function start(who) {
  $("signin").hidden = true;
  $("app").hidden = false;
  await calibrate();
  startClock();
  if (who.kind === "admin") {
    $("who").textContent = t("operator");
    $("layout").hidden = true;
    $("operator").hidden = false;
    document.body.classList.add("operator-mode");
    await operatorView($("operator"));
    return;
  }
  store.me = who.me;
  $("who").textContent = who.me.name;
  setLocalZone(who.me.timezone);
  if (!chosenLanguage()) await setLanguage(who.me.language);
  // The map loads (a megabyte of library and the basemap) while the state is read and the
  // stream connects: neither waits for the other.
  const mapReady = fetch("/console.json")
    .then((response) => response.json())
    .then((settings) => createMap($("map"), settings.basemap_url))
    .then((map) => {
      store.map = map;
      zonesLayer(map);
      operationsLayer(map);
      tracksLayer(map);
      alertsLayer(map);
      drawLayer(map);
      // The first frame with everything drawn (the benchmark's first meaningful paint).
      map.once("idle", () => (store.firstIdleAt = performance.now()));
      return map;
    });
  legend($("legend"));

  // On sign-in the map shows the party's situation (below), unless it has moved already
  // (an alert brought itself into view, the user or a script moved it).
  let placed = false;
  let placing = false;
  mapReady.then((map) => map.on("movestart", () => placing || (placed = true)));
  const placeOnce = () => {
    if (placed || !store.ready || store.tracks === null || store.review) return;
    placed = true;
    mapReady.then((map) => {
      const box = situationBounds();
      placing = true;
      if (box) map.fitBounds(box, { padding: 48, maxZoom: 9, animate: false });
      placing = false;
    });
  };
  on("loaded", placeOnce);
  on("tracks", placeOnce);

  const showOnMap = async (target) => {
    placed = true;
    const map = await mapReady;
    const centre = Array.isArray(target) ? target : alertCentre(target);
    if (!centre) return;
    const points = Array.isArray(target) ? [] : alertFeatures(target).flatMap((f) => positions(f.geometry.coordinates));
    if (points.length > 1) {
      const bounds = points.reduce((b, p) => b.extend(p), new maplibregl.LngLatBounds(points[0], points[0]));
      map.fitBounds(bounds, { padding: 90, maxZoom: 9, duration: 600 });
    } else map.flyTo({ center: centre, zoom: Math.max(map.getZoom(), 9), duration: 600 });
  };
  // A new alert the map does not show yet: bring it into view (unless reviewing the past).
  on("alerts", (detail) => {
    if (detail?.event?.kind !== "alert.opened" || store.review) return;
    const alert = store.alerts.get(detail.event.data.id);
    mapReady.then((map) => {
      const centre = alert && alertCentre(alert);
      if (centre && (map.getZoom() < 6 || !map.getBounds().contains(centre))) showOnMap(alert);
    });
  });
  const drawShape = async (kind) => draw(await mapReady, kind);
  const pickPlace = async () => (await drawShape("point"))?.coordinates ?? null;

  const incidents = buildTabs({ drawShape, showOnMap, pickPlace });
  alertsPanel($("alerts"), { showOnMap, reportIncident: (alert) => { selectTab("incidents"); incidents.fromAlert(alert); } });
  reviewBar($("review"));
  connect();
  await mapReady;
}

/** The bounds of what the party sees — its alerts, the tracks, the zones and operations —
 * as [[west, south], [east, north]], or null when there is nothing to show. */
function situationBounds() {
  const points = [];
  for (const alert of store.alerts.values()) for (const f of alertFeatures(alert)) points.push(...positions(f.geometry.coordinates));
  const tracks = store.tracks;
  for (let i = 0; i < (tracks?.count ?? 0); i++) points.push([tracks.lon[i], tracks.lat[i]]);
  for (const zone of store.zones.values()) {
    const p = zone.properties || {};
    for (const f of shapeFeatures(zone.geometry, {}, { radius_m: p.radius_m })) points.push(...positions(f.geometry.coordinates));
  }
  for (const operation of store.operations.values()) {
    for (const volume of operation.volumes || []) {
      for (const f of shapeFeatures(volume.geometry, {}, { radius_m: volume.radius_m })) points.push(...positions(f.geometry.coordinates));
    }
  }
  if (!points.length) return null;
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [lon, lat] of points) {
    box[0] = Math.min(box[0], lon);
    box[1] = Math.min(box[1], lat);
    box[2] = Math.max(box[2], lon);
    box[3] = Math.max(box[3], lat);
  }
  return [[box[0], box[1]], [box[2], box[3]]];
}

/** Every [lon, lat] in GeoJSON coordinates, however deeply nested. */
function positions(coordinates) {
  return typeof coordinates[0] === "number" ? [coordinates] : coordinates.flatMap(positions);
}

const TABS = ["hotline", "zones", "operations", "incidents"];

function buildTabs({ drawShape, showOnMap, pickPlace }) {
  const tablist = $("tabs");
  const panels = $("tabpanels");
  tablist.setAttribute("aria-label", t("panels"));
  let incidents = null;
  for (const name of TABS) {
    const panel = h("section", { id: `panel-${name}`, class: "panel", role: "tabpanel", "aria-labelledby": `tab-${name}`, tabindex: "0", hidden: true });
    panels.append(panel);
    if (name === "hotline") hotlinePanel(panel, { pickPlace });
    if (name === "zones") zonesPanel(panel, { drawShape, showOnMap });
    if (name === "operations") operationsPanel(panel, { drawShape, showOnMap });
    if (name === "incidents") incidents = incidentsPanel(panel);
  }
  const drawTabs = () =>
    render(
      tablist,
      TABS.map((name) =>
        h("button", { type: "button", role: "tab", id: `tab-${name}`, "aria-controls": `panel-${name}`, "aria-selected": String(name === store.tab), tabindex: name === store.tab ? "0" : "-1", "data-focus": `tab-${name}`, onclick: () => selectTab(name), onkeydown: tabKeys }, t(name), badge(name)),
      ),
    );
  store.drawTabs = drawTabs;
  selectTab("hotline");
  const rebadge = () => drawTabs();
  for (const topic of ["messages", "zones", "alerts", "language"]) on(topic, rebadge);
  return incidents;
}

function badge(name) {
  let n = 0;
  if (name === "hotline") n = [...store.messages.values()].filter((m) => m.to === store.me.name && m.state !== "acknowledged").length;
  if (name === "zones") n = [...store.zones.values()].filter((z) => z.properties?.rule === "protected" && z.deconfliction?.owner !== store.me.name && !z.deconfliction?.acknowledged).length;
  if (name === "operations") n = [...store.alerts.values()].filter((a) => a.kind.startsWith("operation_")).length;
  return n ? h("span", { class: "count", "aria-label": t("waiting_n", { n }) }, String(n)) : null;
}

function tabKeys(event) {
  const i = TABS.indexOf(store.tab);
  const step = { ArrowRight: 1, ArrowLeft: -1, Home: -i, End: TABS.length - 1 - i }[event.key];
  if (step === undefined) return;
  event.preventDefault();
  const forward = document.documentElement.dir === "rtl" && (event.key === "ArrowRight" || event.key === "ArrowLeft") ? -step : step;
  selectTab(TABS[(i + forward + TABS.length) % TABS.length]);
  $(`tab-${store.tab}`).focus();
}

function selectTab(name) {
  store.tab = name;
  for (const other of TABS) $(`panel-${other}`).hidden = other !== name;
  store.drawTabs();
}

function connect() {
  let ready = false;
  let buffer = [];
  const load = async () => {
    ready = false;
    try {
      await loadAll();
      ready = true;
      for (const event of buffer) apply(event);
      buffer = [];
      store.ready = true;
      store.readyAt ??= performance.now();
      emit("loaded");
    } catch (error) {
      toast(error.message, "error");
    }
  };
  const stream = new Stream({
    lastSeq: () => store.lastSeq,
    onEvent: (event) => {
      heard(event.time);
      if (ready) apply(event);
      else buffer.push(event);
    },
    onResync: load,
    onState: (state, detail) => {
      const banner = $("banner");
      const link = $("link");
      if (state === "open") {
        banner.hidden = true;
        link.textContent = t("link_live");
        link.dataset.state = "live";
        if (detail) toast(t("stream_resumed"));
        if (!store.loadedOnce) {
          store.loadedOnce = true;
          load();
        }
      } else {
        banner.textContent = bannerText(state);
        banner.hidden = false;
        link.textContent = state === "refused" ? t("link_refused") : t("link_lost");
        link.dataset.state = state;
      }
    },
  });
  store.stream = stream;
  stream.start();
}

let clockStarted = false;
function startClock() {
  if (clockStarted) return;
  clockStarted = true;
  let ticks = 0;
  const tick = () => {
    if (++ticks % 60 === 0) calibrate();
    $("clock").textContent = time(new Date(hubNow()));
    tickCountdowns();
    emit("tick");
  };
  tick();
  setInterval(tick, 1000);
}

window.__dcf = { store, hubNow };
boot();
