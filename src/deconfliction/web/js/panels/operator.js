// The hub operator's view (admin token): parties, presence, hotline statistics, journal
// checkpoints and the detection cycle. No party's tracks: the admin has no picture.

import { api } from "../api.js";
import { h, render, toast } from "../dom.js";
import { dateTime, number, time } from "../format.js";
import { t, onLanguage } from "../i18n.js";

function table(caption, head, rows) {
  return h(
    "table",
    {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, head.map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, rows.length ? rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c ?? "—")))) : h("tr", {}, h("td", { colspan: head.length }, "—"))),
  );
}

async function latestCheckpoint() {
  const response = await api("/journal?after=0&limit=1", { raw: true });
  const first = (await response.text()).split("\n")[0];
  const header = JSON.parse(first);
  return { head: header.head_seq, checkpoint: header.latest_checkpoint };
}

export async function operatorView(container) {
  const body = h("div", { class: "operator-body" });
  const refresh = async () => {
    try {
      const [parties, presence, stats, health, journal] = await Promise.all([api("/parties"), api("/presence"), api("/hotline/stats"), api("/health"), latestCheckpoint()]);
      const seen = new Map(presence.map((p) => [p.party, p]));
      const cp = journal.checkpoint;
      render(
        body,
        h("section", { class: "op-health" },
          h("h2", {}, t("operator_hub")),
          h("p", {}, t("operator_health", { tracks: number(health.tracks_live), conflicts: health.cycle ? number(health.cycle.conflicts) : "—", ms: health.cycle ? health.cycle.duration_ms : "—" })),
          h("p", {}, t("operator_journal", { head: number(journal.head) })),
          h("p", { "data-checkpoint": cp ? cp.seq : "" }, cp ? t("operator_checkpoint", { seq: number(cp.seq), time: time(cp.time), key: cp.key_id }) : t("operator_no_checkpoint")),
          h("button", { type: "button", onclick: sign }, t("operator_sign_checkpoint")),
        ),
        table(t("operator_parties"), ["party", "language", "timezone", "created", "presence", "revoked"], parties.map((p) => {
          const here = seen.get(p.name);
          return [p.name, p.language, p.timezone, dateTime(p.created), here ? (here.connected ? `● ${t("presence_desks", { n: here.desks })}` : `○ ${t("presence_away")}`) : "—", p.revoked ? dateTime(p.revoked) : ""];
        })),
        table(t("operator_stats"), ["party", "channel", "stats_count", "stats_pending", "stats_median", "stats_p95", "stats_escalated"], stats.filter((s) => s.count).map((s) => [s.party, t(`channel_${s.channel}`), s.count, s.pending, s.median_ack_s ?? "—", s.p95_ack_s ?? "—", s.escalated])),
      );
    } catch (error) {
      toast(error.message, "error");
    }
  };
  const sign = async () => {
    try {
      await api("/journal/checkpoints", { method: "POST" });
      await refresh();
    } catch (error) {
      toast(error.message, "error");
    }
  };
  const draw = () =>
    render(
      container,
      h("div", { class: "panel-head" }, h("h1", {}, t("operator_title")), h("button", { type: "button", onclick: refresh }, t("refresh"))),
      h("p", { class: "note" }, t("operator_note")),
      body,
    );
  onLanguage(() => {
    draw();
    refresh();
  });
  draw();
  await refresh();
}
