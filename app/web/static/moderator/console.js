// The moderator's console: the speaker's clock, the queue and its projection (C3),
// the phase and drift (C2), the stakeholder guarantee (A4), the room's screens and
// how well their clocks agree (T6). Every button is one command to the server (T6);
// none is enabled while the live channel is down.

import { CommandRefused, Commands, NotConnected, getJSON, pageToken } from "../shared/commands.js";
import { chosenLanguage, clockTime, duration, languagePicker, nameOf, phaseTitle, t, useLanguage } from "../shared/i18n.js";
import { badgesOf, setText, showConnection, showNotice } from "../shared/render.js";
import { connectRoom, runCountdown } from "../shared/room.js";

const $ = (id) => document.getElementById(id);
const token = pageToken();
const roomId = Number(location.pathname.split("/").filter(Boolean).pop());

let directory = { room: {}, meeting: {}, segments: [], delegations: [] };
let names = new Map();
let room;
let commands;
let busy = false;

async function main() {
  await useLanguage(chosenLanguage());
  languagePicker($("language"), render);
  directory = await getJSON(`/api/pages/rooms/${roomId}`, token);
  names = new Map(directory.delegations.map((d) => [d.code, d]));
  room = connectRoom({
    roomId,
    token,
    label: "moderator console",
    onView: render,
    onConnection: (status) => {
      showConnection(status);
      $("offline-banner").hidden = status === "live" || status === "connecting";
      render();
    },
  });
  commands = new Commands({ roomId, token, isConnected: () => room.connected() });
  runCountdown(room, $("countdown"), $("countdown-time"), $("countdown-state"), phaseClock);
  wire();
  watchScreens();
  render();
}

// -- commands --------------------------------------------------------------------

/** Send one command; true once the server has applied (or already had) it. */
async function send(kind, body, done) {
  busy = true;
  render();
  try {
    await commands.send(kind, body);
    if (done) done();
    return true;
  } catch (error) {
    if (error instanceof CommandRefused) showNotice(t("notice.refused", { detail: error.detail }));
    else if (error instanceof NotConnected) showNotice(t("notice.disconnected"));
    else showNotice(t("notice.failed"));
    return false;
  } finally {
    busy = false;
    render();
  }
}

function speech() {
  return room?.view()?.speech ?? null;
}

function wire() {
  $("act-start").addEventListener("click", () => send("speech", { type: "start" }));
  $("act-pause").addEventListener("click", () =>
    send("speech", { type: speech()?.status === "paused" ? "resume" : "pause" }),
  );
  $("act-plus30").addEventListener("click", () => send("speech", { type: "extend", seconds: 30 }));
  $("act-plus60").addEventListener("click", () => send("speech", { type: "extend", seconds: 60 }));
  $("act-end").addEventListener("click", () => send("speech", { type: "end" }));
  $("act-next").addEventListener("click", nextSpeaker);
  $("act-close-phase").addEventListener("click", () => {
    const phase = room.view()?.segment?.phase?.title ?? "";
    confirmThen(t("confirm.close_phase", { phase }), () =>
      send("programme", { type: "close_phase" }),
    );
  });
  $("act-close-segment").addEventListener("click", () => {
    const segment = room.view()?.segment?.title ?? "";
    confirmThen(t("confirm.close_segment", { segment }), () =>
      send("programme", { type: "close_segment" }),
    );
  });
  $("act-clear-queue").addEventListener("click", () =>
    // R1: the cleared requests close as not heard and stay in the record
    confirmThen(t("confirm.clear_queue"), () => send("floor", { type: "clear_queue" })),
  );
  $("act-open-segment").addEventListener("click", openSegment);
  $("add-search").addEventListener("input", showMatches);
  $("add-form").addEventListener("submit", addRequest);
  $("queue-list").addEventListener("click", queueAction);
  wireDrag($("queue-list"));
}

/** End the current speech if any, then give the floor to the next by the rules (P2, P8). */
async function nextSpeaker() {
  // The server applies a room's commands in order: the grant comes after the end.
  if (speech() && !(await send("speech", { type: "end" }))) return;
  await send("floor", { type: "grant" });
}

