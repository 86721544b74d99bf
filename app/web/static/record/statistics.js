// The statistics page (R4): Table 1's figures, a segment's timeline (allotted against
// spoken, R1) and speaking time by category and by UN regional group, drawn as SVG from
// the JSON API (app/api/records.py). No library: a few rectangles and labels are all the
// charts need, and SVG prints sharply. Names are set with textContent, never as HTML.
//
// The page speaks the six languages (?lang=…, else the reader's choice): groups,
// categories, regional groups and reasons come from the catalogues, delegations by their
// name in the page's language. A chart's label column is as wide as its longest label
// (measured, not guessed) up to a share of the chart; a longer name is cut with "…" and
// keeps its full text in a tooltip, and every chart has its figures as a table too.

import { chosenLanguage, clockTime, languagePicker, nameOf, t, useLanguage } from "../shared/i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const params = new URLSearchParams(location.search);
const token = params.get("token") || "";
/** The widest a label column may grow, as a share of the chart's width. */
const LABEL_SHARE = 0.4;

let loaded = null; // { stats, record }: kept to redraw in another language

/** The API paths of the scope named in the page's link, or null. */
function scopePaths() {
  const room = params.get("room");
  const segment = params.get("segment");
  const meeting = params.get("meeting");
  const day = params.get("day");
  let base = null;
  if (room && segment) base = `/api/rooms/${encodeURIComponent(room)}/segments/${encodeURIComponent(segment)}`;
  else if (meeting && day) base = `/api/meetings/${encodeURIComponent(meeting)}/days/${encodeURIComponent(day)}`;
  else if (meeting) base = `/api/meetings/${encodeURIComponent(meeting)}`;
  if (!base) return null;
  return { record: `${base}/record`, statistics: `${base}/statistics` };
}

async function getJSON(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || `${response.status} ${response.statusText}`);
  return body;
}

function el(name, attributes = {}, text = "") {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text) node.textContent = text;
  return node;
}

function html(name, text = "", attributes = {}) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== "") node.textContent = String(text);
  return node;
}

function minutes(seconds) {
  const whole = Math.round(seconds);
  const sign = whole < 0 ? "-" : "";
  const abs = Math.abs(whole);
  return `${sign}${Math.floor(abs / 60)}:${String(abs % 60).padStart(2, "0")}`;
}

/** A catalogue entry, or `fallback` if the catalogue has none (an unknown category). */
function named(key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

const groupName = (group) => named(`statistics.group.${group}`, group);
const categoryName = (category) => named(`statistics.category.${category}`, category);
const regionName = (region) => named(`statistics.region.${region}`, region);

/** A record line's speaker in the page's language (UNTERM names of the delegation). */
function speakerName(line) {
  const names = loaded?.record.names || {};
  return line.delegation ? nameOf(names[line.delegation], line.name) : line.name;
}

function svgRoot(width, height, label, hatched = false) {
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": label });
  if (!hatched) return svg;
  const defs = el("defs");
  const hatch = el("pattern", { id: "hatch", patternUnits: "userSpaceOnUse", width: 6, height: 6, patternTransform: "rotate(45)" });
  hatch.append(el("rect", { width: 6, height: 6, fill: "#fff" }), el("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#9b1c1c", "stroke-width": 3 }));
  defs.append(hatch);
  svg.append(defs);
  return svg;
}

/** The rendered widths of `texts` as chart labels, measured in `figure`'s own font. */
function measure(figure, texts) {
  const probe = el("svg", { width: 10, height: 10, class: "probe", "aria-hidden": "true" });
  const nodes = texts.map((text) => el("text", { class: "label", x: 0, y: 10 }, text));
  probe.append(...nodes);
  figure.append(probe);
  const widths = nodes.map((node) => node.getComputedTextLength());
  probe.remove();
  return widths;
}

/**
 * Labels that fit `room` pixels: as they are, or cut at a word (else a character) with
 * "…". Returns [{ text, full, cut }].
 */
