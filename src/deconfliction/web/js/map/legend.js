// The map's legend: every symbol with its meaning (shapes as well as colours).

import { h, render } from "../dom.js";
import { t } from "../i18n.js";
import { on } from "../store.js";
import { OWN, RULE, SEVERITY } from "./palette.js";

export function legend(container) {
  const draw = () =>
    render(
      container,
      h("details", {},
        h("summary", {}, t("legend")),
        h("ul", {},
          h("li", {}, h("span", { class: "sym", style: `color:${OWN}`, "aria-hidden": "true" }, "➤"), t("legend_own")),
          h("li", {}, h("span", { class: "sym", style: "color:#0e7490", "aria-hidden": "true" }, "➤"), t("legend_shared")),
          Object.entries(SEVERITY).map(([name, s]) => h("li", {}, h("span", { class: "sym", style: `color:${s.colour}`, "aria-hidden": "true" }, s.shape), t("legend_cpa", { severity: t(`severity_${name}`) }))),
          Object.entries(RULE).filter(([r]) => r !== "owner_only").map(([rule, s]) => h("li", {}, h("span", { class: "swatch", style: `border-color:${s.colour};background:${s.colour}22`, "aria-hidden": "true" }), t(`rule_${rule}`))),
          h("li", {}, h("span", { class: "sym", style: "color:#067647", "aria-hidden": "true" }, "✚"), t("legend_site")),
          h("li", {}, h("span", { class: "swatch", style: "border-color:#5b21b6;border-style:dashed", "aria-hidden": "true" }), t("legend_operation")),
        ),
      ),
    );
  on("language", draw);
  draw();
}
