// The moderator's console: the speaker's clock, the queue and its projection (C3),
// the phase and drift (C2), the stakeholder guarantee (A4), the room's screens and
// how well their clocks agree (T6). Every button is one command to the server (T6);
// none is enabled while the live channel is down.
//
// Every tap is safe (M1-M4, M7). A command that changes the floor names what the
// console showed when it was tapped (the speaker on the floor, the request, the phase
// and segment): if another console acted first, the server refuses it and the refusal
// is shown here, in words, where the tap happened. There are no toggles: Pause and
// Resume are two buttons, each its own command. After a change of the floor, a large
// Undo says what just happened, for as long as the server's undo window lasts
// (`view.undo.until`, read on the server's clock). A request can be struck, with a
// reason, from its row. Estimated starts move with the clock between events (M7).
//
// At 1024×768 (issue 15) every primary control stays in view: the floor column does not
// scroll (the countdown gives up height), toasts and the Screens list float over the
// queue, and the rows of the queue are one line each. The frequent actions have keys
// (`SHORTCUTS`, listed by `?`); a key presses its button, so it follows the button's rules.
// The warnings of "close phase" and "close segment" say what the engine will do with
// the waiting requests (`view.console`, from app/live/view.py).
// Points of order (O1) and closed lists (O3) have their own panel (points.js), and so
// do the rights of reply (O2, replies.js), where the meeting's rules give them, and the
// groups' time contingents (O9, contingents.js), drawn down as their member speaks, and
// the interposed questions waiting for the speaker's consent (O8, questions.js). Each row
// of the queue says its kind: pro or contra, the group it speaks for (O7, O8); an
// inscribed speaker's row has "Absent" (O5: to the end of its level, then dropped).
// Yields and moderated caucuses (O11, Model UN) have their own panel (caucus.js), shown
// only where the segment's rules take them.

import { CommandRefused, Commands, NotConnected, getJSON, pageToken } from "../shared/commands.js";
import {
  chosenLanguage,
  clockTime,
  duration,
  language,
  languagePicker,
  nameOf,
  phaseTitle,
  t,
  useLanguage,
} from "../shared/i18n.js";
import { badgesOf, rightOfReply, rowButton, setText, showConnection, showNotice, showRightOfReply } from "../shared/render.js";
import { connectRoom, runCountdown, speechClock } from "../shared/room.js";
import { caucusButtons, renderCaucus, tickCaucus, wireCaucus } from "./caucus.js";
import { renderContingents } from "./contingents.js";
import { pointButtons, renderPoints, wirePoints } from "./points.js";
import { renderQuestions, wireQuestions } from "./questions.js";
import { renderReplies, replyButtons, wireReplies } from "./replies.js";

const $ = (id) => document.getElementById(id);
const token = pageToken();
const roomId = Number(location.pathname.split("/").filter(Boolean).pop());

let directory = { room: {}, meeting: {}, segments: [], delegations: [] };
let names = new Map();
let room;
let commands;
let busy = false;
let refusal = null; // { text, until }: the last refused tap, in the server's words (M1)
let outcome = null; // the last floor-changing tap of this console: what it did, for the undo panel
let striking = null; // the id of the request whose strike form is open (M4)

/** Seconds a refusal or a change that cannot be undone stays on screen. */
const REFUSAL_SECONDS = 20;
const SAID_SECONDS = 15;

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
  commands = new Commands({
    roomId,
    token,
    isConnected: () => room.connected(),
    onSocket: (kind, body) => room.command(kind, body), // the console's commands: no HTTP
  });
  runCountdown(room, $("countdown"), $("countdown-time"), $("countdown-state"), everyFrame);
  wire();
  const desk = {
    room,
    send,
    change,
    onFloor,
    nameOf: (code, name) => nameOf(names.get(code)?.names, name),
    chosen: chosenDelegation,
    notice: showNotice,
    delegations: () => directory.delegations,
    confirm: confirmThen,
  };
  wirePoints(desk);
  wireReplies(desk);
  wireQuestions(desk);
  wireCaucus(desk);
  wireShortcuts();
  watchScreens();
  render();
}