function fitted(figure, texts, room) {
  const widths = measure(figure, texts);
  return texts.map((full, n) => {
    if (widths[n] <= room) return { text: full, full, cut: false };
    let low = 0;
    let high = full.length;
    while (low < high) { // the longest prefix that fits with its ellipsis
      const mid = Math.ceil((low + high) / 2);
      const [width] = measure(figure, [`${full.slice(0, mid).trimEnd()}…`]);
      if (width <= room) low = mid;
      else high = mid - 1;
    }
    const space = full.lastIndexOf(" ", low);
    const end = space > low * 0.6 ? space : low;
    return { text: `${full.slice(0, end).trimEnd()}…`, full, cut: true };
  });
}

/** A label column for `texts`: the longest label's width, up to LABEL_SHARE of `total`. */
function labelColumn(figure, texts, total) {
  const widest = Math.max(60, ...measure(figure, texts));
  return Math.ceil(Math.min(widest, total * LABEL_SHARE)) + 12;
}

/** A label as SVG text: the full name as its tooltip when cut, and always for readers. */
function label(attributes, { text, full, cut }) {
  const node = el("text", { class: "label", ...attributes }, text);
  if (cut) {
    node.dataset.full = full;
    node.append(el("title", {}, full));
  }
  return node;
}

/** The figures of a chart as a table, in a <details> below it (screen readers, copying). */
function figureTable(id, caption, head, rows) {
  const details = document.getElementById(id);
  const table = html("table", "", { class: "figures" });
  const headRow = html("tr");
  head.forEach((text) => headRow.append(html("th", text, { scope: "col" })));
  const body = html("tbody");
  for (const cells of rows) {
    const tr = html("tr");
    cells.forEach((value, index) => tr.append(html(index === 0 ? "th" : "td", value, index === 0 ? { scope: "row" } : {})));
    body.append(tr);
  }
  const thead = html("thead");
  thead.append(headRow);
  table.append(html("caption", caption), thead, body);
  details.replaceChildren(html("summary", t("statistics.as_table")), table);
  details.hidden = !rows.length;
}

// -- Table 1 -----------------------------------------------------------------------------

function row(label, tally, className = "") {
  const tr = document.createElement("tr");
  if (className) tr.className = className;
  const cells = [
    label,
    tally.interventions,
    tally.not_heard,
    tally.delegations_attending,
    tally.delegations_speaking,
    `${minutes(tally.spoken_seconds)} / ${minutes(tally.allotted_seconds)}`,
    tally.overruns,
    tally.out_of_order,
  ];
  cells.forEach((value, index) => {
    const cell = document.createElement(index === 0 ? "th" : "td");
    if (index === 0) cell.scope = "row";
    cell.textContent = String(value);
    tr.append(cell);
  });
  return tr;
}

function drawTable(stats) {
  const body = document.querySelector("#table-1 tbody");
  body.replaceChildren(
    ...Object.entries(stats.by_group).map(([group, tally]) => row(groupName(group), tally)),
    row(t("statistics.all"), stats.total, "total"),
  );
  document.getElementById("attending-basis").textContent =
    t(stats.scope === "segment" ? "statistics.attending.segment" : "statistics.attending.wider");
  document.getElementById("took-floor").textContent = t("statistics.brief", {
    count: stats.total.brief ?? 0,
    seconds: stats.took_floor_seconds,
  });
}

// -- the segment's timeline ------------------------------------------------------------------

function reason(line, seconds) {
  if (line.outcome === "heard") return t("statistics.reason.brief", { seconds });
  return named(`statistics.reason.${line.closed_reason}`, (line.closed_reason || "").replaceAll("_", " "));
}

