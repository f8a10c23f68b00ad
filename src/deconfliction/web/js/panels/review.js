// Review: a time slider over the last hour. Moving it shows the picture as it stood then
// (GET /v1/tracks?at=, the same visibility rule as live); "Live" goes back.

import { api } from "../api.js";
import { hubNow } from "../clock.js";
import { h, render, toast } from "../dom.js";
import { time } from "../format.js";
import { t } from "../i18n.js";
import { emit, on, store } from "../store.js";

const SPAN_S = 3600;

export function reviewBar(container) {
  const slider = h("input", { type: "range", id: "review-slider", min: -SPAN_S, max: 0, step: 10, value: 0, "aria-describedby": "review-time" });
  const label = h("output", { id: "review-time", for: "review-slider", "aria-live": "polite" });
  const live = h("button", { type: "button", id: "review-live" });
  let timer = null;
  let request = 0;

  const show = async () => {
    const offset = Number(slider.value);
    if (offset === 0) return goLive();
    const at = new Date(hubNow() + offset * 1000);
    label.textContent = `${t("review_at")} ${time(at)}`;
    const mine = ++request;
    try {
      const tracks = await api(`/tracks?format=columns&at=${encodeURIComponent(at.toISOString())}`);
      if (mine !== request) return;
      store.review = { at, tracks };
      container.classList.add("reviewing");
      draw();
      emit("review");
    } catch (error) {
      toast(error.message, "error");
    }
  };
  const goLive = () => {
    request++;
    slider.value = 0;
    store.review = null;
    container.classList.remove("reviewing");
    draw();
    emit("review");
  };
  slider.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(show, 200);
  });
  live.addEventListener("click", goLive);

  function draw() {
    live.textContent = store.review ? t("review_back_live") : t("review_live");
    live.setAttribute("aria-pressed", String(!store.review));
    if (!store.review) label.textContent = t("review_live_hint");
    else label.textContent = `${t("review_at")} ${time(store.review.at)} · ${t("review_tracks", { n: store.review.tracks.count })}`;
  }
  render(container, h("label", { for: "review-slider", class: "review-label" }, t("review")), slider, label, live);
  on("language", () => render(container, h("label", { for: "review-slider", class: "review-label" }, t("review")), slider, label, live) || draw());
  draw();
}
