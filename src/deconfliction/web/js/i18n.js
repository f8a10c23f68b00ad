// The console's words: one catalogue per language (i18n/<lang>.json), the hotline's
// languages. Arabic is right-to-left: the layout follows `dir` on <html>, with no special
// cases in the panels.

export const LANGUAGES = { en: "English", ru: "Русский", ar: "العربية", fr: "Français" };
const RTL = new Set(["ar"]);
const LANGUAGE_KEY = "deconfliction.language";

let words = {};
let fallback = {};
let current = "en";
const listeners = [];

export function language() {
  return current;
}

/** The word for `key`, with {name} placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = words[key] ?? fallback[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

async function load(lang) {
  const response = await fetch(`i18n/${lang}.json`);
  return response.json();
}

/** Switch language: load the catalogue, set lang/dir, relabel, tell the panels. The
 * reader's own choice (`remember`) is kept for the tab and wins over the party's language. */
export async function setLanguage(lang, { remember = false } = {}) {
  if (!(lang in LANGUAGES)) lang = "en";
  if (!Object.keys(fallback).length) fallback = await load("en");
  words = lang === "en" ? fallback : await load(lang);
  current = lang;
  if (remember) sessionStorage.setItem(LANGUAGE_KEY, lang);
  document.documentElement.lang = lang;
  document.documentElement.dir = RTL.has(lang) ? "rtl" : "ltr";
  relabel(document);
  for (const select of document.querySelectorAll(".language-select")) select.value = lang;
  for (const listener of listeners) listener(lang);
}

/** The language chosen earlier in this tab, if any. */
export function chosenLanguage() {
  return sessionStorage.getItem(LANGUAGE_KEY);
}

export function onLanguage(listener) {
  listeners.push(listener);
}

/** Fill elements marked data-i18n (text) and data-i18n-label (aria-label). */
export function relabel(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder));
  }
  document.title = t("app_title");
}

/** Fill the language pickers and switch when one changes. */
export function languagePickers() {
  for (const select of document.querySelectorAll(".language-select")) {
    select.replaceChildren(
      ...Object.entries(LANGUAGES).map(([code, name]) => {
        const option = document.createElement("option");
        option.value = code;
        option.textContent = name;
        option.lang = code;
        return option;
      }),
    );
    select.value = current;
    select.addEventListener("change", () => setLanguage(select.value, { remember: true }));
  }
}