function confirmThen(text, action) {
  const dialog = $("confirm-dialog");
  $("confirm-text").textContent = text;
  dialog.returnValue = "";
  dialog.addEventListener(
    "close",
    () => {
      if (dialog.returnValue === "confirm") action();
    },
    { once: true },
  );
  dialog.showModal();
}

function openSegment() {
  const select = $("segment-choice");
  select.replaceChildren(
    ...directory.segments.map(
      (s) => new Option(`${clockTime(s.scheduled_start, directory.meeting.timezone)} · ${s.title}`, s.id),
    ),
  );
  const dialog = $("segment-dialog");
  dialog.returnValue = "";
  dialog.addEventListener(
    "close",
    () => {
      if (dialog.returnValue === "confirm" && select.value) {
        send("programme", { type: "open_segment", segment_id: Number(select.value) });
      }
    },
    { once: true },
  );
  dialog.showModal();
}

function askAllotment(item) {
  const dialog = $("allot-dialog");
  $("allot-title").textContent = t("allot.title", { name: displayName(item) });
  $("allot-minutes").value = String((item.override_seconds ?? item.seconds ?? 120) / 60);
  dialog.returnValue = "";
  dialog.addEventListener(
    "close",
    () => {
      const minutes = Number($("allot-minutes").value);
      if (dialog.returnValue === "confirm" && minutes > 0) {
        send("floor", {
          type: "set_request_allotment",
          request_id: item.id,
          seconds: Math.round(minutes * 60),
        });
      }
    },
    { once: true },
  );
  dialog.showModal();
}

function queueAction(event) {
  const button = event.target.closest("button[data-action]");
  if (!button || button.disabled) return;
  const queue = room.view()?.queue ?? [];
  const item = queue.find((q) => q.id === button.dataset.request);
  if (!item) return;
  const index = queue.indexOf(item);
  switch (button.dataset.action) {
    case "grant":
      send("floor", { type: "grant", request_id: item.id });
      break;
    case "up":
      send("floor", { type: "move", request_id: item.id, to: Math.max(0, index - 1) });
      break;
    case "down":
      send("floor", { type: "move", request_id: item.id, to: index + 1 });
      break;
    case "allot":
      askAllotment(item);
      break;
  }
}

/** Drag a request to another place (mouse and pen; touch uses the up/down buttons). */
function wireDrag(list) {
  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    const li = event.target.closest("li[data-request]");
    if (!li || !room.connected()) return event.preventDefault();
    dragged = li.dataset.request;
    li.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged);
  });
  list.addEventListener("dragend", (event) => {
    event.target.closest("li")?.classList.remove("dragging");
  });
  list.addEventListener("dragover", (event) => {
    if (dragged) event.preventDefault();
  });
  list.addEventListener("drop", (event) => {
    event.preventDefault();
    const target = event.target.closest("li[data-request]");
    const queue = room.view()?.queue ?? [];
    const to = queue.findIndex((q) => q.id === target?.dataset.request);
    if (dragged && to >= 0 && target.dataset.request !== dragged) {
      send("floor", { type: "move", request_id: dragged, to });
    }
    dragged = null;
  });
}

// -- adding a request on a delegation's behalf (P7) --------------------------------

let picked = null;

const fold = (text) =>
  text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLocaleLowerCase();

/** Delegations whose code or name in any of the six languages contains the query. */
function matches(query) {
  const q = fold(query.trim());
  if (!q) return [];
  const found = directory.delegations.filter(
    (d) => fold(d.code).startsWith(q) || Object.values(d.names).some((name) => fold(name).includes(q)),
  );
  return found.slice(0, 8);
}

function showMatches() {
  picked = null;
  const found = matches($("add-search").value);
  $("add-hint").textContent = $("add-search").value.trim() ? t("add.matches", { count: found.length }) : "";
  $("add-matches").replaceChildren(
    ...found.map((d) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary-button";
      button.textContent = `${nameOf(d.names, d.code)} (${d.code})`;
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => {
        picked = d.code;
        for (const other of $("add-matches").querySelectorAll("button")) {
          other.setAttribute("aria-pressed", String(other === button));
        }
      });
      li.append(button);
      return li;
    }),
  );
}

