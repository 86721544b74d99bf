// The secretariat's page: the meeting's rooms and its days' segments with their status, its
// credentials by role (issued with a label, revoked, rotated, printed as badges), each with
// its full links and a QR code (an SVG file the server draws: no inline data under the CSP),
// the programme and delegations imports (the server's line-and-field errors, as the command
// line prints them), and a rehearsal of a day. Texts are set with textContent, never as HTML.
// Below them, the inscribed lists of speakers of every room (O4-O6, inscriptions.js).

import { CommandRefused, getJSON, pageToken, refusalOf } from "../shared/commands.js";
import { LANGUAGES, chosenLanguage, clockTime, languagePicker, nameOf, t, translate, useLanguage } from "../shared/i18n.js";
import { loadInscriptions, renderInscriptions, wireInscriptions } from "./inscriptions.js";

const $ = (id) => document.getElementById(id);
const token = pageToken();
const ROLES = ["secretariat", "moderator", "display", "rapporteur", "delegate"];
const ROLE_TITLES = {
  secretariat: "secretariat.group.secretariat",
  moderator: "secretariat.group.moderator",
  display: "secretariat.group.display",
  rapporteur: "secretariat.group.rapporteur",
  delegate: "secretariat.group.delegate",
};
const PAGE_NAMES = {
  moderator: "secretariat.page.moderator",
  display: "secretariat.page.display",
  podium: "secretariat.page.podium",
  delegate: "secretariat.page.delegate",
  secretariat: "secretariat.page.secretariat",
};

let meetings = [];
let meeting = null; // the overview of the chosen meeting
let credentials = [];
let busy = false;

async function main() {
  await useLanguage(chosenLanguage());
  languagePicker($("language"), render);
  $("meeting").addEventListener("change", () => load(Number($("meeting").value)));
  $("issue-role").addEventListener("change", showScopeFields);
  $("issue").addEventListener("submit", (event) => {
    event.preventDefault();
    issue();
  });
  $("filter").addEventListener("input", renderCredentials);
  $("delegate-links").addEventListener("click", delegateLinks);
  $("rehearse").addEventListener("click", rehearse);
  $("import-programme").addEventListener("click", importProgramme);
  $("import-delegations").addEventListener("click", importDelegations);
  wireInscriptions({ token, meeting: () => meeting, getJSON, send, doing, confirmThen, say: notify });
  meetings = await getJSON("/api/meetings", token);
  const wanted = Number(new URLSearchParams(location.search).get("meeting")) || null;
  // The meeting asked for, else the newest this token may open (a rehearsal is newer).
  const order = [wanted, ...meetings.map((m) => m.id).reverse()].filter(Boolean);
  for (const id of order) {
    try {
      await load(id);
      break;
    } catch (error) {
      if (!(error instanceof CommandRefused) || id === order[order.length - 1]) return fail(error);
    }
  }
  document.body.dataset.ready = "true";
}

/** Read the meeting's overview and credentials, and draw them. */
async function load(id) {
  const base = `/api/secretariat/meetings/${encodeURIComponent(id)}`;
  const [overview, rows] = await Promise.all([getJSON(base, token), getJSON(`${base}/credentials`, token)]);
  meeting = overview;
  credentials = rows;
  const url = new URL(location.href);
  url.searchParams.set("meeting", String(id));
  history.replaceState(null, "", url);
  render();
  await loadInscriptions();
}

async function reload() {
  if (meeting) await load(meeting.id);
}

function render() {
  if (!meeting) return;
  $("meeting").replaceChildren(...meetings.map((m) => new Option(`${m.title} (${m.key})`, m.id, false, m.id === meeting.id)));
  $("meeting-title").textContent = meeting.rehearsal_of ? t("secretariat.is_rehearsal", { key: meeting.key }) : meeting.key;
  $("badges").href = `/secretariat/meetings/${meeting.id}/badges?token=${encodeURIComponent(token)}`;
  renderProgramme();
  renderIssueForm();
  renderCredentials();
  renderInscriptions();
}

function renderProgramme() {
  $("rooms").replaceChildren(
    ...meeting.rooms.map((room) => {
      const li = document.createElement("li");
      const language = LANGUAGES.find((l) => l.code === room.language)?.name || room.language;
      li.textContent = t("secretariat.room_line", { name: room.name, language });
      return li;
    }),
  );
  const rooms = new Map(meeting.rooms.map((r) => [r.id, r.name]));
  $("days").replaceChildren(
    ...meeting.days.map((day) => {
      const section = document.createElement("section");
      section.className = "day";
      const title = document.createElement("h3");
      title.textContent = t("secretariat.day_title", { number: day.number, date: isolated(day.date) });
      if (day.title) title.textContent += ` · ${day.title}`;
      const list = document.createElement("ol");
      list.className = "segments";
      for (const segment of day.segments) {
        const li = document.createElement("li");
        li.className = "segment";
        li.dataset.status = segment.status;
        const when = document.createElement("span");
        when.className = "when";
        when.textContent = `${clockTime(segment.scheduled_start, meeting.timezone)}–${clockTime(segment.scheduled_end, meeting.timezone)}`;
        const what = document.createElement("span");
        what.className = "what";
        what.textContent = `${segment.title} · ${rooms.get(segment.room_id) || ""}`;
        const status = document.createElement("span");
        status.className = "status";
        status.textContent = t(`secretariat.status.${segment.status}`);
        li.append(when, what, status);
        list.append(li);
      }
      section.append(title, list);
      return section;
    }),
  );
  $("rehearse-day").replaceChildren(
    ...meeting.days.map((d) => new Option(t("secretariat.day_title", { number: d.number, date: isolated(d.date) }), d.number)),
  );
}