function drawTimeline(record, stats) {
  const figure = document.getElementById("timeline");
  const seconds = stats.took_floor_seconds;
  const given = record.interventions.filter((i) => i.started_at != null);
  const brief = (i) => i.outcome === "heard" && i.request_id && i.spoken < seconds;
  const notHeard = record.interventions.filter((i) => (i.outcome === "not_heard" && i.request_id) || brief(i));
  document.getElementById("not-heard").replaceChildren(
    ...notHeard.map((i) => html("li", `${speakerName(i)} (${reason(i, seconds)})`)),
  );
  if (!given.length) {
    figure.textContent = t("statistics.no_speech");
    figureTable("timeline-table", "", [], []);
    return;
  }
  const start = Math.min(...given.map((i) => i.started_at));
  const end = Math.max(...given.map((i) => Math.max(i.ended_at ?? i.started_at, i.started_at + (i.allotted || 0))));
  const width = 1010;
  figure.replaceChildren();
  const names = given.map((i) => `${i.out_of_order ? "◆ " : ""}${speakerName(i)}`);
  const labelWidth = labelColumn(figure, names, width);
  const labels = fitted(figure, names, labelWidth - 12);
  const plotWidth = width - labelWidth - 20;
  const rowHeight = 22;
  const top = 24;
  const height = top + given.length * rowHeight + 10;
  const scale = plotWidth / Math.max(end - start, 60);
  const x = (at) => labelWidth + (at - start) * scale;
  const svg = svgRoot(width, height, t("statistics.timeline_label", { count: given.length }), true);
  svg.id = "timeline-chart";
  svg.dataset.labelWidth = String(labelWidth);

  const zone = stats.timezone || "UTC";
  const span = end - start;
  const step = span > 3 * 3600 ? 1800 : span > 2400 ? 600 : span > 600 ? 300 : 60;
  for (let at = Math.ceil(start / step) * step; at <= end; at += step) {
    svg.append(el("line", { class: "axis", x1: x(at), x2: x(at), y1: top - 6, y2: height - 6 }));
    svg.append(el("text", { class: "tick", x: x(at), y: top - 10, "text-anchor": "middle" }, clockTime(at, zone)));
  }
  given.forEach((i, n) => {
    const y = top + n * rowHeight;
    const g = el("g", { class: "intervention", "data-delegation": i.delegation, "data-outcome": i.outcome });
    g.append(label({ x: labelWidth - 6, y: y + 12, "text-anchor": "end" }, labels[n]));
    const allotted = i.allotted || 0;
    const spoken = Math.min(i.spoken, allotted || i.spoken);
    g.append(el("rect", { class: "spoken", x: x(i.started_at), y: y + 3, width: Math.max(spoken * scale, 0.5), height: rowHeight - 6 }));
    if (i.overtime > 0) {
      g.append(el("rect", { class: "overtime", x: x(i.started_at + allotted), y: y + 3, width: i.overtime * scale, height: rowHeight - 6 }));
    }
    g.append(el("rect", { class: "allotted", x: x(i.started_at), y: y + 2, width: Math.max(allotted * scale, 0.5), height: rowHeight - 4 }));
    g.append(el("title", {}, tip(speakerName(i), i.spoken, allotted, i.overtime, i.out_of_order)));
    svg.append(g);
  });
  figure.replaceChildren(svg);
  figureTable(
    "timeline-table",
    t("statistics.timeline_title"),
    [t("statistics.col.speaker"), t("statistics.col.started"), t("statistics.col.spoken"), t("statistics.col.allotted"), t("statistics.col.overtime")],
    given.map((i) => [
      `${i.out_of_order ? "◆ " : ""}${speakerName(i)}`,
      clockTime(i.started_at, zone),
      minutes(i.spoken),
      minutes(i.allotted || 0),
      minutes(i.overtime),
    ]),
  );
}

function tip(name, spoken, allotted, overtime, outOfOrder) {
  const parts = [t("statistics.tip", { name, spoken: minutes(spoken), allotted: minutes(allotted) })];
  if (overtime > 0) parts.push(t("statistics.tip_over", { overtime: minutes(overtime) }));
  if (outOfOrder) parts.push(t("statistics.tip_out_of_order"));
  return parts.join(", ");
}

// -- bar charts --------------------------------------------------------------------------------