function addRequest(event) {
  event.preventDefault();
  const found = matches($("add-search").value);
  const code = picked ?? (found.length === 1 ? found[0].code : null);
  if (!code) return showNotice(t("add.pick"));
  const delegation = names.get(code);
  send("floor", { type: "add_request", delegation: code }, () => {
    showNotice(t("add.added", { name: nameOf(delegation?.names, code) }));
    $("add-search").value = "";
    showMatches();
  });
}

// -- rendering -------------------------------------------------------------------

function displayName(item) {
  return nameOf(names.get(item.delegation_id)?.names, item.name);
}

function speakerName(s) {
  const delegation = names.get(s.speaker.id);
  return nameOf(delegation?.names, s.speaker.name);
}

/** The phase clock and drift, recomputed every frame with the countdown (C2). */
function phaseClock(now) {
  const segment = room.view()?.segment;
  if (!segment) {
    setText($("phase-left"), "");
    setText($("drift"), "");
    return;
  }
  const phase = segment.phase;
  const end = phase.limit ?? phase.planned_end;
  const left = end - now;
  const phaseText = phase.closing
    ? t("phase.closing")
    : left >= 0
      ? t("phase.left", { time: duration(left) })
      : t("phase.over", { time: duration(-left) });
  setText($("phase-left"), phaseText);
  const drift = segment.drift ?? 0;
  const ends = segment.projected_end
    ? " · " + t("segment.ends", { time: clockTime(segment.projected_end, directory.meeting.timezone) })
    : "";
  setText(
    $("drift"),
    (Math.abs(drift) < 30
      ? t("drift.on_time")
      : t(drift > 0 ? "drift.behind" : "drift.ahead", { time: duration(drift) })) + ends,
  );
}

function render() {
  if (!room) return;
  const view = room.view();
  const connected = room.connected();
  const segment = view?.segment ?? null;
  const current = view?.speech ?? null;
  $("room-name").textContent = directory.room.name || t("console.title");
  document.title = `${t("console.title")} · ${directory.room.name ?? ""}`;
  $("segment-title").textContent = segment ? segment.title : t("segment.none");
  $("phase-title").textContent = segment ? phaseTitle(segment.phase) : "—";
  $("speaker-name").textContent = current ? speakerName(current) : t("floor.free");
  $("speaker-badges").replaceChildren(...(current ? badgesOf(current.speaker, current) : []));

  const status = current?.status;
  const enable = {
    "act-start": status === "allotted",
    "act-pause": status === "running" || status === "paused",
    "act-plus30": Boolean(current),
    "act-plus60": Boolean(current),
    "act-end": Boolean(current),
    "act-next": Boolean(segment),
    "act-open-segment": !segment && directory.segments.length > 0,
    "act-close-phase": Boolean(segment),
    "act-close-segment": Boolean(segment),
    "act-clear-queue": Boolean(segment) && (view?.queue ?? []).length > 0,
    "add-submit": Boolean(segment),
  };
  $("act-pause").textContent = t(status === "paused" ? "action.resume" : "action.pause");
  for (const button of document.querySelectorAll("button[data-command]")) {
    const wanted = button.id in enable ? enable[button.id] : true;
    button.disabled = !connected || busy || !wanted;
  }

  const guarantee = view?.guarantee;
  $("guarantee").textContent =
    guarantee && segment && guarantee.phase_key !== segment.phase.key
      ? t("guarantee.protected", { slots: guarantee.slots, waiting: guarantee.waiting_stakeholders })
      : "";
  renderQueue(view, connected);
  renderScreens();
}

function renderQueue(view, connected) {
  const queue = view?.queue ?? [];
  $("queue-empty").hidden = queue.length > 0;
  const items = [];
  let beyond = false;
  queue.forEach((item, index) => {
    if (item.id === view.cut_off) {
      beyond = true;
      const line = document.createElement("li");
      line.className = "cut-off";
      line.setAttribute("role", "separator");
      line.textContent = t("queue.cut_off");
      items.push(line);
    }
    items.push(queueItem(item, index, queue.length, beyond, connected));
  });
  $("queue-list").replaceChildren(...items);
}