// -- commands --------------------------------------------------------------------

/** Send one command; the server's ack once it has applied (or already had) it, else null. */
async function send(kind, body, done) {
  busy = true;
  render();
  try {
    const ack = await commands.send(kind, body);
    refusal = null;
    if (done) done(ack);
    return ack;
  } catch (error) {
    if (error instanceof CommandRefused) {
      // M1: "Ghana already has the floor…": said where the tap happened, not in a box
      refusal = { text: t("notice.refused", { detail: error.detail }), until: room.now() + REFUSAL_SECONDS };
    } else if (error instanceof NotConnected) showNotice(t("notice.disconnected"));
    else showNotice(t("notice.failed"));
    return null;
  } finally {
    busy = false;
    render();
  }
}

function speech() {
  return room?.view()?.speech ?? null;
}

/** M1: the speaker the console shows on the floor ("" for a free floor). */
function onFloor() {
  return speech()?.speaker?.id ?? "";
}

/** What the floor was when the moderator tapped: who spoke and with how long left. */
function floorNow() {
  const current = speech();
  if (!current) return null;
  return {
    name: speakerName(current),
    started: current.status !== "allotted",
    left: speechClock(current, room.now()).seconds,
  };
}

/**
 * Send a floor-changing command and remember what it did, in words (`say(before)`,
 * drawn again on each render so that "the floor goes to …" names who has it now).
 * `undoable`: the server keeps an undo point for it (M3).
 */
async function change(kind, body, say, undoable = true) {
  const before = floorNow();
  const ack = await send(kind, body);
  if (!ack) return null;
  const now = room.now();
  outcome = { say: () => say(before), version: ack.version, undoable, undoUntil: null, until: now + SAID_SECONDS };
  return ack;
}

/** "Mexico" once the view after the command has arrived, else an ellipsis. */
function nextName() {
  const current = speech();
  return current ? speakerName(current) : "…";
}

/** The words for a tap that took the floor from its speaker ("next speaker", a row's grant). */
function sayTaken(before) {
  if (!before) return t("happened.given", { next: nextName() });
  if (!before.started) return t("happened.sent_back", { name: before.name, next: nextName() });
  if (before.left > 0) return t("happened.cut", { name: before.name, time: duration(before.left), next: nextName() });
  return t("happened.cut_over", { name: before.name, next: nextName() });
}

function speechCommand(type, extra = {}) {
  return send("speech", { type, expected_speaker: onFloor(), ...extra });
}

function wire() {
  // M2: no toggles; each button is its own command, decided on the speaker shown (M1)
  $("act-start").addEventListener("click", () => speechCommand("start"));
  $("act-pause").addEventListener("click", () => speechCommand("pause"));
  $("act-resume").addEventListener("click", () => speechCommand("resume"));
  $("act-plus30").addEventListener("click", () => speechCommand("extend", { seconds: 30 }));
  $("act-plus60").addEventListener("click", () => speechCommand("extend", { seconds: 60 }));
  $("act-end").addEventListener("click", () =>
    change("speech", { type: "end", expected_speaker: onFloor() }, (before) =>
      t("happened.ended", { name: before?.name ?? "" }),
    ),
  );
  $("act-next").addEventListener("click", nextSpeaker);
  $("act-undo").addEventListener("click", undoLast);
  $("act-close-phase").addEventListener("click", () => {
    const segment = room.view()?.segment;
    const phase = segment?.phase;
    const title = phase ? phaseTitle(phase) : "";
    // M1: the phase and segment the moderator saw when tapping, not whatever runs later
    const body = { type: "close_phase", phase_key: phase?.key, segment_id: segment?.id };
    confirmThen(closePhaseWarning(title), () =>
      change("programme", body, () => t("happened.phase_closed", { phase: title })),
    );
  });
  $("act-close-segment").addEventListener("click", () => {
    const segment = room.view()?.segment;
    const body = { type: "close_segment", segment_id: segment?.id };
    const count = room.view()?.console?.close_segment?.close ?? (room.view()?.queue ?? []).length;
    confirmThen(t("confirm.close_segment", { segment: segment?.title ?? "", count }), () =>
      send("programme", body),
    );
  });
  $("act-clear-queue").addEventListener("click", () => {
    // R1: the cleared requests close as not heard and stay in the record
    const count = (room.view()?.queue ?? []).length;
    confirmThen(t("confirm.clear_queue"), () =>
      change("floor", { type: "clear_queue" }, () => t("happened.cleared", { count }), false),
    );
  });
  $("act-open-segment").addEventListener("click", openSegment);
  $("add-search").addEventListener("input", showMatches);
  $("add-form").addEventListener("submit", addRequest);
  $("queue-list").addEventListener("click", queueAction);
  $("strike-form").addEventListener("submit", strike);
  $("strike-cancel").addEventListener("click", closeStrike);
  $("strike-form").addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeStrike();
  });
  wireDrag($("queue-list"));
}