/** `entries` are [key, shown name, tally]. */
function drawBars(id, entries, chartLabel, column) {
  const figure = document.getElementById(id);
  const title = document.getElementById(`${id}-title`).textContent;
  const head = [column, t("statistics.col.spoken"), t("statistics.col.allotted"), t("statistics.col.interventions")];
  figureTable(`${id}-table`, title, head, entries.map(([, name, tally]) =>
    [name, minutes(tally.spoken_seconds), minutes(tally.allotted_seconds), tally.interventions]));
  if (!entries.length) {
    figure.textContent = t("statistics.no_figures");
    return;
  }
  const width = 970;
  const valueWidth = 150;
  figure.replaceChildren();
  const labelWidth = labelColumn(figure, entries.map(([, name]) => name), width);
  const labels = fitted(figure, entries.map(([, name]) => name), labelWidth - 12);
  const plotWidth = width - labelWidth - valueWidth;
  const rowHeight = 34;
  const height = entries.length * rowHeight + 10;
  const most = Math.max(60, ...entries.map(([, , tally]) => Math.max(tally.allotted_seconds, tally.spoken_seconds)));
  const scale = plotWidth / most;
  const svg = svgRoot(width, height, chartLabel);
  svg.dataset.labelWidth = String(labelWidth);
  entries.forEach(([key, , tally], n) => {
    const y = 5 + n * rowHeight;
    const g = el("g", { class: "bar", "data-slice": key });
    g.append(label({ x: labelWidth - 6, y: y + 18, "text-anchor": "end" }, labels[n]));
    g.append(el("rect", { class: "spoken", x: labelWidth, y: y + 6, width: Math.max(tally.spoken_seconds * scale, 0.5), height: rowHeight - 14 }));
    g.append(el("rect", { class: "allotted", x: labelWidth, y: y + 4, width: Math.max(tally.allotted_seconds * scale, 0.5), height: rowHeight - 10 }));
    g.append(el("text", { class: "value", x: labelWidth + Math.max(tally.allotted_seconds, tally.spoken_seconds) * scale + 6, y: y + 18 },
      `${minutes(tally.spoken_seconds)} / ${minutes(tally.allotted_seconds)} (${tally.interventions})`));
    svg.append(g);
  });
  figure.replaceChildren(svg);
}

// -- the page ------------------------------------------------------------------------------

function render() {
  const { stats, record } = loaded;
  document.getElementById("title").textContent = t("statistics.title_of", { title: stats.title || stats.key });
  const scope = named(`statistics.scope.${stats.scope}`, stats.scope);
  const segments = t("statistics.segments", { count: stats.segments.length });
  const zone = t("statistics.times_in", { timezone: stats.timezone });
  document.getElementById("subtitle").textContent = `${scope} ${stats.key} · ${segments} · ${zone}`;
  drawTable(stats);
  if (stats.scope === "segment") drawTimeline(record, stats);
  else document.getElementById("timeline-section").hidden = true;
  drawBars("by-category", Object.entries(stats.by_category).map(([k, tally]) => [k, categoryName(k), tally]),
    t("statistics.by_category_label"), t("statistics.col.category"));
  drawBars("by-region", Object.entries(stats.by_regional_group).map(([k, tally]) => [k, regionName(k), tally]),
    t("statistics.by_region_label"), t("statistics.col.region"));
}

async function main() {
  await useLanguage(params.get("lang") || chosenLanguage());
  languagePicker(document.getElementById("language"), () => loaded && render());
  const status = document.getElementById("status");
  const paths = scopePaths();
  if (!paths) {
    status.textContent = t("statistics.no_link");
    return;
  }
  document.getElementById("record-csv").href = `${paths.record}.csv?token=${encodeURIComponent(token)}`;
  document.getElementById("statistics-csv").href = `${paths.statistics}.csv?token=${encodeURIComponent(token)}`;
  try {
    const [stats, record] = await Promise.all([getJSON(paths.statistics), getJSON(paths.record)]);
    loaded = { stats, record };
    render();
    document.body.dataset.ready = "true";
  } catch (error) {
    status.textContent = t("statistics.unreadable", { error: error.message });
  }
}

main();