function queueItem(item, index, count, beyond, connected) {
  const li = document.createElement("li");
  li.className = "queue-item" + (beyond ? " unreached" : "");
  li.dataset.request = item.id;
  li.draggable = connected;
  const place = document.createElement("span");
  place.className = "place";
  place.textContent = String(item.place);
  const who = document.createElement("p");
  who.className = "who";
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = displayName(item);
  who.append(name, ...badgesOf(item, item));
  const when = document.createElement("span");
  when.className = "when";
  when.textContent =
    item.starts_at != null
      ? t("queue.when", {
          time: clockTime(item.starts_at, directory.meeting.timezone),
          duration: duration(item.override_seconds ?? item.seconds ?? 0),
        }) + (item.override_seconds != null ? ` (${t("queue.allotment_fixed")})` : "")
      : "";
  const actions = document.createElement("span");
  actions.className = "item-actions";
  const label = displayName(item);
  actions.append(
    itemButton("grant", item, t("action.grant"), t("action.grant") + ": " + label, connected),
    itemButton("up", item, "▲", `${t("action.up")}: ${label}`, connected && index > 0),
    itemButton("down", item, "▼", `${t("action.down")}: ${label}`, connected && index < count - 1),
    itemButton("allot", item, "✎", `${t("action.set_time")}: ${label}`, connected),
  );
  const foot = document.createElement("div");
  foot.className = "item-foot";
  foot.append(when, actions);
  li.append(place, who, foot);
  return li;
}

function itemButton(action, item, text, label, enabled) {
  const button = document.createElement("button");
  button.type = "button";
  button.dataset.action = action;
  button.dataset.request = item.id;
  button.textContent = text;
  button.setAttribute("aria-label", label);
  button.disabled = !enabled || busy;
  if (action !== "grant") button.className = "secondary-button";
  return button;
}

// -- the room's screens: who is connected, how well its clock agrees, how stale ----

const SCREENS_EVERY_MS = 5000;
let screens = null; // the server's last list (GET /api/rooms/{id}/screens), null before
let screensFailed = false;

function watchScreens() {
  $("screens-refresh").addEventListener("click", loadScreens);
  $("screens-panel").addEventListener("toggle", () => {
    if ($("screens-panel").open) loadScreens();
  });
  loadScreens();
  setInterval(loadScreens, SCREENS_EVERY_MS); // folded too: the summary flags a stale screen
}

async function loadScreens() {
  try {
    screens = await getJSON(`/api/rooms/${roomId}/screens`, token);
    screensFailed = false;
  } catch {
    screensFailed = true; // keep the last list, say it is not current
  }
  renderScreens();
}

function renderScreens() {
  const list = screens ?? [];
  const stale = list.filter((s) => s.stale).length;
  const summary = stale
    ? t("screens.count_stale", { count: list.length, stale })
    : t("screens.count", { count: list.length });
  setText($("screens-summary"), screens ? summary : "");
  $("screens-panel").dataset.stale = String(stale > 0);
  const status = screensFailed ? t("screens.failed") : screens && !list.length ? t("screens.empty") : "";
  setText($("screens-status"), status);
  $("screens-list").replaceChildren(...list.map(screenRow));
}

/** Milliseconds, to a tenth below 10 ms (loopback), whole above. */
function ms(seconds) {
  const value = seconds * 1000;
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}

function screenRow(screen) {
  const row = document.createElement("tr");
  row.dataset.screen = screen.id;
  row.dataset.role = screen.role;
  row.dataset.stale = String(screen.stale);
  const who = screen.delegation
    ? nameOf(names.get(screen.delegation)?.names, screen.delegation)
    : screen.label || "—";
  const heard = t(screen.stale ? "screens.stale" : "screens.heard_ago", { time: duration(screen.silent_for) });
  const cells = {
    role: t(`screens.role.${screen.role}`),
    who,
    uncertainty:
      screen.uncertainty == null
        ? t("screens.unmeasured")
        : t("screens.plus_minus", { ms: ms(screen.uncertainty) }),
    rtt: screen.rtt == null ? "—" : t("screens.ms", { ms: ms(screen.rtt) }),
    heard,
  };
  for (const [name, text] of Object.entries(cells)) {
    const cell = document.createElement("td");
    cell.className = name;
    cell.textContent = text;
    row.append(cell);
  }
  return row;
}

main().catch((error) => showNotice(error.detail || error.message));
