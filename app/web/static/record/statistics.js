// The statistics page (R4): Table 1's figures, a segment's timeline (allotted against
// spoken, R1) and speaking time by category and by UN regional group, drawn as SVG from
// the JSON API (app/api/records.py). No library: a few rectangles and labels are all the
// charts need, and SVG prints sharply. Names are set with textContent, never as HTML.

const SVG = "http://www.w3.org/2000/svg";
const GROUPS = {
  member_states: "Member States",
  observer_states: "Observer States",
  un_system: "UN system entities",
  other_stakeholders: "Other stakeholders",
  programme: "Programme speakers",
};
const REGIONS = {
  african: "African States",
  asia_pacific: "Asia-Pacific States",
  eastern_european: "Eastern European States",
  latin_american_caribbean: "Latin American and Caribbean States",
  western_european_other: "Western European and other States",
};

const params = new URLSearchParams(location.search);
const token = params.get("token") || "";

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

function minutes(seconds) {
  const whole = Math.round(seconds);
  const sign = whole < 0 ? "-" : "";
  const abs = Math.abs(whole);
  return `${sign}${Math.floor(abs / 60)}:${String(abs % 60).padStart(2, "0")}`;
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
    ...Object.entries(stats.by_group).map(([group, tally]) => row(GROUPS[group] || group, tally)),
    row("All", stats.total, "total"),
  );
  document.getElementById("attending-basis").textContent =
    `A delegation attends if it ${stats.attending_basis}.`;
}

// -- the segment's timeline ------------------------------------------------------------------

function drawTimeline(record, timezone) {
  const figure = document.getElementById("timeline");
  const given = record.interventions.filter((i) => i.started_at != null);
  const notHeard = record.interventions.filter((i) => i.outcome === "not_heard" && i.request_id);
  const list = document.getElementById("not-heard");
  list.replaceChildren(
    ...notHeard.map((i) => {
      const item = document.createElement("li");
      item.textContent = `${i.name} (${(i.closed_reason || "").replace("_", " ")})`;
      return item;
    }),
  );
  if (!given.length) {
    figure.textContent = "No one has spoken in this segment yet.";
    return;
  }
  const start = Math.min(...given.map((i) => i.started_at));
  const end = Math.max(...given.map((i) => Math.max(i.ended_at ?? i.started_at, i.started_at + (i.allotted || 0))));
  const labelWidth = 230;
  const plotWidth = 760;
  const rowHeight = 22;
  const top = 24;
  const width = labelWidth + plotWidth + 20;
  const height = top + given.length * rowHeight + 10;
  const scale = plotWidth / Math.max(end - start, 60);
  const x = (t) => labelWidth + (t - start) * scale;
  const svg = svgRoot(width, height, `Timeline of ${given.length} interventions: allotted against spoken`, true);
  svg.id = "timeline-chart";

  const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: timezone || "UTC" });
  const span = end - start;
  const step = span > 3 * 3600 ? 1800 : span > 2400 ? 600 : span > 600 ? 300 : 60;
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) {
    svg.append(el("line", { class: "axis", x1: x(t), x2: x(t), y1: top - 6, y2: height - 6 }));
    svg.append(el("text", { class: "tick", x: x(t), y: top - 10, "text-anchor": "middle" }, clock.format(new Date(t * 1000))));
  }
  given.forEach((i, n) => {
    const y = top + n * rowHeight;
    const g = el("g", { class: "intervention", "data-delegation": i.delegation, "data-outcome": i.outcome });
    const mark = i.out_of_order ? "◆ " : "";
    g.append(el("text", { class: "label", x: labelWidth - 6, y: y + 12, "text-anchor": "end" }, `${mark}${i.name}`.slice(0, 36)));
    const allotted = i.allotted || 0;
    const spoken = Math.min(i.spoken, allotted || i.spoken);
    g.append(el("rect", { class: "spoken", x: x(i.started_at), y: y + 3, width: Math.max(spoken * scale, 0.5), height: rowHeight - 6 }));
    if (i.overtime > 0) {
      g.append(el("rect", { class: "overtime", x: x(i.started_at + allotted), y: y + 3, width: i.overtime * scale, height: rowHeight - 6 }));
    }
    g.append(el("rect", { class: "allotted", x: x(i.started_at), y: y + 2, width: Math.max(allotted * scale, 0.5), height: rowHeight - 4 }));
    g.append(el("title", {}, `${i.name}: ${minutes(i.spoken)} spoken of ${minutes(allotted)} allotted` +
      (i.overtime > 0 ? `, ${minutes(i.overtime)} over` : "") + (i.out_of_order ? ", out of order" : "")));
    svg.append(g);
  });
  figure.replaceChildren(svg);
}