/**
 * "Next speaker": one command. The server ends the speech on the floor (or sends a
 * granted speaker who has not started back to the head of the queue, M5) and gives
 * the floor to the next by the rules (P2, P8); one undo brings it all back (M3).
 */
function nextSpeaker() {
  return change("floor", { type: "grant", expected_speaker: onFloor() }, sayTaken);
}

/** M3: put the floor back as it was before the last change, if nothing changed since. */
async function undoLast() {
  const ack = await send("floor", { type: "undo", expected_speaker: onFloor() });
  if (ack) outcome = { say: () => t("happened.undone"), undoable: false, until: room.now() + SAID_SECONDS };
}

/**
 * What closing the phase does to the waiting requests, as the engine will do it (A3):
 * those a later phase hears carry over to it, the others close as not heard; closing
 * the last phase closes the segment and every waiting request.
 */
function closePhaseWarning(title) {
  const plan = room.view()?.console?.close_phase;
  const parts = [t("confirm.close_phase", { phase: title })];
  if (!plan) return parts[0];
  if (plan.closes_segment) parts.push(t("console.close_phase.last", { count: plan.close }));
  else if (!plan.carry_over.length && !plan.close) parts.push(t("console.close_phase.none_waiting"));
  else {
    for (const to of plan.carry_over) {
      parts.push(t("console.close_phase.carry_over", { count: to.count, phase: phaseTitle(to) }));
    }
    if (plan.close) parts.push(t("console.close_phase.not_heard", { count: plan.close }));
  }
  return parts.join(" ");
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

/** "Tuesday 5 December 2017": a segment's day, in the meeting's time zone and the page's language. */
function dayOf(epochSeconds) {
  const zone = directory.meeting.timezone || undefined;
  const options = { weekday: "long", day: "numeric", month: "long", year: "numeric" };
  try {
    return new Intl.DateTimeFormat(language(), { ...options, timeZone: zone }).format(epochSeconds * 1000);
  } catch {
    return new Intl.DateTimeFormat(language(), options).format(epochSeconds * 1000);
  }
}

/**
 * The segment due by the meeting's clock (the server's, `room.now()`): the first, in
 * programme order, that has not ended by its schedule; else the last one.
 */
function dueSegment(segments, now) {
  return segments.find((s) => s.scheduled_end > now) ?? segments[segments.length - 1] ?? null;
}

/** The picker: the due segment first and chosen, then every segment under its day's heading. */
function openSegment() {
  const select = $("segment-choice");
  const segments = [...directory.segments].sort((a, b) => a.scheduled_start - b.scheduled_start);
  const due = dueSegment(segments, room.now());
  const label = (s) => `${clockTime(s.scheduled_start, directory.meeting.timezone)} · ${s.title}`;
  const groups = [];
  if (due) {
    const first = document.createElement("optgroup");
    first.label = t("console.segment.due", { day: dayOf(due.scheduled_start) });
    first.dataset.due = "true";
    first.append(new Option(label(due), due.id, true, true));
    groups.push(first);
  }
  let group = null;
  for (const s of segments) {
    if (s === due) continue;
    const day = dayOf(s.scheduled_start);
    if (group?.label !== day) {
      group = document.createElement("optgroup");
      group.label = day;
      groups.push(group);
    }
    group.append(new Option(label(s), s.id));
  }
  select.replaceChildren(...groups);
  if (due) select.value = String(due.id);
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
  select.focus();
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
      change("floor", { type: "grant", request_id: item.id, expected_speaker: onFloor() }, sayTaken);
      break;
    case "strike":
      openStrike(item);
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
    case "absent":
      markAbsent(item);
      break;
  }
}

