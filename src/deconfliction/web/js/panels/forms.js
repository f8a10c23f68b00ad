// Form pieces the panels share.

import { h } from "../dom.js";

let counter = 0;

/** A labelled control. */
export function field(label, control, hint) {
  if (!control.id) control.id = `field-${++counter}`;
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control, hint ? h("small", {}, hint) : null);
}

/** A <select> of [value, text] pairs. */
export function choice(name, options, value) {
  return h("select", { name }, options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
}

/** Checkboxes for a set of names, in a fieldset. */
export function checkboxes(legend, name, values, checked = []) {
  return h(
    "fieldset",
    { class: "checks" },
    h("legend", {}, legend),
    values.length
      ? values.map((value) => {
          const id = `check-${++counter}`;
          return h("span", { class: "check" }, h("input", { type: "checkbox", id, name, value, checked: checked.includes(value) }), h("label", { for: id }, value));
        })
      : h("span", { class: "note" }, "—"),
  );
}

/** The values of the checked boxes called `name` in `form`. */
export function checked(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((box) => box.value);
}

/** A number input's value, or null when empty. */
export function numberOrNull(input) {
  return input.value === "" ? null : Number(input.value);
}