/** An ISO date kept left to right inside an Arabic sentence (first-strong isolate). */
const isolated = (text) => `\u2068${text}\u2069`;

function renderIssueForm() {
  const room = $("issue-room").value;
  $("issue-room").replaceChildren(
    ...meeting.rooms.map((r) => new Option(r.name, r.id, false, String(r.id) === room)),
  );
  const code = $("issue-delegation").value;
  $("issue-delegation").replaceChildren(
    ...meeting.delegations.map((d) => new Option(`${nameOf(d.names, d.code)} (${d.code})`, d.code, false, d.code === code)),
  );
  showScopeFields();
}

function showScopeFields() {
  const role = $("issue-role").value;
  $("issue-room-field").hidden = !["moderator", "display", "rapporteur"].includes(role);
  $("issue-delegation-field").hidden = role !== "delegate";
}

/** The credential's scope in words: its room, or its delegation's name. */
function scopeOf(row) {
  if (row.room_id !== null) {
    const room = meeting.rooms.find((r) => r.id === row.room_id);
    return room ? room.name : t("secretariat.room_number", { id: row.room_id });
  }
  if (row.delegation) {
    const found = meeting.delegations.find((d) => d.code === row.delegation);
    return found ? `${nameOf(found.names, row.delegation)} (${row.delegation})` : row.delegation;
  }
  return row.meeting_id === null ? t("secretariat.every_meeting") : t("secretariat.whole_meeting");
}

function renderCredentials() {
  const query = $("filter").value.trim().toLocaleLowerCase();
  const template = $("credential-row");
  const groups = [];
  let shown = 0;
  for (const role of ROLES) {
    const rows = credentials.filter(
      (row) =>
        row.role === role &&
        (!query || `${row.label} ${scopeOf(row)} ${row.delegation || ""}`.toLocaleLowerCase().includes(query)),
    );
    if (!rows.length) continue;
    shown += rows.length;
    const section = document.createElement("section");
    section.className = "credential-group";
    section.dataset.role = role;
    const heading = document.createElement("h3");
    heading.textContent = t(ROLE_TITLES[role], { count: rows.length });
    const list = document.createElement("ul");
    list.className = "credential-list";
    for (const row of rows) list.append(credentialItem(template, row));
    section.append(heading, list);
    groups.push(section);
  }
  $("credential-groups").replaceChildren(...groups);
  $("credentials-empty").hidden = shown > 0;
}

function credentialItem(template, row) {
  const item = template.content.firstElementChild.cloneNode(true);
  translate(item);
  item.dataset.id = row.id;
  item.dataset.revoked = String(row.revoked_at !== null);
  item.querySelector(".credential-label").textContent = row.label || t("secretariat.no_label");
  item.querySelector(".credential-scope").textContent = scopeOf(row);
  const state = item.querySelector(".credential-state");
  if (row.revoked_at !== null) {
    state.textContent = t("secretariat.revoked_at", { time: dateTime(row.revoked_at) });
  } else if (row.expires_at !== null) {
    state.textContent = t("secretariat.valid_until", { time: dateTime(row.expires_at) });
  }
  const revoke = item.querySelector(".revoke");
  const rotate = item.querySelector(".rotate");
  revoke.hidden = row.revoked_at !== null;
  rotate.hidden = row.revoked_at !== null;
  const label = row.label || scopeOf(row);
  revoke.setAttribute("aria-label", t("secretariat.revoke_named", { label }));
  rotate.setAttribute("aria-label", t("secretariat.rotate_named", { label }));
  revoke.addEventListener("click", () => confirmThen(item, t("secretariat.confirm_revoke", { label }), () => act(row.id, "revoke")));
  rotate.addEventListener("click", () => confirmThen(item, t("secretariat.confirm_rotate", { label }), () => act(row.id, "rotate")));
  const details = item.querySelector(".credential-link");
  const pages = Object.entries(row.links);
  details.hidden = pages.length === 0;
  const image = item.querySelector(".qr");
  image.alt = t("secretariat.qr_of", { label });
  details.addEventListener("toggle", () => {
    if (details.open && !image.src) image.src = `${row.qr}?token=${encodeURIComponent(token)}`;
  });
  item.querySelector(".urls").replaceChildren(
    ...pages.map(([page, url]) => {
      const li = document.createElement("li");
      const name = document.createElement("span");
      name.className = "page-name";
      name.textContent = t(PAGE_NAMES[page] || page);
      const link = document.createElement("a");
      link.className = "url";
      link.href = url;
      link.target = "_blank";
      link.rel = "noreferrer";
      link.textContent = url;
      li.append(name, link);
      return li;
    }),
  );
  return item;
}