/**
 * O5: an inscribed speaker is not in the room when called. The first absence moves the
 * request to the end of its level of representation, the second drops it; both are
 * recorded. The view does not say which absence this is, so the confirmation says both;
 * the notice after it says what the engine did (the ack's events).
 */
function markAbsent(item) {
  const name = displayName(item);
  confirmThen(t("confirm.absent", { name }), () =>
    send("floor", { type: "mark_absent", request_id: item.id }, (ack) => {
      const dropped = (ack?.events ?? []).includes("InscribedSpeakerDropped");
      showNotice(t(dropped ? "console.absent.dropped" : "console.absent.moved", { name }));
    }),
  );
}

// -- striking one request, with a reason (M4) ---------------------------------------

function openStrike(item) {
  striking = item.id;
  $("strike-reason").value = "";
  render();
  $("strike-reason").focus();
}

function closeStrike() {
  const id = striking;
  striking = null;
  render();
  $("queue-list").querySelector(`button[data-action=strike][data-request="${CSS.escape(id ?? "")}"]`)?.focus();
}

async function strike(event) {
  event.preventDefault();
  const item = (room.view()?.queue ?? []).find((q) => q.id === striking);
  const reason = $("strike-reason").value.trim();
  if (!item) return closeStrike();
  if (!reason) {
    refusal = { text: t("strike.no_reason"), until: room.now() + REFUSAL_SECONDS };
    render();
    $("strike-reason").focus();
    return;
  }
  const name = displayName(item);
  const ack = await change("floor", { type: "strike", request_id: item.id, reason }, () =>
    t("happened.struck", { name, reason }),
  );
  if (ack) {
    striking = null;
    render();
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

const STATES = new Set(["member_state", "observer_state"]);

/**
 * How well a delegation matches the query, lower is better: its code, then a name that
 * starts with it, then a word of a name that does, then a name that contains it.
 */
function matchRank(delegation, q) {
  const code = fold(delegation.code);
  if (code === q) return 0;
  const folded = Object.values(delegation.names).map(fold);
  if (code.startsWith(q) || folded.some((name) => name.startsWith(q))) return 1;
  if (folded.some((name) => name.split(/[\s(),.'’-]+/).some((word) => word.startsWith(q)))) return 2;
  if (folded.some((name) => name.includes(q))) return 3;
  return null;
}

/**
 * Delegations whose code or name in any of the six languages contains the query, best
 * match first; on an equal match, States before organisations ("Maroc": Morocco before
 * the Moroccan human rights council), then by name in the page's language.
 */
function matches(query) {
  const q = fold(query.trim());
  if (!q) return [];
  const ranked = [];
  for (const d of directory.delegations) {
    const rank = matchRank(d, q);
    if (rank != null) ranked.push({ d, rank, state: STATES.has(d.category) ? 0 : 1, name: nameOf(d.names, d.code) });
  }
  ranked.sort((a, b) => a.rank - b.rank || a.state - b.state || a.name.localeCompare(b.name, language()));
  return ranked.slice(0, 8).map((r) => r.d);
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

/** The delegation the add form names: the one picked, or the only match. */
function chosenDelegation() {
  const found = matches($("add-search").value);
  return picked ?? (found.length === 1 ? found[0].code : null);
}

function addRequest(event) {
  event.preventDefault();
  const code = chosenDelegation();
  if (!code) return showNotice(t("add.pick"));
  const delegation = names.get(code);
  const body = { type: "add_request", delegation: code };
  // O7, O8: the kind of speech, where the segment's rules know it (the fields are shown then)
  if (!$("add-stance-field").hidden && $("add-stance").value) body.stance = $("add-stance").value;
  const group = $("add-group").value.trim();
  if (!$("add-group-field").hidden && group) body.speaks_for = group;
  send("floor", body, () => {
    showNotice(t("add.added", { name: nameOf(delegation?.names, code) }));
    $("add-search").value = "";
    $("add-stance").value = "";
    $("add-group").value = "";
    showMatches();
  });
}

/** O7, O8: the add form asks for a stance and a group only where the segment's rules use them. */
function renderAddKinds(segment) {
  const floor = segment?.floor ?? null;
  const stances = Boolean(floor?.alternate_stances);
  const groups = floor?.capacity_seconds != null;
  $("add-stance-field").hidden = !stances;
  $("add-group-field").hidden = !groups;
  $("add-kinds").hidden = !stances && !groups;
  const names = floor?.groups ?? [];
  const list = $("add-groups");
  if (list.children.length !== names.length || [...list.children].some((o, i) => o.value !== names[i])) {
    list.replaceChildren(...names.map((name) => Object.assign(document.createElement("option"), { value: name })));
  }
}

// -- rendering -------------------------------------------------------------------

function displayName(item) {
  return nameOf(names.get(item.delegation_id)?.names, item.name);
}

function speakerName(s) {
  const delegation = names.get(s.speaker.id);
  return nameOf(delegation?.names, s.speaker.name);
}

/** Redrawn every frame with the countdown: cheap, it writes only what changed. */
function everyFrame(now) {
  phaseClock(now);
  renderOutcome(now);
  const second = Math.floor(now);
  if (second !== estimatesAt) {
    estimatesAt = second;
    renderEstimates();
    renderContingents(room.view(), now);
    tickCaucus(room.view(), now);
  }
}

/** The refusal of the last tap, and what the last change did with its Undo (M1, M3). */
function renderOutcome(now) {
  if (refusal && now > refusal.until) refusal = null;
  setFlag($("refusal"), "hidden", !refusal);
  setText($("refusal"), refusal?.text ?? "");

  const undo = room.view()?.undo ?? null;
  const open = Boolean(undo) && now < undo.until;
  if (outcome?.undoable && outcome.undoUntil == null && room.version() >= outcome.version) {
    if (undo && room.version() === outcome.version) {
      outcome.undoUntil = undo.until; // the undo point this tap made
      outcome.until = undo.until;
    } else outcome.undoable = false; // the room moved on before this console saw its own change
  }
  if (outcome && now > outcome.until) outcome = null;
  let text = "";
  if (open) text = outcome?.undoUntil === undo.until ? outcome.say() : t("undo.what", { what: undo.what });
  else if (outcome) text = outcome.say();
  setFlag($("undo-panel"), "hidden", !text);
  setText($("undo-text"), text ? (open ? `${text} —` : text) : "");
  setFlag($("act-undo"), "hidden", !open);
  setFlag($("act-undo"), "disabled", !open || busy || !room.connected());
  setText($("undo-left"), open ? t("undo.left", { seconds: Math.max(0, Math.ceil(undo.until - now)) }) : "");
}

/** Set a boolean property only when it changes: this runs every frame. */
function setFlag(el, name, value) {
  if (el[name] !== value) el[name] = value;
}

let estimatesAt = null;
let estimateCells = []; // [element, request] of the queue's estimated starts

/** M7: estimated starts move with the clock between events, and are never in the past. */
function renderEstimates() {
  for (const [cell, item] of estimateCells) {
    const at = room.estimate(item.starts_at);
    if (at == null) continue;
    const fixed = item.override_seconds != null ? ` (${t("queue.allotment_fixed")})` : "";
    const text =
      t("queue.when", {
        time: clockTime(at, directory.meeting.timezone),
        duration: duration(item.override_seconds ?? item.seconds ?? 0),
      }) + fixed;
    setText(cell, text);
    cell.dataset.estimate = String(Math.round(at));
  }
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
  showRightOfReply($("reply-label"), rightOfReply(view));
  $("speaker-badges").replaceChildren(...(current ? badgesOf(current.speaker, current) : []));

  const status = current?.status;
  const enable = {
    "act-start": status === "allotted",
    "act-pause": status === "running",
    "act-resume": status === "paused",
    "act-plus30": Boolean(current),
    "act-plus60": Boolean(current),
    "act-end": Boolean(current),
    "act-next": Boolean(segment) && view?.console?.next === true,
    "act-open-segment": !segment && directory.segments.length > 0,
    "act-close-phase": Boolean(segment),
    "act-close-segment": Boolean(segment),
    "act-clear-queue": Boolean(segment) && (view?.queue ?? []).length > 0,
    "add-submit": Boolean(segment),
    ...pointButtons(view),
    ...replyButtons(view),
    ...caucusButtons(view),
  };
  for (const button of document.querySelectorAll("button[data-command]")) {
    const wanted = button.id in enable ? enable[button.id] : true;
    button.disabled = !connected || busy || !wanted;
  }

  const guarantee = view?.guarantee;
  $("guarantee").textContent =
    guarantee && segment && guarantee.phase_key !== segment.phase.key
      ? t("guarantee.protected", {
          slots: t("console.guarantee.slots", { count: guarantee.slots }),
          waiting: t("console.guarantee.waiting", { count: guarantee.waiting_stakeholders }),
        })
      : "";
  const waiting = (view?.queue ?? []).length;
  setText($("queue-count"), segment ? t("console.queue.count", { count: waiting }) : "");
  $("shortcuts-open").title = t("console.shortcuts.title");
  renderClosed(segment);
  renderAddKinds(segment);
  renderQueue(view, connected);
  renderPoints(view, {
    live: connected && !busy,
    nameOf: (code, name) => nameOf(names.get(code)?.names, name),
  });
  renderReplies(view, {
    live: connected && !busy,
    nameOf: (code, name) => nameOf(names.get(code)?.names, name),
  });
  renderQuestions(view, {
    live: connected && !busy,
    nameOf: (code, name) => nameOf(names.get(code)?.names, name),
  });
  renderCaucus(view, { delegations: directory.delegations, now: room.now() });
  renderContingents(view, room.now());
  renderOutcome(room.now());
  renderScreens();
}

function renderQueue(view, connected) {
  const queue = view?.queue ?? [];
  $("queue-empty").hidden = queue.length > 0;
  // The strike form moves into its row; a change of the view must not lose the typing.
  const form = $("strike-form");
  const typing = form.contains(document.activeElement) ? document.activeElement : null;
  const caret = typing === $("strike-reason") ? [typing.selectionStart, typing.selectionEnd] : null;
  if (striking && !queue.some((q) => q.id === striking)) striking = null; // it left the queue
  $("strike-holder").append(form);
  estimateCells = [];
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
  renderEstimates();
  if (typing && striking) {
    typing.focus();
    if (caret) typing.setSelectionRange(...caret);
  }
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
  who.append(name, ...stanceOf(item));
  const when = document.createElement("span");
  when.className = "when";
  const meta = document.createElement("p");
  meta.className = "meta";
  meta.append(when, ...kindsOf(item), ...badgesOf(item, item));
  if (item.starts_at != null) estimateCells.push([when, item]); // written by renderEstimates
  const actions = document.createElement("span");
  actions.className = "item-actions";
  const label = displayName(item);
  actions.append(
    itemButton("grant", item, t("action.grant"), t("action.grant") + ": " + label, connected),
    itemButton("up", item, "▲", `${t("action.up")}: ${label}`, connected && index > 0),
    itemButton("down", item, "▼", `${t("action.down")}: ${label}`, connected && index < count - 1),
    itemButton("allot", item, "✎", `${t("action.set_time")}: ${label}`, connected),
    itemButton("strike", item, t("action.strike"), `${t("action.strike")}: ${label}`, connected),
  );
  if (item.tier != null) {
    // O5: beside Strike, for a speaker of the inscribed list only (a live request, or one
    // the chair pre-loaded, P7, is struck instead)
    const absent = itemButton("absent", item, t("action.absent"), `${t("action.absent")}: ${label}`, connected);
    actions.insertBefore(absent, actions.lastChild);
  }
  const main = document.createElement("div");
  main.className = "main";
  main.append(who, meta);
  li.append(place, main, actions);
  if (item.id === striking) {
    li.draggable = false; // the reason's text can be selected with a mouse
    $("strike-name").textContent = label;
    li.append($("strike-form"));
  }
  return li;
}

/** O8: pro or contra, beside the name (where "next speaker" alternates them). */
function stanceOf(item) {
  if (item.stance !== "pro" && item.stance !== "contra") return [];
  return [kindBadge(item.stance, t(`console.stance.${item.stance}`), "stance")];
}

/** O4, O7: inscribed before the segment, and the group a statement is made on behalf of. */
function kindsOf(item) {
  const kinds = [];
  if (item.speaks_for) kinds.push(kindBadge("speaks_for", t("console.kind.speaks_for", { group: item.speaks_for })));
  if (item.inscribed) kinds.push(kindBadge("inscribed", t("console.kind.inscribed")));
  return kinds;
}

function kindBadge(kind, text, extra = "") {
  const badge = document.createElement("span");
  badge.className = `badge kind ${extra}`.trim();
  badge.dataset.kind = kind;
  badge.textContent = text;
  badge.title = text;
  return badge;
}

function itemButton(action, item, text, label, enabled) {
  const button = rowButton(action, text, label, enabled && !busy, { request: item.id });
  if (action !== "grant") button.className = "secondary-button";
  return button;
}

// -- the links to a closed segment's record ------------------------------------------

let closedSegment = null; // { id, title }: the segment this console last saw close
let lastSegment = null;

/** Once a segment closes, the way to its report (R3) and statistics (R4). */
function renderClosed(segment) {
  if (segment) {
    lastSegment = { id: segment.id, title: segment.title };
    closedSegment = null;
  } else if (lastSegment) {
    closedSegment = lastSegment; // closed here or by another console
    lastSegment = null;
  }
  const links = $("closed-links");
  links.hidden = !closedSegment;
  if (!closedSegment) return;
  const key = encodeURIComponent(token);
  setText($("closed-title"), t("console.closed.title", { segment: closedSegment.title }));
  $("closed-report").href = `/report/${roomId}/${closedSegment.id}?token=${key}`;
  $("closed-statistics").href =
    `/static/record/statistics.html?token=${key}&room=${roomId}&segment=${closedSegment.id}`;
}

// -- keyboard shortcuts for the frequent actions ------------------------------------

/** Each key presses its button (so a disabled button's key does nothing). */
const SHORTCUTS = [
  { key: "s", button: "act-start", action: "action.start" },
  { key: "p", button: "act-pause", action: "action.pause" },
  { key: "r", button: "act-resume", action: "action.resume" },
  { key: "t", button: "act-plus30", action: "action.plus30" },
  { key: "e", button: "act-end", action: "action.end" },
  { key: "n", button: "act-next", action: "action.next" },
  { key: "u", button: "act-undo", action: "action.undo" },
];

/** Whether the user is typing (a field, a list, an open dialog): keys are theirs then. */
function typing(event) {
  const target = event.target;
  if (document.querySelector("dialog[open]")) return true;
  if (!(target instanceof Element)) return false;
  return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true]"));
}

function wireShortcuts() {
  $("shortcuts-list").replaceChildren(
    ...[...SHORTCUTS, { key: "?", action: "console.shortcuts.show" }].map(({ key, action }) => {
      const row = document.createElement("tr");
      const keyCell = document.createElement("td");
      const kbd = document.createElement("kbd");
      kbd.textContent = key.toUpperCase();
      keyCell.append(kbd);
      const what = document.createElement("td");
      what.dataset.i18n = action;
      what.textContent = t(action);
      row.append(keyCell, what);
      return row;
    }),
  );
  $("shortcuts-open").addEventListener("click", showShortcuts);
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || typing(event)) return;
    if (event.key === "?") {
      event.preventDefault();
      showShortcuts();
      return;
    }
    const shortcut = SHORTCUTS.find((s) => s.key === event.key.toLowerCase());
    if (!shortcut) return;
    const button = $(shortcut.button);
    event.preventDefault();
    if (!button.disabled && !button.hidden) button.click();
  });
}

function showShortcuts() {
  const dialog = $("shortcuts-dialog");
  if (!dialog.open) dialog.showModal();
  $("shortcuts-close").focus();
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
