// The six languages of the UN (ar, zh, en, fr, ru, es): catalogues, direction, names.
// Strings live in /static/i18n/<lang>.json; elements carry data-i18n keys so that a
// change of language retranslates the page without rebuilding it.

export const LANGUAGES = [
  { code: "ar", name: "العربية" },
  { code: "zh", name: "中文" },
  { code: "en", name: "English" },
  { code: "fr", name: "Français" },
  { code: "ru", name: "Русский" },
  { code: "es", name: "Español" },
];
const CODES = LANGUAGES.map((l) => l.code);
const STORE_KEY = "floorkeeper.language";

let current = "en";
let catalogue = {};
let fallback = {};

/** The language a user chose before (localStorage), else the browser's, else English. */
export function chosenLanguage() {
  try {
    const stored = localStorage.getItem(STORE_KEY);
    if (CODES.includes(stored)) return stored;
  } catch {
    // storage blocked (private mode): fall through
  }
  const wanted = (navigator.languages || [navigator.language || "en"]).map((l) => l.slice(0, 2));
  return wanted.find((code) => CODES.includes(code)) || "en";
}

export function language() {
  return current;
}

async function fetchCatalogue(code) {
  const response = await fetch(`/static/i18n/${code}.json`);
  if (!response.ok) throw new Error(`no catalogue for ${code}`);
  return response.json();
}

/** Load `code`, set lang and dir on <html> (Arabic is right to left) and retranslate. */
export async function useLanguage(code) {
  if (!CODES.includes(code)) code = "en";
  if (!Object.keys(fallback).length) fallback = await fetchCatalogue("en");
  catalogue = code === "en" ? fallback : await fetchCatalogue(code);
  current = code;
  document.documentElement.lang = code;
  document.documentElement.dir = code === "ar" ? "rtl" : "ltr";
  translate(document);
}

const pluralRules = new Map(); // lang -> Intl.PluralRules

/**
 * The string for `key` with {placeholders} filled in. A catalogue entry is a
 * string, or an object of plural forms keyed by the language's CLDR categories
 * ("one", "few", "many", "other"...): `vars.count` picks the form
 * (Intl.PluralRules), so "1 stakeholder waiting" and "5 stakeholders waiting"
 * read right in all six languages.
 */
export function t(key, vars = {}) {
  let text = catalogue[key] ?? fallback[key] ?? key;
  if (typeof text === "object" && text !== null) text = pluralForm(text, vars.count);
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

function pluralForm(forms, count) {
  let rules = pluralRules.get(current);
  if (!rules) pluralRules.set(current, (rules = new Intl.PluralRules(current)));
  const category = count === undefined ? "other" : rules.select(Number(count));
  return forms[category] ?? forms.other ?? "";
}

/**
 * A phase's title in the page's language. The programme names phases in its own
 * language (English in the demo); the catalogues translate the phase keys of the
 * shipped formats (A1-A8), and any other phase keeps the programme's title.
 */
export function phaseTitle(phase) {
  if (!phase) return "";
  const key = `phase.title.${phase.key}`;
  if (current === "en" || !(key in catalogue)) return phase.title;
  return catalogue[key];
}

export function translate(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
}

/** Fill a <select> with the six languages; remember the choice and call `onChange`. */
export function languagePicker(select, onChange) {
  select.replaceChildren(
    ...LANGUAGES.map(({ code, name }) => {
      const option = new Option(name, code, false, code === current);
      option.lang = code;
      return option;
    }),
  );
  select.addEventListener("change", async () => {
    try {
      localStorage.setItem(STORE_KEY, select.value);
    } catch {
      // not remembered, still applied
    }
    await useLanguage(select.value);
    onChange();
  });
}

const knownNames = new Map(); // a delegation's code or English name -> its names (refusals)

/** A delegation's UN short name in the page's language (UNTERM), or the best we have. */
export function nameOf(names, fallbackName) {
  if (!names) return fallbackName;
  for (const known of [fallbackName, names.en]) if (known) knownNames.set(known, names);
  return names[current] || names.en || fallbackName;
}

/**
 * A server's refusal in the page's language: `error.<code>` of the catalogue with the
 * refusal's params, else the server's English `detail`. A param `X` beside `X_key` is
 * a phase title (phaseTitle), beside `X_code` a delegation's name (as the page named
 * it with nameOf); `count` picks the plural form (app/errors.py says the conventions).
 */
export function refusalText(code, params, detail) {
  const key = `error.${code}`;
  if (!code || !(key in catalogue || key in fallback)) return detail || code || "";
  const vars = { ...(params || {}) };
  for (const [name, value] of Object.entries(vars)) {
    if (`${name}_key` in vars) vars[name] = phaseTitle({ key: vars[`${name}_key`], title: value });
    const names = knownNames.get(vars[`${name}_code`]) || knownNames.get(value);
    if (`${name}_code` in vars && names) vars[name] = names[current] || names.en || value;
  }
  return t(key, vars);
}

/** "2:05", "1:02:05"; never negative (the state says overtime). */
export function duration(seconds) {
  const total = Math.max(0, Math.floor(Math.abs(seconds)));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

const clockFormats = new Map(); // "lang|zone" -> Intl.DateTimeFormat: pages redraw estimates each second

/** A clock time in the meeting's time zone (C1), in the page's language. */
export function clockTime(epochSeconds, timeZone) {
  const key = `${current}|${timeZone || ""}`;
  let format = clockFormats.get(key);
  if (!format) {
    const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    try {
      format = new Intl.DateTimeFormat(current, { ...options, timeZone: timeZone || undefined });
    } catch {
      format = new Intl.DateTimeFormat(current, options); // an unknown zone: the page's own
    }
    clockFormats.set(key, format);
  }
  return format.format(new Date(epochSeconds * 1000));
}