/** Ask before a revocation or rotation: the screens holding the old link stop at once. */
function confirmThen(item, question, action) {
  item.querySelector(".confirm")?.remove();
  const box = document.createElement("div");
  box.className = "confirm";
  box.setAttribute("role", "alertdialog");
  const text = document.createElement("p");
  text.textContent = question;
  const yes = document.createElement("button");
  yes.type = "button";
  yes.className = "danger";
  yes.textContent = t("action.confirm");
  const no = document.createElement("button");
  no.type = "button";
  no.className = "secondary-button";
  no.textContent = t("action.cancel");
  no.addEventListener("click", () => box.remove());
  yes.addEventListener("click", async () => {
    box.remove();
    await action();
  });
  box.append(text, yes, no);
  item.append(box);
  yes.focus();
}

function dateTime(epochSeconds) {
  const date = new Date(epochSeconds * 1000);
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang, {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: meeting.timezone,
    }).format(date);
  } catch {
    return date.toISOString();
  }
}

// -- actions --------------------------------------------------------------------------------

async function send(path, { method = "POST", json, text, type } = {}) {
  const headers = { Authorization: `Bearer ${token}` };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (text !== undefined) {
    headers["Content-Type"] = type;
    body = text;
  }
  const response = await fetch(path, { method, headers, body });
  if (!response.ok) throw new CommandRefused(response.status, await refusalOf(response));
  return response.json();
}

/** Run `work` with every action button disabled; say what it did, or why it was refused. */
async function doing(work) {
  if (busy) return;
  busy = true;
  for (const button of document.querySelectorAll("button")) button.disabled = true;
  $("error").hidden = true;
  try {
    const said = await work();
    if (said) notify(said);
  } catch (error) {
    fail(error);
  } finally {
    busy = false;
    for (const button of document.querySelectorAll("button")) button.disabled = false;
  }
}

function notify(text) {
  $("notice").textContent = text;
  $("notice").hidden = false;
}

function fail(error) {
  $("notice").hidden = true;
  const detail = error instanceof CommandRefused ? error.detail : t("secretariat.unreachable");
  $("error").textContent = t("secretariat.refused", { detail });
  $("error").hidden = false;
}

function issue() {
  return doing(async () => {
    const role = $("issue-role").value;
    const body = { role, label: $("issue-label").value.trim(), meeting_id: meeting.id };
    if (["moderator", "display", "rapporteur"].includes(role)) body.room_id = Number($("issue-room").value);
    if (role === "delegate") body.delegation = $("issue-delegation").value;
    const issued = await send("/api/credentials", { json: body });
    $("issue-label").value = "";
    await reload();
    const item = document.querySelector(`.credential[data-id="${CSS.escape(issued.id)}"]`);
    item?.querySelector(".credential-link")?.setAttribute("open", "");
    item?.scrollIntoView({ block: "nearest" });
    return t("secretariat.issued", { label: issued.label || scopeOf(issued) });
  });
}

function act(id, action) {
  return doing(async () => {
    const answer = await send(`/api/credentials/${encodeURIComponent(id)}/${action}`);
    await reload();
    const label = answer.label || scopeOf(answer);
    return t(action === "revoke" ? "secretariat.revoked" : "secretariat.rotated", { label });
  });
}

function delegateLinks() {
  return doing(async () => {
    const answer = await send(`/api/secretariat/meetings/${meeting.id}/delegate-links`);
    await reload();
    return t("secretariat.delegate_links_done", { count: answer.delegations });
  });
}

function rehearse() {
  const day = Number($("rehearse-day").value);
  return doing(async () => {
    const copy = await send(`/api/secretariat/meetings/${meeting.id}/rehearsals`, { json: { day } });
    meetings = await getJSON("/api/meetings", token);
    await load(copy.id);
    return t("secretariat.rehearsal_started", { day, key: copy.key });
  });
}

async function fileText(input) {
  const file = input.files && input.files[0];
  if (!file) throw new CommandRefused(400, t("secretariat.choose_file"));
  return file.text();
}

function importProgramme() {
  return doing(async () => {
    const text = await fileText($("programme-file"));
    const created = await send("/api/meetings", { text, type: "application/yaml" });
    meetings = await getJSON("/api/meetings", token);
    await load(created.id);
    return t("secretariat.imported_programme", { title: created.title, key: created.key });
  });
}

function importDelegations() {
  return doing(async () => {
    const text = await fileText($("delegations-file"));
    const done = await send(`/api/meetings/${meeting.id}/delegations`, { text, type: "text/csv" });
    await reload();
    return t("secretariat.imported_delegations", { added: done.added, updated: done.updated });
  });
}

main().catch(fail);