// -- bar charts --------------------------------------------------------------------------------

function drawBars(id, entries, label) {
  const figure = document.getElementById(id);
  if (!entries.length) {
    figure.textContent = "No figures yet.";
    return;
  }
  const labelWidth = 260;
  const plotWidth = 560;
  const rowHeight = 34;
  const width = labelWidth + plotWidth + 150;
  const height = entries.length * rowHeight + 10;
  const most = Math.max(60, ...entries.map(([, t]) => Math.max(t.allotted_seconds, t.spoken_seconds)));
  const scale = plotWidth / most;
  const svg = svgRoot(width, height, label);
  entries.forEach(([name, tally], n) => {
    const y = 5 + n * rowHeight;
    const g = el("g", { class: "bar", "data-slice": name });
    g.append(el("text", { class: "label", x: labelWidth - 6, y: y + 18, "text-anchor": "end" }, name));
    g.append(el("rect", { class: "spoken", x: labelWidth, y: y + 6, width: Math.max(tally.spoken_seconds * scale, 0.5), height: rowHeight - 14 }));
    g.append(el("rect", { class: "allotted", x: labelWidth, y: y + 4, width: Math.max(tally.allotted_seconds * scale, 0.5), height: rowHeight - 10 }));
    g.append(el("text", { class: "label", x: labelWidth + Math.max(tally.allotted_seconds, tally.spoken_seconds) * scale + 6, y: y + 18 },
      `${minutes(tally.spoken_seconds)} / ${minutes(tally.allotted_seconds)} (${tally.interventions})`));
    svg.append(g);
  });
  figure.replaceChildren(svg);
}

// -- the page ------------------------------------------------------------------------------

async function main() {
  const status = document.getElementById("status");
  const paths = scopePaths();
  if (!paths) {
    status.textContent = "Open this page from a link that names a segment, a day or the meeting.";
    return;
  }
  document.getElementById("record-csv").href = `${paths.record}.csv?token=${encodeURIComponent(token)}`;
  document.getElementById("statistics-csv").href = `${paths.statistics}.csv?token=${encodeURIComponent(token)}`;
  try {
    const [stats, record] = await Promise.all([getJSON(paths.statistics), getJSON(paths.record)]);
    document.getElementById("title").textContent = `Statistics: ${stats.title || stats.key}`;
    document.getElementById("subtitle").textContent =
      `${stats.scope} ${stats.key} · ${stats.segments.length} segment(s) · times in ${stats.timezone}`;
    drawTable(stats);
    if (stats.scope === "segment") drawTimeline(record, stats.timezone);
    else document.getElementById("timeline-section").hidden = true;
    drawBars("by-category", Object.entries(stats.by_category).map(([k, t]) => [k.replaceAll("_", " "), t]),
      "Speaking time by category: spoken against allotted");
    drawBars("by-region", Object.entries(stats.by_regional_group).map(([k, t]) => [REGIONS[k] || k, t]),
      "Speaking time by UN regional group: spoken against allotted");
    document.body.dataset.ready = "true";
  } catch (error) {
    status.textContent = `The statistics could not be read: ${error.message}`;
  }
}

main();
